"""`manage.py load_demo` gives the demo center bookable slots and a service map (idempotent)."""

from django.core.management import call_command

from yimen.appointments import services
from yimen.appointments.models import CapacityPlan
from yimen.catalog.models import ServiceItem
from yimen.hall.constants import TerminalKind
from yimen.hall.models import Center, Terminal


def test_load_demo_makes_slots_bookable_and_terminals_listed(calendar, frozen, client):
    call_command("load_demo", verbosity=0)
    call_command("load_demo", verbosity=0)  # idempotent
    center = Center.objects.get(is_demo=True, parent=None)
    plan = CapacityPlan.objects.get(center=center)
    assert plan.queue.prefix == "A" and CapacityPlan.objects.count() == 1
    item = next(i for i in ServiceItem.objects.filter(queues=plan.queue)
                if services.plan_for(center, i) == plan)
    days = services.search_slots(center, item)
    assert days and days[0].free > 0
    selfservice = Terminal.objects.filter(center=center, kind=TerminalKind.SELF_SERVICE)
    assert selfservice.count() == 4 and selfservice.filter(open_24h=True).count() == 2
    page = client.get("/appointments/map/").text
    assert "农商银行城桥支行政务自助终端" in page and center.name in page
    assert client.get(f"/appointments/{center.code}/").status_code == 200
