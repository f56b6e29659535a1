"""Helpers for the API and browser tests: a hand-written corpus whose facts' spans are found in
their text, and the app on a live loopback port."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from dateline.records import Article, Count, DateMention, Entity, Event, Place, Quote


def span(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the ``nth`` occurrence of ``phrase`` in ``text``."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(phrase, at + 1)
    return at, at + len(phrase)


def sentence(text: str, phrase: str) -> tuple[int, int]:
    """Offsets of the sentence holding ``phrase``."""
    s, e = span(text, phrase)
    start = max(text.rfind(". ", 0, s) + 2, text.rfind("\n", 0, s) + 1, 0)
    end = text.find(".", e)
    return start, (end + 1 if end >= 0 else len(text))


def make_article(aid: str, text: str, **fields: Any) -> Article:
    return Article(id=aid, source=f"test:{aid}", text=text, **fields)


def with_facts(article: Article, *, places: list[tuple[str, str, float, float, int]] = (),
               entities: list[tuple[str, str, str]] = (), quotes: list[tuple[str, str, str, str]] = (),
               events: list[tuple[str, str, str, str, str | None, str]] = (),
               counts: list[tuple[str, float, str, str]] = (), dates: list[tuple[str, str]] = ()) -> Article:
    """Facts whose evidence spans are found in the text, so ``text[start:end] == fact.text`` holds."""
    t = article.text
    for phrase, name, lat, lon, gid in places:
        s, e = span(t, phrase)
        article.places.append(Place(phrase, s, e, name=name, geonameid=gid, country="UA", feature="P.PPL",
                                    lat=lat, lon=lon))
    for phrase, label, canonical in entities:
        s, e = span(t, phrase)
        article.entities.append(Entity(phrase, s, e, label, canonical=canonical))
    for phrase, speaker, status, kind in quotes:
        s, e = span(t, phrase)
        ss, se = span(t, speaker) if speaker in t else (None, None)
        article.quotes.append(Quote(kind, phrase, s, e, speaker=speaker, speaker_text=speaker if ss is not None else None,
                                    speaker_start=ss, speaker_end=se, cue="said", status=status))
    for phrase, etype, subtype, place, date, modality in events:
        s, e = sentence(t, phrase)
        article.events.append(Event(etype, subtype, t[s:e], s, e, modality=modality, place=place, date=date,
                                    actors=["Military Forces of Ukraine"]))
    for phrase, n, obj, modality in counts:
        s, e = span(t, phrase)
        article.counts.append(Count(phrase, s, e, min=n, object=obj, predicate="liberated", modality=modality))
    for phrase, day in dates:
        s, e = span(t, phrase)
        article.dates.append(DateMention(phrase, s, e, date=day))
    return article


KUPYANSK = (
    "KYIV, Sept. 10 (Reuters) - Ukrainian troops raised the flag over Kupyansk on Saturday, officials said. "
    "President Volodymyr Zelensky said at least 30 settlements had been liberated in the Kharkiv region. "
    "Oleksiy Arestovich said Russians in Izyum were practically isolated. "
    "Reuters was unable to immediately verify the reports."
)
KHERSON = (
    "KYIV, Sept. 9 (Reuters) - Ukraine said its forces cut supply lines near Kherson on Friday. "
    "Lloyd Austin said progress was being made in Kherson."
)
ODESA = "ODESA, Aug. 30 - Grain ships left the port of Odesa on Tuesday, the ministry said."


def corpus() -> list[Article]:
    """Ten articles: three hand-annotated reports and seven short wire briefs for paging."""
    a = with_facts(
        make_article("kup", KUPYANSK, title="Ukrainian troops raise flag over Kupyansk", site="reuters.com",
                     language="en", published="2022-09-10", url="https://www.reuters.com/world/kupyansk"),
        places=[("Kupyansk", "Kupyansk", 49.71003, 37.61581, 703656), ("Izyum", "Izyum", 49.21, 37.26, 707688),
                ("Kharkiv", "Kharkiv", 50.0, 36.23, 706483)],
        entities=[("Volodymyr Zelensky", "PERSON", "Volodymyr Zelensky"),
                  ("Oleksiy Arestovich", "PERSON", "Oleksiy Arestovich"), ("Reuters", "ORG", "Reuters")],
        quotes=[("at least 30 settlements had been liberated in the Kharkiv region", "Volodymyr Zelensky", "claimed",
                 "indirect"),
                ("Russians in Izyum were practically isolated", "Oleksiy Arestovich", "unverified", "indirect")],
        events=[("raised the flag over Kupyansk", "Battles", "Government regains territory", "Kupyansk",
                 "2022-09-10", "asserted"),
                ("Russians in Izyum", "Battles", "Armed clash", "Izyum", "2022-09-10", "claimed")],
        counts=[("at least 30 settlements", 30, "settlements", "claimed")],
        dates=[("on Saturday", "2022-09-10")],
    )
    b = with_facts(
        make_article("kher", KHERSON, title="Ukraine cuts supply lines near Kherson", site="reuters.com",
                     language="en", published="2022-09-09"),
        places=[("Kherson", "Kherson", 46.63695, 32.61458, 706448)],
        entities=[("Lloyd Austin", "PERSON", "Lloyd Austin")],
        quotes=[("progress was being made in Kherson", "Lloyd Austin", "asserted", "indirect")],
        events=[("cut supply lines", "Strategic developments", "Disrupted weapons use", "Kherson", "2022-09-09",
                 "claimed")],
    )
    c = with_facts(
        make_article("ode", ODESA, title="Grain ships leave Odesa", site="example.org", language="en",
                     published="2022-08-30"),
        places=[("Odesa", "Odesa", 46.47747, 30.73262, 698740)],
    )
    briefs = [
        make_article(f"brief{i}", f"Brief number {i}: the ministry reported shelling near Kharkiv overnight.",
                     title=f"Brief {i}", site="wire.example", language="uk" if i % 2 else "en",
                     published=f"2022-09-0{i + 1}")
        for i in range(7)
    ]
    return [a, b, c, *briefs]


class LiveServer:
    """The app on a free loopback port in a background thread (for the browser)."""

    def __init__(self, db: str, **settings: Any) -> None:
        import uvicorn

        from dateline.serve import Settings, create_app

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(Settings(db=db, **settings)), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
