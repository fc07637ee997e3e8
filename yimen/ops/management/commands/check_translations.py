"""Fail when a .po catalogue has no compiled .mo, or the .mo is older in content than the .po."""

import gettext
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _catalog(mo: Path) -> dict:
    with mo.open("rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)  # noqa: SLF001 - comparing catalogues


class Command(BaseCommand):
    help = "Check that every translation catalogue is compiled and current (run `make messages`)."

    def handle(self, *args, **options):
        problems = []
        pos = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/*.po"))
        if not pos:
            raise CommandError("no translation catalogues found under locale/")
        msgfmt = shutil.which("msgfmt")
        for po in pos:
            mo = po.with_suffix(".mo")
            if not mo.exists():
                problems.append(f"{mo} is missing")
                continue
            if "#, fuzzy" in po.read_text(encoding="utf-8").split("\n\n", 1)[-1]:
                problems.append(f"{po} has fuzzy entries")
            if msgfmt:
                with tempfile.TemporaryDirectory() as tmp:
                    fresh = Path(tmp) / "fresh.mo"
                    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
                    if _catalog(fresh) != _catalog(mo):
                        problems.append(f"{mo} is stale: run `make messages` and commit it")
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"{len(pos)} translation catalogue(s) compiled and current"))
