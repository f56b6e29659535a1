"""Toponym resolution: pick the GeoNames entry each place mention refers to.

One sense per name per article: every mention of "Georgia" in a story gets the same
place. Each candidate is scored on
- prominence: log population, with extra weight for big cities (named in any story,
  whatever its country: "London-based", "the Portland Trail Blazers"), and the
  feature class (a country or continent named outright is rarely a village of the
  same name; a national capital is the city most often meant; a bare river name is
  rarely the stream);
- context words: "the Kharkiv region" / "Kharkiv oblast" -> the region, "the
  Dnieper river" -> the stream;
- country focus: the countries the article names, weighted by how often, and the
  dateline's place;
- coherence: closeness to the places the first pass resolved confidently, and
  membership of a region the article names.
Weights were set by hand on half of GeoWebNews and checked on the other half.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import Article
from .gazetteer import Candidate, gazetteer, norm

if TYPE_CHECKING:
    from .geo import Mention

FEATURE_PRIOR = {"A.PCLI": 5.0, "L.CONT": 5.0, "L.RGN": 3.0, "A.ADM1": -0.5, "A.ADM2": -1.0, "P.PPLC": 2.0}
HINT_BONUS = 6.0
CONTAINER_BONUS = 2.0
FOCUS_WEIGHT = 6.0
DATELINE_WEIGHT = 1.5
ADMIN1_MATCH = 2.0
DISTANCE_WEIGHT = 0.8
APPROXIMATE_CONFIDENCE = 0.1
# Big cities are named in any story (teams, firms, "London-based"), whatever its country focus:
# each tenfold of population above this adds BIG_CITY_WEIGHT on top of the log-population prior.
BIG_CITY_POPULATION = 100_000
BIG_CITY_WEIGHT = 1.0
# A river named without "river" nearby is rarely the stream: "Limpopo" is the province.
BARE_RIVER_PENALTY = 3.0


@dataclass(slots=True)
class _Group:
    """All mentions of one name in the article, resolved together."""

    key: str
    adjectival: bool
    mentions: list[Mention] = field(default_factory=list)
    candidates: tuple[Candidate, ...] = ()
    hints: Counter[str] = field(default_factory=Counter)
    best: Candidate | None = None
    confidence: float = 0.0
    ranked: list[Candidate] = field(default_factory=list)  # candidates, best first
    container: Candidate | None = None  # the region or country the text puts it in, when no candidate is there


def kms(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distances in km between points given in degrees (NumPy broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    return np.asarray(6371.0 * 2 * np.arcsin(np.minimum(1.0, np.sqrt(a))))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km."""
    return float(kms(lat1, lon1, lat2, lon2))


def km_to_nearest(points: Sequence[Candidate], others: Sequence[Candidate]) -> np.ndarray:
    """``km`` from each point to the nearest of ``others`` (none empty), in one NumPy pass."""
    here = np.array([(p.lat, p.lon) for p in points], dtype=float)[:, None, :]
    there = np.array([(o.lat, o.lon) for o in others], dtype=float)[None, :, :]
    return kms(here[..., 0], here[..., 1], there[..., 0], there[..., 1]).min(axis=1)


def _candidates(m: Mention) -> tuple[Candidate, ...]:
    gaz = gazetteer()
    if m.adjectival:
        c = gaz.adjective(m.key)
        return (c,) if c else ()
    found = gaz.lookup(m.key)
    if not found and "," in m.key:  # "Kupyansk, Kharkiv region": the first part is the place
        found = gaz.lookup(m.key.split(",")[0])
    if not found:
        c = gaz.adjective(m.key)
        found = (c,) if c else ()
    return found


