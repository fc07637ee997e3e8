from django.db import models
from django.utils import timezone


class Item(models.Model):
    name = models.CharField(max_length=60)
    value = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    queue = models.IntegerField()
    number = models.IntegerField()
    status = models.CharField(max_length=10, default="waiting")
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.queue}-{self.number}"
