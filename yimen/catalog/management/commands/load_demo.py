from django.core.management.base import BaseCommand

from yimen.appointments.demo import load_appointments_demo
from yimen.catalog.demo_loader import DEMO_PASSWORD, DEMO_USERS, load_demo
from yimen.hall.models import Center


class Command(BaseCommand):
    help = "Load the demo district service center (idempotent)."

    def handle(self, *args, **options):
        result = load_demo()
        # appointments and the service map: a capacity plan for the first queue, self-service terminals
        load_appointments_demo(Center.objects.get(code=result["center"]))
        self.stdout.write(self.style.SUCCESS(
            f"demo center {result['center']}: {result['items_created']} items and {result['users_created']} "
            "accounts added"))
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"demo accounts (password {DEMO_PASSWORD}): " + ", ".join(u[0] for u in DEMO_USERS))
