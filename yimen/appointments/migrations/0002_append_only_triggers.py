"""Database triggers refusing UPDATE and DELETE on appointment events (SQLite and PostgreSQL), as
inquiries migration 0002 does (yimen.lib.append_only)."""

from django.db import migrations

from yimen.lib.append_only import trigger_operations


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_capacity_and_bookings"), ("auditlog", "0002_append_only_triggers")]
    operations = trigger_operations("appointments_bookingevent")
