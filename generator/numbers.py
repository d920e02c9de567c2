"""Model helpers: decimals as authors write them, and what a numerical question accepts."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from generator.model import Question

MAX_EXPANDED_VALUES: Final = 21


def plain_decimal(value: Decimal) -> str:
    """`2`, `2.5`, `300000`: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def accepted_numbers(question: Question) -> list[str]:
    """The strings a fill-in-the-blank fallback accepts for a numerical question."""
    assert question.value is not None
    value, tolerance = question.value, question.tolerance
    if tolerance == 0:
        return [plain_decimal(value)]
    low, high = value - tolerance, value + tolerance
    if value != value.to_integral_value() or high - low >= MAX_EXPANDED_VALUES:  # no range() of 10^29 numbers
        return [plain_decimal(value)]
    first = int(low.to_integral_value(rounding="ROUND_CEILING"))
    last = int(high.to_integral_value(rounding="ROUND_FLOOR"))
    return [str(n) for n in range(first, last + 1)] or [plain_decimal(value)]
