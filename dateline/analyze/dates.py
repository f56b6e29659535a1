"""Dates: every date expression in the text, resolved to calendar days.

Spans come from spaCy's DATE/TIME entities plus patterns for what the model cuts
short ("Sept. 8, 2022") or misses; each is resolved against the article's
reference date (the dateline's date, else the publication date):

- "on Thursday" -> the Thursday on or before the reference ("next Thursday", or a
  future-tense verb, -> the one after);
- "Sept. 10" -> the nearest such day not well after the reference; with the weekday
  of the same day named ("Saturday, Sept. 10") the latest year that fits;
- "yesterday", "last week", "this month", "in March", "last year", "2021" -> a day
  or a range (``date`` .. ``end_date``);
- "six months", "48 hours" -> a duration (ISO 8601, no date); "six months ago" -> a day.
Without a reference date, only expressions that carry their year get a date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

from ..extract.dates import MONTH_RE, WEEKDAYS, month_number, parse_day, resolve_day, weekday_before
from ..records import Article, DateMention
from . import nlp

_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "several": None,
    "few": None,
    "many": None,
    "couple": 2,
}
_UNITS = {
    "day": "D",
    "week": "W",
    "month": "M",
    "year": "Y",
    "decade": "Y",
    "century": "Y",
    "hour": "H",
    "minute": "MIN",
    "second": "S",
}
_UNIT_DAYS = {"D": 1, "W": 7, "M": 30, "Y": 365}

# Patterns the NER model tends to cut short or miss; longest first.
_PATTERNS = [
    re.compile(rf"\b(?:{_WD},?\s+)?{MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"),
    re.compile(rf"\b(?:{_WD},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_RE}(?:,?\s+\d{{4}})?\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(rf"\b(?:(?:on|last|next|this|past)\s+)?{_WD}\b"),
    re.compile(r"\b(?:yesterday|today|tomorrow|tonight)\b", re.IGNORECASE),
]
_AGO = re.compile(r"\bago\b", re.IGNORECASE)


def _count(words: list[str]) -> float | None:
    for w in words:
        if w.replace(".", "", 1).isdigit():
            return float(w)
        value = _NUMBER_WORDS.get(w)
        if value is not None:
            return float(value)
    return None


def _duration(text: str) -> tuple[str, float, str] | None:
    """("P6M", 6, "M") for "six months"; None when the text is not a length of time."""
    words = re.findall(r"[\w.]+", re.sub(r"(?<=\d),(?=\d{3})", "", text.lower()))
    unit = next(
        (u for w in words for k, u in _UNITS.items() if w in (k, k + "s", k.rstrip("y") + "ies")), None
    )
    if unit is None:
        return None
    n = _count(words)
    if n is None:
        return None
    if any(w in ("decade", "decades") for w in words):
        n *= 10
    if any(w in ("century", "centuries") for w in words):
        n *= 100
    value = int(n) if n == int(n) else n
    iso = f"PT{value}{unit[0]}" if unit in ("H", "MIN", "S") else f"P{value}{unit}"
    return iso, n, unit


def _month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _future(doc: Any, start: int, end: int) -> bool:
    """Does the expression look forward ("next Tuesday", "will meet on Tuesday")?

    The shared Doc carries no dependency parse (nlp.py), so this looks back along the
    clause for a future auxiliary with no past-tense verb in between.
    """
    if doc is None:
        return False
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    if re.match(r"\s*next\b", span.text, re.IGNORECASE):  # (Doc.text rebuilds the whole text per call)
        return True
    # Up to 8 words back, within the sentence (Token.is_sent_start scans the whole Doc on every call).
    first = max(span.start - 8, nlp.sentences(doc)[nlp.sentence_index(doc, span.start)].start)
    before = doc[first : span.start]
    for t in reversed(before):
        if t.tag_ == "VBD" or t.text in (",", ";"):
            return False
        if t.lower_ in ("will", "'ll", "shall"):
            return True
    return False


def resolve(text: str, reference: dt.date | None, *, future: bool = False) -> DateMention | None:
    """The date (or range, or duration) of one expression; None when it is not a date at all."""
    t = text.strip()
    low = t.lower()
    m = DateMention(text=text, start=0, end=0)
    # explicit ISO day
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", t)
    if iso:
        day = parse_day(iso.group(0))
        m.date = day.isoformat() if day else None
        return m
    month_day = re.search(rf"({MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?", t) or None
    day_month = re.search(rf"(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTH_RE})(?:,?\s+(\d{{4}}))?", t)
    weekday_match = re.search(_WD, t)
    weekday = WEEKDAYS[weekday_match.group(0).lower()] if weekday_match else None
    if month_day or day_month:
        if month_day:
            month, day_n, year = month_number(month_day.group(1)), int(month_day.group(2)), month_day.group(3)
        else:
            assert day_month is not None
            month, day_n, year = month_number(day_month.group(2)), int(day_month.group(1)), day_month.group(3)
        if month is None:
            return None
        try:
            if year:
                m.date = dt.date(int(year), month, day_n).isoformat()
            elif reference is not None:
                found = _month_day(month, day_n, reference, weekday, future)
                m.date = found.isoformat() if found else None
        except ValueError:
            return None
        return m
    if reference is None:
        year_only = re.fullmatch(r"(?:in\s+)?([12]\d{3})", low)
        if year_only:
            m.date, m.end_date = f"{year_only.group(1)}-01-01", f"{year_only.group(1)}-12-31"
            return m
        dur = _duration(low)
        if dur and not _AGO.search(low):
            m.duration = dur[0]
        return m
    ref = reference
    if low in ("today", "tonight", "this morning", "this afternoon", "this evening") or low.startswith(
        "today"
    ):
        m.date = ref.isoformat()
    elif low.startswith("yesterday") or low == "last night":
        m.date = (ref - dt.timedelta(days=1)).isoformat()
    elif low.startswith("tomorrow"):
        m.date = (ref + dt.timedelta(days=1)).isoformat()
    elif weekday is not None:
        if low.startswith("next") or (future and not low.startswith("last")):
            day = ref + dt.timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)
        elif low.startswith("last"):
            day = ref - dt.timedelta(days=(ref.weekday() - weekday - 1) % 7 + 1)
        else:
            day = weekday_before(weekday, ref)
        m.date = day.isoformat()
    elif re.fullmatch(r"(?:the\s+)?(?:last|past|previous)\s+week", low):
        monday = ref - dt.timedelta(days=ref.weekday() + 7)
        m.date, m.end_date = monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat()
    elif low in ("this week", "earlier this week"):
        m.date, m.end_date = (ref - dt.timedelta(days=ref.weekday())).isoformat(), ref.isoformat()
    elif low in ("next week",):
        monday = ref + dt.timedelta(days=7 - ref.weekday())
        m.date, m.end_date = monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat()
    elif low in ("this month", "earlier this month"):
        m.date, m.end_date = ref.replace(day=1).isoformat(), ref.isoformat()
    elif low in ("last month", "the previous month"):
        prev = ref.replace(day=1) - dt.timedelta(days=1)
        m.date, m.end_date = (d.isoformat() for d in _month_range(prev.year, prev.month))
    elif low in ("this year", "earlier this year"):
        m.date, m.end_date = ref.replace(month=1, day=1).isoformat(), ref.isoformat()
    elif low in ("last year", "the previous year"):
        m.date, m.end_date = f"{ref.year - 1}-01-01", f"{ref.year - 1}-12-31"
    elif low in ("next year",):
        m.date, m.end_date = f"{ref.year + 1}-01-01", f"{ref.year + 1}-12-31"
    elif mm := re.fullmatch(
        rf"(?:(?:in|since|during|by|until|early|late|mid|last|this|next)[\s-]+)?({MONTH_RE})(?:,?\s+(\d{{4}}))?",
        t,
        re.IGNORECASE,
    ):
        month = month_number(mm.group(1))
        if month is None:
            return None
        if mm.group(2):
            year = int(mm.group(2))
        elif future or low.startswith("next"):
            year = ref.year if month >= ref.month else ref.year + 1
        else:
            year = ref.year if month <= ref.month else ref.year - 1
        m.date, m.end_date = (d.isoformat() for d in _month_range(year, month))
    elif ym := re.fullmatch(r"(?:(?:in|since|during|by|until|early|late|mid)[\s-]+)?([12]\d{3})", low):
        m.date, m.end_date = f"{ym.group(1)}-01-01", f"{ym.group(1)}-12-31"
    elif dur := _duration(low):
        iso_dur, n, unit = dur
        back = _days_before(ref, n, unit)
        if _AGO.search(low) and back:
            m.date = back
        elif re.match(r"(?:the\s+)?(?:past|last|previous)\b", low) and back:
            m.date, m.end_date, m.duration = back, ref.isoformat(), iso_dur
        else:
            m.duration = iso_dur
    return m


def _days_before(ref: dt.date, n: float, unit: str) -> str | None:
    """The day ``n`` units before ``ref`` ("six months ago"); None for hours or beyond the calendar."""
    if unit not in _UNIT_DAYS:
        return None
    try:
        return (ref - dt.timedelta(days=round(n * _UNIT_DAYS[unit]))).isoformat()
    except OverflowError:
        return None


def _month_day(month: int, day: int, reference: dt.date, weekday: int | None, future: bool) -> dt.date | None:
    if weekday is not None or not future:
        return resolve_day(month, day, reference, weekday)
    for year in (reference.year, reference.year + 1):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= reference - dt.timedelta(days=2):
            return candidate
    return None


def _spans(article: Article, doc: Any) -> list[tuple[int, int]]:
    text = article.text
    spans: list[tuple[int, int]] = []
    if doc is not None:
        spans += [(e.start_char, e.end_char) for e in doc.ents if e.label_ in ("DATE", "TIME")]
    for pattern in _PATTERNS:
        spans += [(m.start(), m.end()) for m in pattern.finditer(text)]
    # widest spans win where they overlap
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
            continue
        merged.append((s, e))
    out = []
    for s, e in merged:
        # take "on" with a weekday or a day, as in "on Saturday" (the contract's example)
        before = text[max(0, s - 3) : s]
        if before.lower() == "on " and (re.match(_WD, text[s:e]) or re.match(MONTH_RE, text[s:e])):
            s -= 3
        out.append((s, e))
    return out


def find(article: Article, doc: Any) -> list[DateMention]:
    """Every date expression in the article with its day, range or duration."""
    reference = parse_day(article.reference_date)
    found: list[DateMention] = []
    for s, e in _spans(article, doc):
        text = article.text[s:e]
        if not re.search(r"\w", text):
            continue
        m = resolve(text, reference, future=_future(doc, s, e))
        if m is None:
            continue
        m.text, m.start, m.end = text, s, e
        found.append(m)
    return found
