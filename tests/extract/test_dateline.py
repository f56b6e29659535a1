"""Datelines, credits and the missing-year rule, on the forms wire copy uses."""

from __future__ import annotations

import datetime as dt

import pytest

from dateline.extract.dateline import find_credits, find_dateline, parse_credits
from dateline.extract.dates import resolve_day, weekday_before

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    "text, place, date, agency",
    [
        ("KYIV, Sept. 10 (Reuters) – Ukrainian officials on Saturday shared photos", "Kyiv", "2022-09-10", "Reuters"),
        ("WASHINGTON (AP) — The Senate voted on a bill", "Washington", None, "AP"),
        ("PARIS, March 3 (AFP) - French unions marched", "Paris", "2026-03-03", "AFP"),
        ("NEW YORK, Oct 5 (Reuters) - Stocks fell", "New York", "2026-10-05", "Reuters"),
        ("Kyiv (AFP) - Ukraine said on Monday", "Kyiv", None, "AFP"),
        ("BEIRUT, 4 August (Reuters) - A blast", "Beirut", "2026-08-04", "Reuters"),
    ],
)
def test_dateline_forms(text: str, place: str, date: str | None, agency: str) -> None:
    dl = find_dateline(text, None, TODAY)
    assert (dl.place, dl.date, dl.agency) == (place, date, agency)
    assert text[dl.start : dl.end] == dl.text


def test_dateline_weekday_picks_year() -> None:
    # 10 September was a Saturday in 2022 (and in 2016): the latest such year not after today wins.
    dl = find_dateline("KYIV, Sept. 10 (Reuters) – Officials on Saturday shared photos.", None, TODAY)
    assert dl.date == "2022-09-10"


def test_dateline_without_weekday_takes_reference_year() -> None:
    dl = find_dateline("LONDON, Jan. 4 (Reuters) - Prices rose.", dt.date(2021, 1, 5))
    assert dl.date == "2021-01-04"


def test_dateline_in_future_of_reference_is_last_year() -> None:
    dl = find_dateline("LONDON, Dec. 30 (Reuters) - Prices rose.", dt.date(2021, 1, 5))
    assert dl.date == "2020-12-30"


def test_no_dateline_in_ordinary_prose() -> None:
    assert find_dateline("The city council met on Tuesday to discuss the budget.", None, TODAY).place is None


def test_resolve_day_leap_and_weekday() -> None:
    assert resolve_day(2, 29, dt.date(2023, 6, 1)) is None or resolve_day(2, 29, dt.date(2023, 6, 1)).month == 2
    assert resolve_day(2, 29, dt.date(2025, 6, 1), weekday=3) == dt.date(2024, 2, 29)  # a Thursday
    assert weekday_before(3, dt.date(2022, 9, 10)) == dt.date(2022, 9, 8)


def test_credits_standard_line() -> None:
    c = parse_credits("Reporting by Pavel Polityuk in Kyiv and Tom Balmforth; Additional reporting by Jane Doe;"
                      " Writing by Peter Graff; Editing by Jason Neely and Frances Kerry")
    assert c.reporting == ["Pavel Polityuk", "Tom Balmforth", "Jane Doe"]
    assert c.writing == ["Peter Graff"]
    assert c.editing == ["Jason Neely", "Frances Kerry"]


def test_credits_mistranslated_labels() -> None:
    c = parse_credits("Reporting by Reuters journalists; letter from Peter Graff; editing by Jason Neely")
    assert (c.reporting, c.writing, c.editing) == (["Reuters journalists"], ["Peter Graff"], ["Jason Neely"])


def test_credits_line_found_only_near_the_end() -> None:
    body = "Reporting by nobody in particular was discussed.\n\n" + ("Text. " * 200)
    assert find_credits(body) == (find_credits("")[0], None)
    tail = "Para one.\n\nReporting by Ann Lee; Editing by Bo Chen"
    credits, span = find_credits(tail)
    assert credits.editing == ["Bo Chen"] and span is not None and tail[span[0]:].startswith("Reporting")


def test_dateline_with_mojibake_dash() -> None:
    for dash in ("\ufffd", "â€”"):
        dl = find_dateline(f"BEIRUT (AP) {dash} A blast shook the port.", None, TODAY)
        assert (dl.place, dl.agency) == ("Beirut", "AP")
