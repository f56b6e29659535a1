"""Generate a story-linking test corpus from real article texts on this machine.

Each real article becomes one story: the article itself plus generated copies
of the kinds content farms produce: wrapped in a site template, trimmed,
paragraphs reordered, words respelled, promo lines inserted, credits mangled
(each copy mixes one to three of these). The other real articles (same
outlets, days and topics: the 2016 US election, local US news) are the
unrelated neighbours that must stay apart.

Texts are read at run time from ../shared (never copied into the project):
polnear-attribution-dev article texts and geowebnews documents.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dateline.records import Article, Credits

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"

PROMO = [
    "Register now and get FREE unlimited access to",
    "Subscribe to our newsletter for the latest updates",
    "Read more: the stories everyone is talking about",
    "Advertisement",
    "Follow us on Telegram for breaking news",
    "Share this article",
]
SITES = ["newsdaily24.info", "worldreport-now.net", "the-truth-post.org", "globalnewsfeed.co", "infowire.click"]
NAMES = ["Peter Graff", "Jason Neely", "Maria Tsvetkova", "Tom Balmforth", "Anna Ring", "John Stonestreet"]


@dataclass(slots=True)
class Doc:
    article: Article
    story: str  # gold story id: the real article the text derives from
    transforms: tuple[str, ...] = ()


def real_texts(shared: Path = SHARED) -> Iterator[tuple[str, str, str]]:
    """(id, title, body) for each real article available under ``shared``."""
    for path in sorted((shared / "bench" / "polnear-attribution-dev" / "raw" / "text").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").strip().split("\n", 1)
        if len(lines) == 2 and len(lines[1]) > 400:
            yield f"pn-{path.stem[:40]}", lines[0].strip(), lines[1].strip()
    geo = shared / "bench" / "geo" / "geowebnews" / "docs.jsonl"
    for line in geo.open(encoding="utf-8"):
        d = json.loads(line)
        if len(d.get("text") or "") > 400:
            yield d["doc_id"], (d.get("title") or "").strip(), d["text"].strip()


def _paragraphs(body: str) -> list[str]:
    paras = [p.strip() for p in re.split(r"\n\s*\n|\n", body) if p.strip()]
    if len(paras) < 4:  # one-block texts: split into sentence groups so that paragraph edits apply
        sentences = re.split(r"(?<=[.!?])\s+", body)
        paras = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return paras


def wrap(paras: list[str], rng: random.Random, others: list[str]) -> list[str]:
    site = rng.choice(SITES)
    head = [f"{site} | Breaking news", "Home / World / Politics"]
    tail = ["Tags: , , , , , ,", "Previous Post", rng.choice(others), "Next Post", rng.choice(others),
            "Leave a Reply", "Your email address will not be published. Required fields are marked *",
            f"Copyright 2024 {site}. All rights reserved."]
    return head + paras + tail


def trim(paras: list[str], rng: random.Random, _: list[str]) -> list[str]:
    keep = max(2, round(len(paras) * rng.uniform(0.45, 0.8)))
    return paras[:keep]


def reorder(paras: list[str], rng: random.Random, _: list[str]) -> list[str]:
    out = list(paras)
    for _i in range(max(1, len(out) // 4)):
        i = rng.randrange(1, len(out)) if len(out) > 1 else 0
        j = min(len(out) - 1, i + rng.choice((1, 2)))
        out[i], out[j] = out[j], out[i]
    return out


_RESPELL = [("or\\b", "our"), ("ize", "ise"), ("iv\\b", "ov"), ("er\\b", "re"), ("ay", "ey"), ("ei", "ie"),
            ("ck", "k"), ("ll", "l"), ("ph", "f"), ("y\\b", "ie")]


def respell(paras: list[str], rng: random.Random, _: list[str]) -> list[str]:
    def one(m: re.Match[str]) -> str:
        word = m.group(0)
        if rng.random() > 0.12:
            return word
        for pattern, repl in rng.sample(_RESPELL, len(_RESPELL)):
            new = re.sub(pattern, repl, word, count=1)
            if new != word:
                return new
        return word

    return [re.sub(r"\b[A-Za-z]{5,}\b", one, p) for p in paras]


def promo(paras: list[str], rng: random.Random, _: list[str]) -> list[str]:
    out = list(paras)
    for _i in range(rng.randint(2, 4)):
        out.insert(rng.randrange(1, len(out) + 1), rng.choice(PROMO))
    return out


def mangle_credits(paras: list[str], rng: random.Random, _: list[str]) -> list[str]:
    a, b, c = rng.sample(NAMES, 3)
    line = rng.choice([f"Reporting by {a}; letter from {b}; editing by {c}",
                       f"Reporting from {a}; written from {b}; edit by {c}",
                       f"Reporting by {a}; Letter from {b} Editing by {c}"])
    return [*paras, line]


TRANSFORMS: dict[str, Callable[[list[str], random.Random, list[str]], list[str]]] = {
    "wrap": wrap, "trim": trim, "reorder": reorder, "respell": respell, "promo": promo, "credits": mangle_credits,
}


def build(seed: int = 7, copies: tuple[int, int] = (1, 4), shared: Path = SHARED, limit: int | None = None) -> list[Doc]:
    """The corpus: every real article, its generated copies, in a shuffled order."""
    rng = random.Random(seed)
    texts = list(real_texts(shared))[:limit]
    titles = [t for _, t, _ in texts if t]
    docs: list[Doc] = []
    for n, (rid, title, body) in enumerate(texts):
        day = f"2024-05-{1 + n % 28:02d}"
        docs.append(Doc(Article(id=rid, source=rid, text=body, title=title, published=day), rid))
        paras = _paragraphs(body)
        for k in range(rng.randint(*copies)):
            names = tuple(sorted(rng.sample(sorted(TRANSFORMS), rng.randint(1, 3)), key=list(TRANSFORMS).index))
            out = paras
            for name in names:
                out = TRANSFORMS[name](out, rng, titles)
            credit_line = out[-1] if "credits" in names else None
            text = "\n\n".join(out)
            article = Article(
                id=f"{rid}~{k}", source=f"{rid}~{k}", text=text, title=title if rng.random() < 0.8 else None,
                published=f"2024-05-{min(28, 1 + n % 28 + rng.randint(0, 2)):02d}",
                credits=Credits(text=credit_line) if credit_line else Credits(),
            )
            docs.append(Doc(article, rid, names))
    rng.shuffle(docs)
    return docs
