import logging

import pytest

from yimen.lib.idcodes import id_number_check_digit, is_valid_credit_code, is_valid_id_number, uscc_check_char
from yimen.lib.masking import MaskPIIFilter, mask_id_number, mask_name, mask_phone, mask_text


def make_id(first17: str) -> str:
    return first17 + id_number_check_digit(first17)


@pytest.mark.parametrize("first17", ["11010519491231002", "31015119800101123", "44030419900307301"])
def test_valid_id_numbers(first17):
    number = make_id(first17)
    assert is_valid_id_number(number)
    assert is_valid_id_number(number.lower())  # a lower-case x is accepted


def test_known_id_number_with_x_check_digit():
    assert is_valid_id_number("11010519491231002X")
    assert is_valid_id_number("11010519491231002x")


@pytest.mark.parametrize(
    "value",
    ["11010519491231002", "110105194912310021", "11010519491331002X", "11010518001231002X", "abc", "", "1" * 18],
)
def test_invalid_id_numbers(value):
    assert not is_valid_id_number(value)


def test_credit_codes():
    assert is_valid_credit_code("91350100M000100Y43")  # a published example code
    first17 = "11310151MB0000001"
    assert is_valid_credit_code(first17 + uscc_check_char(first17))
    assert not is_valid_credit_code(first17 + ("0" if uscc_check_char(first17) != "0" else "1"))
    assert not is_valid_credit_code("91350100M000100Y4")
    assert not is_valid_credit_code("91350100I000100Y43")  # I is not in the alphabet


def test_masks():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_text("身份证11010519491231002X 电话13812345678") == "身份证110105********002X 电话138****5678"


def test_log_filter_never_lets_an_id_number_through(caplog):
    logger = logging.getLogger("yimen.test.pii")
    logger.addFilter(MaskPIIFilter())
    with caplog.at_level(logging.INFO, logger="yimen.test.pii"):
        logger.info("applicant %s phone %s", "11010519491231002X", "13812345678")
    assert "11010519491231002X" not in caplog.text
    assert "13812345678" not in caplog.text
    assert "110105********002X" in caplog.text
