"""The check-in window moves to the center (hall.Center), where the queue's ordering reads it too:
each policy's values are copied to its center, then the policy's columns go."""

from django.db import migrations


def to_center(apps, schema_editor):
    BookingPolicy = apps.get_model("appointments", "BookingPolicy")
    Center = apps.get_model("hall", "Center")
    for policy in BookingPolicy.objects.all():
        Center.objects.filter(pk=policy.center_id).update(checkin_before_minutes=policy.checkin_before_minutes,
                                                          checkin_after_minutes=policy.checkin_after_minutes)


def to_policy(apps, schema_editor):
    BookingPolicy = apps.get_model("appointments", "BookingPolicy")
    Center = apps.get_model("hall", "Center")
    for policy in BookingPolicy.objects.all():
        center = Center.objects.get(pk=policy.center_id)
        BookingPolicy.objects.filter(pk=policy.pk).update(checkin_before_minutes=center.checkin_before_minutes,
                                                          checkin_after_minutes=center.checkin_after_minutes)


class Migration(migrations.Migration):

    dependencies = [
        ("appointments", "0005_waitlist"),
        ("hall", "0005_center_checkin_window"),
    ]

    operations = [
        migrations.RunPython(to_center, to_policy),
        migrations.RemoveField(model_name="bookingpolicy", name="checkin_before_minutes"),
        migrations.RemoveField(model_name="bookingpolicy", name="checkin_after_minutes"),
    ]
