"""Counts as people read them: "1 image", "2 images", "1,024 ratings" (times: the `ago` template filter)."""

from __future__ import annotations


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """`n` with the noun in the right number and thousands separators: count_noun(1, "star") == "1 star"."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"
