"""Events: ontology names, the classifier, modality, arguments, and the seed acceptance."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from dateline.analyze import events, nlp
from dateline.analyze.event_model import model
from dateline.analyze.ontology import ACLED_CODES, EVENT_TYPES, TYPES
from dateline.records import Article, Dateline, Place, Quote


def test_ontology_names_are_acled_and_score_py_names(shared_dir: Path) -> None:
    names = runpy.run_path(str(shared_dir / "bench" / "case2021-task2-acled-events" / "score.py"))["NAMES"]
    assert {t.code: t.subtype for t in TYPES} == names
    assert len(ACLED_CODES) == 25 and len(TYPES) == 30
    assert EVENT_TYPES[:6] == ("Battles", "Explosions/Remote violence", "Violence against civilians",
                               "Protests", "Riots", "Strategic developments")
    assert all(len(t.definition.split()) >= 15 for t in TYPES)


@pytest.mark.parametrize("text,code", [
    ("A suicide bomber blew himself up at a checkpoint, killing six soldiers.", "SUIC_BOMB"),
    ("Warplanes carried out airstrikes on rebel positions east of the city.", "AIR_STRIKE"),
    ("Police seized 40 rifles and 3,000 rounds of ammunition from a hideout.", "DISR_WEAP"),
    ("A magnitude 6.8 earthquake struck the province, killing 30 people.", "NATURAL_DISASTER"),
    ("Thousands of teachers marched peacefully through the capital demanding higher pay.", "PEACE_PROTEST"),
    ("Gunmen kidnapped 20 schoolgirls from their dormitory overnight.", "ABDUCT_DISSAP"),
])
def test_classifier_on_clear_sentences(text: str, code: str) -> None:
    assert model().predict([text])[0].code == code


def _article(text: str, quotes: list[Quote] | None = None, places: list[Place] | None = None) -> tuple[Article, object]:
    article = Article(id="t", source="test", text=text, dateline=Dateline(date="2024-05-01"),
                      quotes=quotes or [], places=places or [])
    return article, nlp.parse(text)


def test_threat_is_not_a_battle_that_happened() -> None:
    article, doc = _article("The rebel offensive threatens to encircle thousands of government troops in the valley.")
    found = events.find(article, doc)
    assert found and found[0].modality == "threatened"
    assert all(e.modality != "asserted" or e.subtype != "Armed clash" for e in found if "encircle" in e.text)


def test_hypothetical_and_negated_modality() -> None:
    article, doc = _article("Taking the bridge could potentially leave thousands of soldiers trapped on the front lines.")
    assert events.find(article, doc)[0].modality == "hypothetical"
    text = "The army denies deliberately targeting civilians."
    quote = Quote(kind="indirect", text="deliberately targeting civilians", start=text.index("deliberately"),
                  end=text.index("civilians") + len("civilians"), speaker="army", cue="denies", status="denied")
    article, doc = _article(text, [quote])
    ev = events.find(article, doc)[0]
    assert ev.modality == "negated" and ev.quote == 0 and ev.type == "Violence against civilians"


def test_what_will_happen_has_not_happened() -> None:
    """A future event ("will") is no asserted event; the one that did happen is."""
    article, doc = _article("Teachers will protest outside parliament on Friday. On Monday, police arrested "
                            "two protesters in the capital.")
    found = {e.text.split()[1]: e.modality for e in events.find(article, doc)}
    assert found == {"will": "hypothetical", "Monday,": "asserted"}


def test_a_not_above_an_infinitive_negates_the_event_one_above_a_clause_does_not() -> None:
    def modalities(text: str) -> list[str]:
        return [e.modality for e in events.find(*_article(text))]

    assert modalities("The rebels were not ready to attack the town.") == ["negated"]
    assert modalities("A court found him not guilty of killing five people.") == ["negated"]
    assert "negated" not in modalities("It was not clear how many people died when the bridge collapsed.")


def test_claim_in_quote_carries_quote_index_counts_and_dates() -> None:
    text = ("The spokesman said that rebels had shelled the market in Aleppo on Monday, killing 12 people. "
            "Reporters could not verify the claim.")
    content = "rebels had shelled the market in Aleppo on Monday, killing 12 people"
    quote = Quote(kind="indirect", text=content, start=text.index(content), end=text.index(content) + len(content),
                  speaker="spokesman", cue="said", status="unverified")
    aleppo = text.index("Aleppo")
    place = Place(text="Aleppo", start=aleppo, end=aleppo + 6, name="Aleppo", feature="P.PPLA", lat=36.2, lon=37.16)
    article, doc = _article(text, [quote], [place])
    ev = events.find(article, doc)[0]
    assert ev.modality == "claimed" and ev.quote == 0
    assert ev.subtype == "Shelling/artillery/missile attack" and ev.place == "Aleppo" and ev.lat == 36.2
    assert ev.date == "2024-05-01"  # no resolved date in the sentence: the reference date
    assert text[ev.start:ev.end] == ev.text


def test_sentences_without_events_give_none() -> None:
    article, doc = _article("The minister is a keen gardener. She has two dogs and lives near the coast.")
    assert events.find(article, doc) == []


@pytest.fixture(scope="module")
def seed_analyzed(seed_path: Path, seed_expected: dict) -> Article:
    """The seed's body (bounds from expected.json) through the analyze steps alone,
    so that this test does not depend on extraction."""
    from dateline.analyze import analyze

    raw = seed_path.read_text(encoding="utf-8")
    start = raw.index(seed_expected["body_starts"])
    end = raw.index(seed_expected["body_ends"]) + len(seed_expected["body_ends"])
    article = Article(id="seed", source=str(seed_path), text=raw[start:end], title=seed_expected["title"],
                      dateline=Dateline(place="Kyiv", date=seed_expected["dateline"]["date"], agency="Reuters"))
    return analyze(article)


def test_seed_events(seed_analyzed: Article) -> None:
    a = seed_analyzed
    assert a.events, a.errors
    for ev in a.events:
        assert a.text[ev.start:ev.end] == ev.text
    main = a.events[0]
    assert (main.type, main.subtype) == ("Battles", "Government regains territory")
    assert main.place == "Kupyansk" and main.date == "2022-09-10" and main.modality == "asserted"
    assert "Military Forces of Ukraine" in main.actors
    izyum = [e for e in a.events if "encircle" in e.text]
    assert izyum and all(e.modality == "threatened" for e in izyum) and izyum[0].place == "Izyum"
    prisoners = [e for e in a.events if "taken prisoner" in e.text]
    assert prisoners and prisoners[0].modality == "claimed" and prisoners[0].quote is not None
    assert "Arestovich" in (a.quotes[prisoners[0].quote].speaker or "")
    denial = [e for e in a.events if e.text.startswith("Russia denies")]
    assert denial and denial[0].modality == "negated"


def test_cascade_embeds_only_unsure_texts() -> None:
    clf = model()
    texts = ["A suicide bomber blew himself up at a checkpoint, killing six soldiers.",
             "Thousands of teachers marched peacefully through the capital demanding higher pay.",
             "Officials met on Tuesday."]
    everything, embedded = clf.cascade_margins(texts, threshold=1.01)
    assert embedded.all()
    assert abs(everything - clf.margins(texts)).max() < 1e-4  # threshold > 1: the full model alone
    _, embedded = clf.cascade_margins(texts)
    assert not embedded.all()  # the clear cases are answered without the embedding


def test_background_generic_and_appraisal_sentences_are_not_events() -> None:
    from dateline.records import DateMention

    text = ("Rebels shelled the town of Kafr Nabl on Tuesday, killing four people. "
            "Residents said the shelling lasted two hours. "
            "The war long ago turned into a relentless routine of shelling on fortified front lines. "
            "The rebel advance is by far the fastest in recent months. "
            "In March, government troops had recaptured the nearby village of Hass.")
    march = text.index("March")
    article, doc = _article(text)
    article.dates = [DateMention(text="March", start=march, end=march + 5, date="2024-03-01")]
    found = events.find(article, doc)
    assert found and found[0].text.startswith("Rebels shelled")
    assert not [e for e in found if "routine" in e.text or "by far" in e.text or "recaptured" in e.text]


def test_a_natural_death_is_not_an_event_a_violent_one_is() -> None:
    article, doc = _article("The former president died peacefully at his home on Tuesday, his family said.")
    assert events.find(article, doc) == []
    article, doc = _article("Two soldiers died when artillery shells hit their base near the border on Tuesday.")
    assert events.find(article, doc)


def test_a_toll_without_a_perpetrator_belongs_to_the_storys_disaster() -> None:
    floods = "Record monsoon rains and floods have swept away homes, roads and bridges in the south. "
    for toll in ("The national emergency agency said 212 people had been killed, including 40 children, since "
                 "the rains began in June.", "At least 85 people have been killed and thousands remain missing, "
                 "the agency said."):
        article, doc = _article(floods + toll)
        found = [e for e in events.find(article, doc) if "killed" in e.text]
        assert found and found[0].subtype == "Natural disaster"
    article, doc = _article("Floods swept away homes and bridges across the province on Monday. "
                            "In a separate incident, gunmen shot dead 12 villagers in the north on Tuesday.")
    shot = [e for e in events.find(article, doc) if "gunmen" in e.text]
    assert shot and shot[0].subtype != "Natural disaster"


def test_ngram_analyzers_are_scikit_learns(shared_dir: Path) -> None:
    """Prediction builds its TF-IDF n-grams without importing scikit-learn: the same n-grams."""
    import json
    from collections import Counter

    from sklearn.feature_extraction.text import TfidfVectorizer

    from dateline.analyze.event_model import _char_wb_ngrams, _word_ngrams

    with open(shared_dir / "bench" / "geo" / "geowebnews" / "docs.jsonl", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh][:20]
    texts += ["", " ", "a", "ab", "x  y\t\tz\n\nÉtat déjà  vu", "Kyiv’s 2022 counter-offensive; U.N. A-10s"]
    texts += [s for t in texts for s in t.split(". ")]
    for analyzer, (lo, hi), mine in (("word", (1, 2), _word_ngrams), ("char_wb", (2, 5), _char_wb_ngrams)):
        ref = TfidfVectorizer(analyzer=analyzer, ngram_range=(lo, hi)).build_analyzer()
        assert [Counter(mine(t, lo, hi)) for t in texts] == [Counter(ref(t)) for t in texts]


def test_same_event_retold_is_merged() -> None:
    text = "Rebels shelled Aleppo on Monday. Rebels also shelled Aleppo in the evening. Police arrested a man."
    places = [Place(text="Aleppo", start=i, end=i + 6, name="Aleppo", feature="P.PPLA", lat=36.2, lon=37.16)
              for i in (text.index("Aleppo"), text.rindex("Aleppo"))]
    article, doc = _article(text, places=places)
    found = events.find(article, doc)
    keys = [(e.subtype, e.place, e.date, e.modality) for e in found if e.place]
    assert len(keys) == len(set(keys))
    assert sum(e.place == "Aleppo" and e.modality == "asserted" for e in found) == 1


def test_definite_retelling_is_not_a_new_event() -> None:
    article, doc = _article("An explosion injured 29 people in a busy street on Saturday night. "
                            "The explosion went off around 8:30 p.m. near a restaurant. "
                            "Officials said the cause of the explosion was not yet known.")
    found = events.find(article, doc)
    assert len([e for e in found if "explosion" in e.text.lower()]) == 1
    assert found[0].text.startswith("An explosion injured")
