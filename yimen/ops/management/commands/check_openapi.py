import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Fail when docs/openapi.json differs from the schema the code generates (run `make openapi`)."

    def handle(self, *args, **options):
        from yimen.api import api

        path = Path(settings.BASE_DIR) / "docs" / "openapi.json"
        current = json.loads(json.dumps(api.get_openapi_schema(), sort_keys=True, default=str))
        if not path.exists():
            raise CommandError("docs/openapi.json is missing: run `make openapi` and commit it")
        committed = json.loads(path.read_text())
        if committed != current:
            raise CommandError("docs/openapi.json is out of date: run `make openapi` and commit it")
        self.stdout.write(self.style.SUCCESS("OpenAPI schema matches docs/openapi.json"))
