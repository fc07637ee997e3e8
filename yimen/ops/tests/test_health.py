from django.utils import timezone

from yimen.ops.services import beat


def test_ping(client, db):
    r = client.get("/api/v1/ping")
    assert r.status_code == 200 and r.json() == {}


def test_health_reports_database_calendar_and_worker(client, calendar):
    r = client.get("/api/v1/health")
    body = r.json()
    assert r.status_code == 200
    assert body["database"]["ok"] is True
    assert body["calendar"]["years_loaded"][0] == 2004
    assert body["calendar"]["last_verified_year"] == 2026
    assert body["worker"]["ok"] is False
    assert body["status"] == "degraded"
    beat()
    body = client.get("/api/v1/health").json()
    assert body["worker"]["ok"] is True
    assert body["worker"]["last_heartbeat"][:10] == timezone.now().isoformat()[:10]


def test_heartbeat_task_beats(db):
    from yimen.ops.models import Heartbeat
    from yimen.ops.tasks import heartbeat

    heartbeat.call_local()
    assert Heartbeat.objects.filter(name="worker").exists()
