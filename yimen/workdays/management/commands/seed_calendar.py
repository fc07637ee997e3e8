from django.core.management.base import BaseCommand

from yimen.workdays.services import seed_from_chinesecalendar


class Command(BaseCommand):
    help = "Insert the official holidays and make-up workdays known to chinesecalendar (missing rows only)."

    def handle(self, *args, **options):
        result = seed_from_chinesecalendar()
        self.stdout.write(self.style.SUCCESS(
            f"calendar: {result['days_added']} days added, years added: {result['years_added'] or 'none'}"))
