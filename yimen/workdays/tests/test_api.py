import pytest


@pytest.fixture
def api(client, calendar):
    return client


def test_add_workdays(api):
    r = api.get("/api/v1/calendar/add-workdays", {"start": "2026-02-13", "days": 1})
    assert r.status_code == 200
    assert r.json() == {"start": "2026-02-13", "days": 1, "due": "2026-02-14", "provisional": False}


def test_add_workdays_into_unverified_year_is_provisional(api):
    r = api.get("/api/v1/calendar/add-workdays", {"start": "2026-12-28", "days": 5})
    assert r.json() == {"start": "2026-12-28", "days": 5, "due": "2027-01-04", "provisional": True}


def test_strict_mode_is_a_4xx_with_reason(api, settings):
    settings.CALENDAR_STRICT = True
    r = api.get("/api/v1/calendar/add-workdays", {"start": "2026-12-28", "days": 5})
    assert r.status_code == 422
    assert r.json()["code"] == "calendar_not_published"
    assert "2027" in r.json()["detail"]


def test_workdays_between(api):
    r = api.get("/api/v1/calendar/workdays-between", {"start": "2026-02-13", "end": "2026-02-28"})
    assert r.status_code == 200
    assert r.json()["workdays"] == 6
    assert r.json()["provisional"] is False


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"start": "2026-02-30", "days": 1}, "bad_date"),
        ({"start": "yesterday", "days": 1}, "bad_date"),
        ({"start": "2026-02-13", "days": -1}, "bad_days"),
        ({"start": "2026-02-13", "days": 1001}, "bad_days"),
        ({"start": "2026-02-13", "days": 99999999999999999999}, "bad_days"),
        ({"start": "2026-02-13", "days": "ten"}, "bad_days"),
        ({"start": "9999-01-01", "days": 1}, "bad_date"),
    ],
)
def test_bad_input_is_400_with_reason(api, params, code):
    r = api.get("/api/v1/calendar/add-workdays", params)
    assert r.status_code == 400
    assert r.json()["code"] == code
    assert r.json()["detail"]


def test_missing_parameter_is_4xx(api):
    r = api.get("/api/v1/calendar/add-workdays", {"start": "2026-02-13"})
    assert r.status_code == 422
    assert "days" in r.json()["detail"]


def test_between_bad_range(api):
    assert api.get("/api/v1/calendar/workdays-between", {"start": "2000-01-01", "end": "2026-01-01"}).status_code == 400
    assert api.get("/api/v1/calendar/workdays-between", {"start": "x", "end": "2026-01-01"}).status_code == 400
