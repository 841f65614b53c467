"""Tolerance: relative, absolute, and correct rounding at the precision the student wrote."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backprop_tutor.grading.tolerance import (
    Tolerance,
    Written,
    is_correct,
    literal,
    matches,
    significant_digits,
)

TOL = Tolerance()


def w(text: str) -> Written:
    return Written(float(text.replace("−", "-")), text)


def test_within_the_relative_tolerance_passes():
    assert matches(0.056657, w("0.05666"), TOL)
    assert matches(0.5666245, w("0.5663"), TOL)  # 0.06% off


def test_correct_rounding_at_the_written_precision_passes():
    assert matches(0.48425520724575394, w("0.48"), TOL)  # 0.9% off, but correctly rounded
    assert matches(1.1700948, w("1.2"), TOL)


def test_one_significant_digit_proves_nothing():
    assert not matches(0.48425520724575394, w("0.5"), TOL)


def test_a_sign_error_fails():
    assert not matches(0.05716, w("-0.057"), TOL)


def test_a_value_wrong_in_its_second_digit_fails():
    assert not matches(0.4843, w("0.47"), TOL)
    assert not matches(0.4843, w("0.494"), TOL)


def test_absolute_tolerance_for_values_near_zero():
    assert not matches(1e-6, w("0.0"), TOL)
    assert matches(1e-6, w("0.0"), Tolerance(abs=1e-4))


def test_rounding_can_be_switched_off():
    assert not matches(0.48425520724575394, w("0.48"), Tolerance(rounding=False))


def test_literals_and_their_digits():
    assert literal("−0.057") == Decimal("-0.057")
    assert literal("abc") is None
    assert significant_digits(Decimal("0.0570")) == 3
    assert significant_digits(Decimal("0.30")) == 2
    assert significant_digits(Decimal("5.7e-2")) == 2


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=-100, max_value=100, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
       st.integers(min_value=2, max_value=6))
def test_the_key_correctly_rounded_always_passes(key, digits):
    text = f"{key:#.{digits}g}".rstrip(".")
    if "e" in text:
        return
    assert matches(key, Written(float(text), text), Tolerance(rel=0.0))


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.01, max_value=100, allow_nan=False))
def test_the_negated_key_never_passes(key):
    text = f"{-key:.4g}"
    if "e" in text:
        return
    assert not matches(key, Written(float(text), text), TOL)


def test_more_digits_than_the_decimal_context_holds():
    # found by fuzzing: 33 written digits used to overflow the 28-digit default context
    written = "0.999999999999999999999999999999484"
    assert is_correct(written, 1.0)
    assert not is_correct("0.500000000000000000000000000000001", 0.4843)
