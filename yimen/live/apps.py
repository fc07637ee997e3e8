from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "yimen.live"
    verbose_name = "Live displays"
