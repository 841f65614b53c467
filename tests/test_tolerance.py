"""Typed answers, as practice mode checks them: the grading rule applied to text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tutor.grading.tolerance import Tolerance, is_correct, literal


@pytest.mark.parametrize("text, key", [
    ("0.05707", 0.0570699),     # exact to the digits typed
    ("0.0571", 0.05707),        # within 0.5 %
    ("0.057", 0.05707),         # correctly rounded to 2 significant digits
    ("−0.02805", -0.028047),    # a unicode minus
    ("-2.805e-2", -0.028047),   # scientific notation
    ("1.2E3", 1201.0),
    ("+0.4153", 0.41533),
    (" 0.415 ", 0.415),
    ("0.0625", 0.0625),
    ("0.063", 0.0625),          # a tie rounds either way
    ("0.062", 0.0625),
])
def test_right_answers(text, key):
    assert is_correct(text, key)


@pytest.mark.parametrize("text, key", [
    ("0.06", 0.0549),           # 0.05 at two decimals, and 9 % off
    ("0.06", 0.05707),          # one significant digit: not enough to count as rounding
    ("0", 0.4),                 # a bare digit is not "rounding"
    ("1", 1.17),
    ("0.5707", 0.05707),        # a slipped decimal point
    ("0.02805", -0.02805),      # the sign matters
    ("abc", 0.1),
    ("", 0.1),
    ("1/2", 0.5),
    ("0.0571", float("nan")),
    ("0.0000", 0.00003),        # no significant digit: proves nothing
    ("nan", float("nan")),
])
def test_wrong_answers(text, key):
    assert not is_correct(text, key)


def test_tolerances_can_be_set():
    assert not is_correct("0.5", 0.51)
    assert is_correct("0.5", 0.51, Tolerance(rel=0.05))
    assert is_correct("0", 0.001, Tolerance(abs=0.002))


def test_literal_is_exact():
    assert literal("0.1") == Decimal("0.1")
    assert literal("−1e−3") == Decimal("-0.001")  # as the tool prints it


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda v: abs(v) > 1e-9),
       st.integers(min_value=2, max_value=12))
def test_the_key_printed_to_any_precision_is_right(key, digits):
    # '#' keeps the trailing zeros a student would write: 2.0e+02, not 2e+02
    assert is_correct(f"{key:#.{digits}g}", key)
    assert is_correct(f"{key:.{digits - 1}e}", key)
