"""lib.sms: the backend from SMS_BACKEND; no phone number in clear in a log line or the outbox."""

import json
import logging

import pytest

from yimen.lib import sms


def test_console_backend_logs_the_phone_masked(caplog, settings):
    settings.SMS_BACKEND = "yimen.lib.sms.ConsoleBackend"
    with caplog.at_level(logging.WARNING, logger="yimen.sms"):
        sms.send_sms("13812345678", "您的办件已办结，请评价 https://x/e/abc")
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text


def test_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_BACKEND = "yimen.lib.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "box" / "out.jsonl")
    sms.send_sms(" 13812345678 ", "一 13900001111")
    sms.send_sms("13812345678", "二")
    lines = [json.loads(x) for x in (tmp_path / "box" / "out.jsonl").read_text().splitlines()]
    assert [x["text"] for x in lines] == ["一 139****1111", "二"] and {x["to"] for x in lines} == {"138****5678"}


def test_default_backend_and_no_phone(settings):
    del settings.SMS_BACKEND
    assert isinstance(sms.get_backend(), sms.ConsoleBackend)
    with pytest.raises(sms.SmsError):
        sms.send_sms("  ", "x")
