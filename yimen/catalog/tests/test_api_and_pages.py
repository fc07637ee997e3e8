import pytest

from yimen.catalog.models import ServiceItem


@pytest.fixture
def item(demo):
    return ServiceItem.objects.filter(questions__isnull=False).order_by("code").first()


def test_search_api_returns_code_and_name(client, demo):
    from yimen.catalog.api import ItemList

    r = client.get("/api/v1/catalog/items", {"q": "yyzz"})
    assert r.status_code == 200
    body = r.json()
    assert ItemList.model_validate(body).model_dump() == body  # the documented shape, exactly
    assert ItemList.model_validate(client.get("/api/v1/catalog/items").json())
    assert body["count"] >= 1
    assert "营业执照" in body["items"][0]["name"]
    assert {"code", "name"} <= set(body["items"][0])


def test_list_and_filters(client, demo):
    all_items = client.get("/api/v1/catalog/items", {"limit": 100}).json()
    assert all_items["count"] >= 80
    org = client.get("/api/v1/catalog/items", {"audience": "organisation", "limit": 100}).json()
    assert 0 < org["count"] < all_items["count"]
    assert client.get("/api/v1/catalog/items", {"audience": "aliens"}).status_code == 400
    agency = ServiceItem.objects.select_related("agency").first().agency
    own = client.get("/api/v1/catalog/items", {"agency": agency.code, "limit": 100}).json()
    assert own["count"] == agency.items.count()
    assert client.get("/api/v1/catalog/items", {"agency": "nope"}).status_code == 400
    event = client.get("/api/v1/catalog/items", {"life_event": "start-business", "q": "营业执照"}).json()
    assert event["count"] >= 1 and all("营业执照" in i["name"] for i in event["items"])
    assert client.get("/api/v1/catalog/items", {"q": "火星移民登记"}).json()["count"] == 0
    assert client.get("/api/v1/catalog/items", {"limit": 0}).status_code == 400
    assert client.get("/api/v1/catalog/items", {"limit": "many"}).status_code == 422


def test_item_api_and_page_show_the_same_published_guide(client, item):
    data = client.get(f"/api/v1/catalog/items/{item.code}").json()
    page = client.get(f"/guide/item/{item.code}/").content.decode()
    assert data["name"] in page
    for situation in data["situations"]:
        assert situation["guide"] is not None
        for m in situation["guide"]["materials"]:
            assert m["name"] in page
            assert m["acceptance_standard"] in page
            if m["exempt"]:
                assert m["exempt_reason_label"] in page


def test_exempt_materials_are_marked_on_the_item_page(client, demo):
    from yimen.catalog.models import Material

    m = Material.objects.exclude(exempt_reason="").select_related("guide__situation__item").first()
    page = client.get(f"/guide/item/{m.guide.situation.item.code}/").content.decode()
    assert m.exempt_reference in page
    assert "免于提交" in page or "无需携带" in page


def test_unknown_item_is_404(client, demo):
    assert client.get("/api/v1/catalog/items/NOPE").status_code == 404
    assert client.get("/guide/item/NOPE/").status_code == 404


def test_smart_guide_api_and_page(client, item):
    data = client.get(f"/api/v1/catalog/items/{item.code}").json()
    answers = {q["id"]: q["choices"][0]["id"] for q in data["questions"]}
    param = ",".join(f"{q}:{c}" for q, c in answers.items())
    r = client.get(f"/api/v1/catalog/items/{item.code}/smart-guide", {"answers": param}).json()
    assert r["situation"] is not None and r["materials"]
    page = client.get(f"/guide/item/{item.code}/smart/", {f"q{q}": c for q, c in answers.items()}).content.decode()
    for m in r["materials"]:
        assert m["name"] in page
    assert client.get(f"/api/v1/catalog/items/{item.code}/smart-guide", {"answers": "x"}).status_code == 400


def test_portal_pages_render(client, demo):
    for url in ["/", "/guide/search/?q=社保卡", "/guide/audience/person/", "/guide/audience/organisation/",
                "/guide/life-event/start-business/", "/guide/search/?q=", "/guide/search/?q=%00%ff"]:
        r = client.get(url)
        assert r.status_code == 200, url
    assert client.get("/guide/audience/martians/").status_code == 404


def test_english_is_switchable(client, demo):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert r.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Know what to bring before you come" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-CN"' in client.get("/").content.decode()


def test_elder_mode_toggle(client, demo):
    r = client.post("/accounts/elder-mode/", {"next": "/guide/audience/person/"})
    assert r.status_code == 302 and r["Location"] == "/guide/audience/person/"
    assert 'class="elder"' in client.get("/").content.decode()
    r = client.post("/accounts/elder-mode/", {"next": "https://evil.example/"})
    assert r["Location"] == "/"


def test_demo_loader_is_idempotent(demo):
    from yimen.accounts.models import User
    from yimen.catalog.demo_loader import load_demo
    from yimen.catalog.models import Agency, Guide
    from yimen.hall.models import Window
    from yimen.queueing.models import Queue

    def counts():
        return (ServiceItem.objects.count(), Guide.objects.count(), Agency.objects.count(), User.objects.count(),
                Window.objects.count(), Queue.objects.count())

    before = counts()
    assert load_demo()["items_created"] == 0
    assert counts() == before
    assert Queue.objects.get(prefix="A").items.count() == before[0]
    assert Queue.objects.get(prefix="D").windows.get().number == "09"
    assert before[0] >= 80 and before[2] >= 15


def test_every_demo_guide_meets_the_publishing_rules(demo):
    from django.utils import translation

    from yimen.catalog.constants import DocStatus
    from yimen.catalog.models import Agency, Guide, LifeEvent
    from yimen.catalog.services import guide_problems

    with translation.override("en"):
        problems = {str(g): guide_problems(g) for g in Guide.objects.filter(status=DocStatus.PUBLISHED)}
    assert {k: v for k, v in problems.items() if v} == {}
    for item in ServiceItem.objects.all():
        item.full_clean()
        assert item.situations.filter(manuals__status=DocStatus.PUBLISHED).count() == item.situations.count()
    assert Agency.objects.filter(items__isnull=False).distinct().count() >= 15
    assert all(e.items.exists() for e in LifeEvent.objects.all())
