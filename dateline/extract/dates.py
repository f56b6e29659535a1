"""Calendar rules shared by extraction and analysis: months, weekdays, and the missing year.

A dateline says "Sept. 10" with no year. If the text names the weekday of that
same day ("on Saturday"), the year is the latest one, not after the reference
date, in which 10 September was a Saturday; otherwise it is the reference
date's year (the year before, if that would put the day in the future).
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}

MONTH_RE = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
WEEKDAY_RE = re.compile(r"\b(?:on\s+)?(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", re.I)


def month_number(name: str) -> int | None:
    return MONTHS.get(name.lower().rstrip("."))


def parse_day(value: str | None) -> dt.date | None:
    """A YYYY-MM-DD (or longer ISO timestamp) string as a date, else None."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def resolve_day(month: int, day: int, reference: dt.date, weekday: int | None = None) -> dt.date | None:
    """The full date of a month-day without a year, as seen from ``reference``.

    >>> resolve_day(9, 10, dt.date(2026, 11, 28), weekday=5)   # "Sept. 10", "on Saturday"
    datetime.date(2022, 9, 10)
    """
    if weekday is not None:
        for year in range(reference.year, reference.year - 60, -1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                continue  # 29 February
            if candidate <= reference and candidate.weekday() == weekday:
                return candidate
        return None
    for year in (reference.year, reference.year - 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        # A day more than a few days after the reference is last year's.
        if candidate <= reference + dt.timedelta(days=2):
            return candidate
    return None


def weekday_before(weekday: int, reference: dt.date) -> dt.date:
    """The most recent ``weekday`` on or before ``reference`` ("on Thursday")."""
    return reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)
