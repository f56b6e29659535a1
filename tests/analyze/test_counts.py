"""Counts on hand-written sentences: quantities, objects, predicates, modality, and non-counts."""

from __future__ import annotations

import pytest

from dateline.analyze import counts, entities, nlp, quotes
from dateline.analyze.numbers import read_quantity
from dateline.records import Article, Count


def run(text: str) -> list[Count]:
    art = Article(id="t", source="t", text=text)
    doc = nlp.parse(text)
    art.entities = entities.find(art, doc)
    art.quotes = quotes.find(art, doc)
    found = counts.find(art, doc)
    for c in found:
        assert text[c.start:c.end] == c.text
    return found


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("at least 30", (30, None)),
        ("several hundred", (200, 900)),
        ("tens of thousands", (20000, 99000)),
        ("dozens", (24, 99)),
        ("1,300", (1300, None)),
        ("two hundred", (200, None)),
        ("between 10 and 20", (10, 20)),
        ("up to 5", (None, 5)),
        ("1.3 million", (1300000, None)),
    ],
)
def test_read_quantity(text: str, want: tuple) -> None:
    assert read_quantity(text) == want


def test_count_object_and_passive_predicate() -> None:
    (c,) = run("At least 30 settlements had been liberated in the region.")
    assert (c.min, c.object, c.predicate, c.modality) == (30, "settlements", "liberated", "asserted")


def test_counts_inside_a_claim_are_claimed_and_point_at_it() -> None:
    found = run("Arestovich said that hundreds of Russians had already died and several hundred more "
                "had been taken prisoner.")
    died = next(c for c in found if c.predicate == "died")
    prisoners = next(c for c in found if c.predicate and "prisoner" in c.predicate)
    assert died.object == "Russians" and died.modality == "claimed" and died.quote == 0
    assert prisoners.min == 200 and prisoners.object == "Russians"


def test_hypothetical_and_threatened() -> None:
    (c,) = run("Taking the city could potentially leave thousands of soldiers trapped on the front lines.")
    assert (c.object, c.predicate, c.modality) == ("soldiers", "trapped", "hypothetical")
    (c,) = run("The offensive threatens to encircle a group of thousands of troops in Izyum.")
    assert c.modality == "threatened" and c.object == "troops"


def test_subject_counts_without_object() -> None:
    found = run("Tens of thousands have been killed, millions driven from their homes.")
    assert [(c.min, c.predicate) for c in found] == [(20000, "killed"), (2000000, "driven from their homes")]


@pytest.mark.parametrize(
    "text",
    [
        "The war began in 2014 and escalated in February.",
        "John Smith, 45, said he was leaving.",
        "A 35-year-old man was questioned.",
        "The law cost $5 million and raised prices by 10 percent.",
        "He came first for the third time on March 3 at 10:30.",
        "It is one of the cities from which civilians fled.",
    ],
)
def test_years_ages_dates_money_ordinals_are_not_counts(text: str) -> None:
    assert run(text) == []