def _prior(c: Candidate, g: _Group) -> float:
    score = math.log10(c.population + 10) + FEATURE_PRIOR.get(c.feature, 0.0)
    if c.feature[0] in "HT" or c.feature in ("L.RGN",) or c.id < 0:
        score += 5.0  # curated physical features and regions: famous by construction, but no population
    if c.feature[0] == "P" and c.population > BIG_CITY_POPULATION:
        score += BIG_CITY_WEIGHT * math.log10(c.population / BIG_CITY_POPULATION)
    if c.main:
        score += 1.0
    elif c.feature[0] == "P":
        cname = norm(c.name)
        if cname.startswith(g.key) or g.key.startswith(cname):
            score += 1.0  # "New York" for New York City
        else:
            score -= 1.5  # towns' other alternate names are noisy ("Indian" for Yindian, CN)
    if norm(c.name) == g.key:
        score += 0.5
    hint = g.hints.most_common(1)[0][0] if g.hints else None
    if c.feature == "H.STM" and hint != "water":
        score -= BARE_RIVER_PENALTY
    if hint == "adm1":
        # "the Kharkiv region" is the oblast, not the city; a country is a region too
        score += (
            HINT_BONUS
            if c.feature in ("A.ADM1", "A.PCLI", "L.RGN")
            else (-2.0 if c.feature[0] == "P" else 0.0)
        )
    elif hint == "adm2":
        score += HINT_BONUS if c.feature in ("A.ADM2", "A.ADM3") else 0.0
    elif hint == "water":
        score += HINT_BONUS if c.feature[0] == "H" else 0.0
    elif hint == "city":
        score += 2.0 if c.feature[0] == "P" else 0.0
    elif hint == "container":  # "Tacoma, Washington": most often a region or country, at times a town
        score += CONTAINER_BONUS if c.feature in ("A.ADM1", "A.PCLI", "L.RGN") else 0.0
    return score


def _dateline_place(article: Article) -> Candidate | None:
    """The dateline's place ("KYIV, Sept. 10 (Reuters)" -> Kyiv), resolved on prominence alone."""
    place = article.dateline.place if article.dateline else None
    if not place:
        return None
    cands = gazetteer().lookup(place.split(",")[0])
    if not cands:
        return None
    return max(cands, key=lambda c: math.log10(c.population + 10) + FEATURE_PRIOR.get(c.feature, 0.0))


def _softmax_top(scores: Sequence[float]) -> float:
    top = max(scores)
    total = sum(math.exp(s - top) for s in scores)
    return 1.0 / total


@dataclass(slots=True)
class Resolution:
    mention: Mention
    place: Candidate | None
    confidence: float
    approximate: bool = False  # unknown name, placed at the article's main place


def resolve(
    article: Article, mentions: list[Mention], context: list[Mention] | None = None
) -> list[Resolution]:
    """Resolve ``mentions``; ``context`` adds other mentions of the article as evidence only."""
    groups: dict[tuple[str, bool, str | None], _Group] = {}
    group_of: dict[int, _Group] = {}  # id(mention) -> its group, for every mention seen
    for m in [*mentions, *(context or [])]:
        # one sense per name, except that "the Kharkiv region" and "Kharkiv" are two places
        gkey = (norm(m.key), m.adjectival, m.hint if m.hint in ("adm1", "adm2", "water", "container") else None)
        g = groups.get(gkey)
        if g is None:
            g = groups[gkey] = _Group(gkey[0], m.adjectival)
            g.candidates = _candidates(m)
        group_of[id(m)] = g
        if m in mentions or not g.mentions:
            g.mentions.append(m)
        if m.hint:
            g.hints[m.hint] += 1

    # pass 1: prominence and context words only
    focus: Counter[str] = Counter()  # weighted counts: Counter adds floats as it adds ints
    own: dict[int, tuple[str, float]] = {}  # each group's own share of the focus, left out when scoring it
    for g in groups.values():
        if not g.candidates:
            continue
        scored = sorted(((c, _prior(c, g)) for c in g.candidates), key=lambda x: -x[1])
        g.best, g.confidence = scored[0][0], _softmax_top([s for _, s in scored])
        g.ranked = [c for c, _ in scored]
        if g.best.country:
            weight = 2.0 if g.best.feature.startswith("A.PCL") else (1.0 if g.confidence > 0.8 else 0.3)
            focus[g.best.country] += weight * len(g.mentions)  # type: ignore[assignment]
            own[id(g)] = (g.best.country, weight * len(g.mentions))
    dateline_place = _dateline_place(article)
    dateline_cc = dateline_place.country if dateline_place else None

    anchors = [
        (g.key, g.best)
        for g in groups.values()
        if g.best
        and g.confidence > 0.7
        and g.best.feature[0] in "PA"
        and not g.best.feature.startswith("A.PCL")
    ]
    regions = {
        (g.best.country, g.best.admin1)
        for g in groups.values()
        if g.best and g.best.feature == "A.ADM1" and g.best.admin1
    }

    # pass 2: add country focus, coherence and region membership
    for g in groups.values():
        if len(g.candidates) < 2:
            continue
        scored = []
        others = focus.copy()
        if id(g) in own:
            others[own[id(g)][0]] -= own[id(g)][1]  # type: ignore[assignment]
        total = sum(others.values()) or 1.0
        near = [a for k, a in anchors if k != g.key]  # coherence: the anchors of every other name
        settled = [c for c in g.candidates if c.feature[0] in "P" or c.feature in ("A.ADM1", "A.ADM2")]
        distance = dict(zip(map(id, settled), km_to_nearest(settled, near))) if near and settled else {}
        for c in g.candidates:
            s = _prior(c, g)
            if c.country:
                s += FOCUS_WEIGHT * others[c.country] / total
            else:  # oceans, continents, regions across borders: neither in nor out of focus
                s += FOCUS_WEIGHT * 0.5
                if c.country == dateline_cc:
                    s += DATELINE_WEIGHT
            if (c.country, c.admin1) in regions and c.feature != "A.ADM1":
                s += ADMIN1_MATCH
            if id(c) in distance:
                s -= DISTANCE_WEIGHT * math.log10(1 + float(distance[id(c)]) / 50)
            scored.append((c, s))
        scored.sort(key=lambda x: -x[1])
        g.best, g.confidence = scored[0][0], _softmax_top([s for _, s in scored])
        g.ranked = [c for c, _ in scored]

    _stated_containers(groups, group_of)
    fallback = dateline_place or _focus_place(groups, dateline_cc, focus)
    by_mention: dict[int, _Group] = {}
    for g in groups.values():
        for m in g.mentions:
            by_mention[id(m)] = g
    out: list[Resolution] = []
    for m in mentions:
        g = by_mention.get(id(m))
        if g is not None and g.container is not None:
            out.append(Resolution(m, g.container, APPROXIMATE_CONFIDENCE, approximate=True))
        elif g is not None and g.best is not None:
            out.append(Resolution(m, g.best, g.confidence))
        else:
            out.append(Resolution(m, fallback, APPROXIMATE_CONFIDENCE if fallback else 0.0, approximate=True))
    return out


