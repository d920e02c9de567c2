"""Model helper: what a numerical question accepts where only exact answers can be compared."""

from __future__ import annotations

from typing import Final

from generator.model import Question

MAX_EXPANDED_VALUES: Final = 21


def accepted_numbers(question: Question) -> list[str]:
    """The strings a fill-in-the-blank fallback accepts for a numerical question."""
    assert question.value is not None
    value, tolerance = question.value, question.tolerance
    if tolerance == 0:
        return [format(value.normalize(), "f")]
    low, high = value - tolerance, value + tolerance
    if value != value.to_integral_value() or high - low >= MAX_EXPANDED_VALUES:  # no range() of 10^29 numbers
        return [format(value.normalize(), "f")]
    first = int(low.to_integral_value(rounding="ROUND_CEILING"))
    last = int(high.to_integral_value(rounding="ROUND_FLOOR"))
    return [str(n) for n in range(first, last + 1)] or [format(value.normalize(), "f")]
