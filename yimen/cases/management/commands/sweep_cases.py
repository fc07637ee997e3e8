from django.core.management.base import BaseCommand

from yimen.cases.services import sweep


class Command(BaseCommand):
    help = "Run the case SLA sweep once: deemed acceptances, cached statuses, escalations (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="Cases read per run (default 1000)")

    def handle(self, *args, **options):
        total = {"checked": 0, "deemed_accepted": 0, "escalations": 0}
        while True:
            stats = sweep(batch=options["batch"])
            for key, value in stats.items():
                total[key] += value
            if stats["checked"] < options["batch"]:
                break
        self.stdout.write(self.style.SUCCESS(
            "cases: {checked} checked, {deemed_accepted} deemed accepted, {escalations} escalations".format(**total)))
