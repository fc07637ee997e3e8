"""Create the ceiling database: `python -m bench.ceiling.setup_db` with BENCH_CEILING_DB set.

Tables come from `migrate --run-syncdb` (the app has no migrations); 10,000 Item rows in one bulk insert.
"""

import os

import django


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ceiling.settings"
    django.setup()
    from django.core.management import call_command

    from bench.ceiling.models import Item
    from bench.ceiling.views import ITEMS

    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    Item.objects.bulk_create([Item(id=i, name=f"item {i}", value=i % 97) for i in range(1, ITEMS + 1)],
                             batch_size=2000)


if __name__ == "__main__":
    main()