def _is_region(c: Candidate) -> bool:
    return c.feature.startswith("A.PCL") or c.feature == "A.ADM1"


def _inside(c: Candidate, region: Candidate) -> bool:
    return c.country == region.country and (region.feature != "A.ADM1" or c.admin1 == region.admin1)


def _stated_containers(groups: dict[tuple[str, bool, str | None], _Group], group_of: dict[int, _Group]) -> None:
    """Where the text puts a place inside a region or country ("Balmoral estate in Scotland"),
    its sense is inside it: the best candidate there, else (a name the gazetteer lacks
    there) the region itself, approximately, rather than a namesake across the world."""
    for g in groups.values():
        # towns, sites and districts; rivers, mountains and regions cross borders
        if g.best is None or not (g.best.feature[0] in "PS" or g.best.feature in ("A.ADM2", "A.ADM3", "A.ADM4")):
            continue
        for m in g.mentions:
            outer = group_of.get(id(m.within)) if m.within is not None else None
            region = outer.best if outer is not None else None
            if region is None or outer is g or not _is_region(region) or _inside(g.best, region):
                continue
            there = [c for c in (g.ranked or g.candidates) if _inside(c, region)]
            if there:
                g.best = there[0]
            else:
                g.best, g.container = None, region
            break


def _focus_place(
    groups: dict[tuple[str, bool, str | None], _Group], dateline_cc: str | None, focus: Counter[str]
) -> Candidate | None:
    """Where the article is (after its dateline's place): its most mentioned town or district, else the top country.

    Names the gazetteer does not know (streets, venues, neighbourhoods) are placed
    there, approximately: they are nearly always close to the story's main place.
    """
    resolved = [
        g.best for g in groups.values() if g.best and not g.best.feature.startswith(("A.PCL", "L.CONT"))
    ]
    local = [
        g
        for g in groups.values()
        if g.best and (g.best.feature[0] == "P" or g.best.feature in ("A.ADM2", "A.ADM3"))
    ]
    if local:
        lats = np.array([o.lat for o in resolved])
        lons = np.array([o.lon for o in resolved])

        def weight(g: _Group) -> float:
            c = g.best
            assert c is not None
            others = np.array([o is not c for o in resolved], dtype=bool)
            near = int((others & (kms(c.lat, c.lon, lats, lons) < 300)).sum())
            return len(g.mentions) + near + 0.1 * math.log10(c.population + 10)

        return max(local, key=weight).best
    for cc in ([dateline_cc] if dateline_cc else []) + [cc for cc, _ in focus.most_common(1)]:
        country = gazetteer().country(cc)
        if country is not None:
            return country
    return None
