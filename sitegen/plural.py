"""Counts with their nouns, `1 paper` and `2 papers`, for pages (the `plural` and
`noun` filters) and for what the commands print alike."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`1 entry`, `19,684 entries`: the count with thousands separators, then its noun."""
    return f"{count:,} {noun(count, singular, plural_form)}"


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """The noun alone, for layouts that set the count apart (`<strong>3</strong> days`).

    English's regular plural: `entry` -> `entries`, `day` -> `days`, `paper` -> `papers`;
    other nouns give theirs as `plural_form`."""
    if count == 1:
        return singular
    if plural_form is not None:
        return plural_form
    if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
        return singular[:-1] + "ies"
    return singular + "s"
