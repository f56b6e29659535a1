"""Dates resolved against the article's reference date, with their evidence spans."""

from __future__ import annotations

import pytest

from dateline.analyze import dates, nlp
from dateline.records import Article, Dateline


def _find(text: str, reference: str | None = "2022-09-10") -> list:
    article = Article(id="t", source="t", text=text, dateline=Dateline(date=reference))
    found = dates.find(article, nlp.parse(text))
    for m in found:
        assert text[m.start : m.end] == m.text
    return found


def _one(text: str, phrase: str, reference: str | None = "2022-09-10"):
    hits = [m for m in _find(text, reference) if phrase in m.text]
    assert hits, f"{phrase!r} not found in {[m.text for m in _find(text, reference)]}"
    return hits[0]


@pytest.mark.parametrize(
    "text, phrase, day",
    [
        ("Austin spoke at a press conference in Prague on Thursday.", "Thursday", "2022-09-08"),
        (
            "Ukrainian troops raised the flag on Saturday.",
            "Saturday",
            "2022-09-10",
        ),  # the reference is a Saturday
        ("The town fell on Sunday, officials said.", "Sunday", "2022-09-04"),
        ("He will travel to Brussels on Monday.", "Monday", "2022-09-12"),
        ("Talks resume next Tuesday.", "Tuesday", "2022-09-13"),
        ("Shelling resumed yesterday.", "yesterday", "2022-09-09"),
        ("Six months ago the front was quiet.", "ago", "2022-03-14"),
        ("The attack came on Sept. 8, 2022, officials said.", "Sept. 8", "2022-09-08"),
        ("The ceasefire of Aug. 30 did not hold.", "Aug. 30", "2022-08-30"),
        ("The ceasefire of Dec. 30 did not hold.", "Dec. 30", "2021-12-30"),
    ],
)
def test_dates_resolve_to_a_day(text: str, phrase: str, day: str) -> None:
    assert _one(text, phrase).date == day


def test_dates_weekday_span_takes_on() -> None:
    assert _one("They met on Thursday.", "Thursday").text == "on Thursday"


def test_dates_month_day_with_its_weekday_picks_the_year() -> None:
    m = _one("It happened on Saturday, Sept. 10.", "Sept. 10", reference="2026-11-28")
    assert m.date == "2022-09-10"


@pytest.mark.parametrize(
    "text, phrase, start, end",
    [
        ("Fighting intensified last week.", "last week", "2022-08-29", "2022-09-04"),
        ("The offensive began in March.", "March", "2022-03-01", "2022-03-31"),
        ("The offensive began in November.", "November", "2021-11-01", "2021-11-30"),
        ("Prices rose last year.", "last year", "2021-01-01", "2021-12-31"),
    ],
)
def test_dates_ranges(text: str, phrase: str, start: str, end: str) -> None:
    m = _one(text, phrase)
    assert (m.date, m.end_date) == (start, end)


@pytest.mark.parametrize(
    "text, phrase, iso",
    [
        ("The war has lasted six months.", "six months", "P6M"),
        ("Troops were cut off for 48 hours.", "48 hours", "PT48H"),
    ],
)
def test_dates_durations_have_no_day(text: str, phrase: str, iso: str) -> None:
    m = _one(text, phrase)
    assert m.duration == iso and m.date is None


def test_dates_without_reference_keep_the_span() -> None:
    m = _one("The town fell on Thursday.", "Thursday", reference=None)
    assert m.date is None
    assert _one("The attack came on Sept. 8, 2022.", "Sept. 8", reference=None).date == "2022-09-08"


def test_dates_seed_on_thursday(seed_path) -> None:
    raw = seed_path.read_text(encoding="utf-8")
    text = raw[raw.index("KYIV, Sept. 10") :]
    found = _find(text)
    assert any(m.text == "on Thursday" and m.date == "2022-09-08" for m in found)
    assert any(m.text.startswith("Sept. 10") and m.date == "2022-09-10" for m in found)


def test_dates_beyond_the_calendar_keep_only_the_length() -> None:
    import datetime as dt

    m = dates.resolve("9999999 days ago", dt.date(2022, 9, 10))
    assert m is not None and m.date is None and m.duration == "P9999999D"
    assert dates.resolve("2,000 years ago", dt.date(2022, 9, 10)).date.startswith("0024")
