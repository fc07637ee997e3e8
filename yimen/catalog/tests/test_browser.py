"""The public guide pages in a real browser: search, item page, smart guide, print view,
accessibility (axe-core) and the elder mode (适老化) rules."""

import re

import pytest

from yimen.catalog.models import ServiceItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(demo, page):
    return page


def test_search_open_item_smart_guide_and_print(site, a11y, shot):
    base = site.base_url
    site.goto(base + "/")
    a11y(site, "home")
    shot(site, "portal-home", full_page=True)
    site.get_by_label("查找事项").fill("yyzz")
    site.get_by_role("button", name="搜索").click()
    site.wait_for_url(re.compile(r"/guide/search/"))
    first = site.locator(".result-title a").first
    assert "营业执照" in first.inner_text()
    a11y(site, "search results")
    shot(site, "portal-search-yyzz", full_page=True)
    first.click()
    site.wait_for_url(re.compile(r"/guide/item/"))
    assert "营业执照" in site.locator("h1").inner_text()
    assert site.locator("table.materials tbody tr").count() >= 1
    a11y(site, "item page")
    shot(site, "portal-item", full_page=True)
    # print view: navigation hidden, the guide itself kept
    site.emulate_media(media="print")
    assert not site.locator(".site-header").is_visible()
    assert site.locator("table.materials").first.is_visible()
    shot(site, "portal-item-print", full_page=True)
    site.emulate_media(media="screen")


def test_smart_guide_produces_a_shareable_material_list(site, a11y, shot):
    item = ServiceItem.objects.filter(questions__isnull=False).order_by("code").first()
    site.goto(f"{site.base_url}/guide/item/{item.code}/smart/")
    a11y(site, "smart guide form")
    for fieldset in site.locator("fieldset").all():
        fieldset.locator("input[type=radio]").first.check()
    site.get_by_role("button", name="查看我需要的材料").click()
    result = site.locator(".smart-result")
    result.wait_for()
    assert result.locator("ol.checklist li").count() >= 1
    a11y(site, "smart guide result")
    shot(site, "portal-smart-result", full_page=True)
    shared = site.url
    assert "?q" in shared
    other = site.context.new_page()
    other.goto(shared)
    assert other.locator("ol.checklist li").count() == result.locator("ol.checklist li").count()
    other.close()


def test_elder_mode_text_and_targets(site, a11y, shot):
    site.goto(site.base_url + "/")
    site.get_by_role("button", name="长辈版（大字）").click()
    site.wait_for_load_state()
    assert "elder" in (site.locator("html").get_attribute("class") or "")
    a11y(site, "home, elder mode")
    shot(site, "portal-home-elder", full_page=False)
    sizes = site.eval_on_selector_all(
        "main p, main li, main label, main button, main a",
        "els => els.filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize))")
    assert sizes and min(sizes) >= 18, min(sizes)
    primary = site.locator(".search-form button").bounding_box()
    assert primary["height"] >= 60 and primary["width"] >= 60
    size = site.eval_on_selector(".search-form button", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 30
    for box in [site.locator(".tiles a").first.bounding_box(), site.locator(".btn-pref").first.bounding_box()]:
        assert box["height"] >= 60
    # the choice persists across pages, which keep the rules
    site.goto(site.base_url + "/guide/audience/person/")
    assert "elder" in (site.locator("html").get_attribute("class") or "")
    item = ServiceItem.objects.filter(questions__isnull=False).order_by("code").first()
    for url in [f"/guide/item/{item.code}/", f"/guide/item/{item.code}/smart/"]:
        site.goto(site.base_url + url)
        a11y(site, f"{url}, elder mode")
        heights = site.eval_on_selector_all(
            "main .btn, main label.choice, main input[type=search], main select, header button",
            "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)")
        assert heights and min(heights) >= 60, (url, min(heights))
        sizes = site.eval_on_selector_all(
            "main p, main li, main td, main th, main dd, main label",
            "els => els.filter(e => e.offsetParent).map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 18, (url, min(sizes))
    shot(site, "portal-smart-elder")


def test_phone_layout_has_no_horizontal_scroll(site, a11y):
    site.set_viewport_size({"width": 320, "height": 800})
    item = ServiceItem.objects.order_by("code").first()
    for url in ["/", f"/guide/item/{item.code}/"]:
        site.goto(site.base_url + url)
        assert site.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), url


def test_english_from_every_page(site):
    item = ServiceItem.objects.order_by("code").first()
    site.goto(f"{site.base_url}/guide/item/{item.code}/")
    site.get_by_role("button", name="English").click()
    site.wait_for_load_state()
    assert site.locator("html").get_attribute("lang") == "en"
    assert site.get_by_role("heading", name="Key facts").is_visible()
