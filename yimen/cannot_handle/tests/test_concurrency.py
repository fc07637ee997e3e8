"""Two people acting on the same report at once: one wins, the other gets `conflict`, never a
silent overwrite (domain.md §4.1, §7.5), on SQLite and PostgreSQL."""

import threading

from django.db import connection

import pytest

from yimen.cannot_handle.constants import ReportChannel, ReportState
from yimen.cannot_handle.models import CannotHandleReport
from yimen.cannot_handle.services import CannotHandleError, mark_complex, record_contact, take_report
from yimen.inquiries.constants import InquiryOutcome
from yimen.inquiries.models import Inquiry
from yimen.inquiries.services import InquiryError, hand_over, register


def _race(*calls):
    results: list = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(calls))

    def work(call):
        try:
            barrier.wait()
            outcome = call()
        except (CannotHandleError, InquiryError) as exc:
            outcome = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=work, args=(c,)) for c in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_report_actions_one_wins(desk):
    report = take_report(desk.center, by=desk.alice, channel=ReportChannel.WINDOW, description="无法办理")
    copy_a, copy_b = (CannotHandleReport.objects.get(pk=report.pk) for _ in range(2))
    results = _race(lambda: record_contact(copy_a, by=desk.alice, note="已联系"),
                    lambda: mark_complex(copy_b, by=desk.manager, reason="涉及跨部门"))
    assert sorted(r if isinstance(r, str) else "won" for r in results) == ["conflict", "won"], results
    row = CannotHandleReport.objects.get(pk=report.pk)
    assert row.version == 2 and row.events.count() == 2
    assert (row.state == ReportState.CONTACTED) != row.is_complex


@pytest.mark.django_db(transaction=True)
def test_concurrent_hand_overs_one_wins(desk):
    inquiry = register(desk.center, by=desk.alice, topic="公积金", outcome=InquiryOutcome.FOLLOW_UP)
    copy_a, copy_b = (Inquiry.objects.get(pk=inquiry.pk) for _ in range(2))
    results = _race(lambda: hand_over(copy_a, desk.bob, by=desk.alice, reason="bob"),
                    lambda: hand_over(copy_b, desk.manager, by=desk.manager, reason="manager takes it"))
    assert sorted(r if isinstance(r, str) else "won" for r in results) == ["conflict", "won"], results
    row = Inquiry.objects.get(pk=inquiry.pk)
    assert row.version == 2 and row.events.count() == 2 and row.owner_id in (desk.bob.pk, desk.manager.pk)
