import random

from django.db import transaction
from django.http import HttpRequest, JsonResponse

from .models import Item, Ticket

ITEMS = 10_000


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({})


def select(request: HttpRequest) -> JsonResponse:
    item = Item.objects.get(pk=random.randint(1, ITEMS))
    return JsonResponse({"id": item.pk, "value": item.value})


def insert(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "POST only"}, status=405)
    with transaction.atomic():
        ticket = Ticket.objects.create(queue=random.randint(1, 30), number=random.randint(1, 999))
    return JsonResponse({"id": ticket.pk}, status=201)
