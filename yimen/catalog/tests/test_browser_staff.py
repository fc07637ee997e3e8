"""Staff screens in a real browser: login in Chinese, the guide desk, publishing a new version."""

import re

import pytest

from yimen.catalog.constants import DocStatus
from yimen.catalog.demo_loader import DEMO_PASSWORD
from yimen.catalog.models import Situation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_logs_in_and_publishes_a_new_guide_version(demo, page, a11y, shot):
    base = page.base_url
    page.goto(base + "/accounts/login/")
    assert page.locator("h1").inner_text() == "工作人员登录"
    a11y(page, "login")
    page.get_by_label("用户名").fill("editor")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/$"))
    page.goto(base + "/staff/guides/")
    a11y(page, "guide desk")
    situation = Situation.objects.filter(item__agency__staff__username="editor").order_by("item__code").first()
    page.goto(f"{base}/staff/guides/{situation.pk}/")
    page.get_by_role("button", name=re.compile("新草稿|新建草稿|开始")).click()
    page.wait_for_load_state()
    a11y(page, "guide draft form")
    shot(page, "staff-guide-draft")
    page.locator(".material-form").first.scroll_into_view_if_needed()
    shot(page, "staff-guide-draft-materials")
    page.locator("#id_g-notes").fill("自2027年1月1日起按新规办理。")
    page.get_by_role("button", name=re.compile("发布")).click()
    page.wait_for_url(re.compile(r"/staff/guides/$"))
    published = situation.guides.get(status=DocStatus.PUBLISHED)
    assert published.version == 2 and "新规" in published.notes
    page.goto(f"{base}/guide/item/{situation.item.code}/")
    assert "自2027年1月1日起按新规办理" in page.content()
