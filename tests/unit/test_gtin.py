from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.gtin import check_digit, is_valid_gtin, make_gtin13, to_gtin14


@pytest.mark.parametrize("code", ["4006381333931", "96385074", "036000291452",
                                  "10614141000415", "09506000134352"])
def test_published_gtins_are_valid(code):
    assert is_valid_gtin(code)


@pytest.mark.parametrize("code", ["4006381333932", "12345", "abcdefghijklm", "0950600013435"])
def test_wrong_gtins_are_rejected(code):
    assert not is_valid_gtin(code)


def test_short_gtins_pad_to_14():
    assert to_gtin14("96385074") == "00000096385074"
    with pytest.raises(ValueError, match="check digit"):
        to_gtin14("96385075")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_generated_gtins_validate_and_any_single_digit_change_is_caught(body):
    code = make_gtin13(body)
    assert is_valid_gtin(code)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert not is_valid_gtin(wrong)
    assert check_digit(body) == int(code[-1])
