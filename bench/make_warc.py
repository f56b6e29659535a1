#!/usr/bin/env python3
"""Write WARC.gz files of N real-looking news documents, for throughput runs (no network).

    .venv/bin/python bench/make_warc.py OUT_DIR -n 2000 [--per-file 1000] [--lang en|any] [--seed 0]

The pages are real: trafilatura's evaluation pages in ``shared/bench/extraction/html``
(third-party, read at run time, never copied into the project). A throughput run needs
far more documents than there are pages, and documents that are all different (the
runner skips repeated bytes, and the linker would fold verbatim copies into a few giant
stories, which a day of news does not do). So page k of a cycle is varied: a seeded
share of its paragraphs is dropped, a few paragraphs of another page of the same
language are spliced in, and the title and URL get a serial; the page template, markup
and metadata stay as they were. Variant 0 of each page is the page itself.

Each record is an HTTP 200 ``response`` as Common Crawl News writes them (WARC-Date,
Target-URI, Content-Type), preceded by a ``warcinfo`` record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
_WORD = re.compile(r"[a-z]+")
_EN_STOP = frozenset("the of and to in a is that for on with as was by it at from are be this have has".split())


@dataclass
class Page:
    id: str
    url: str
    html: bytes
    english: bool
    words: int


def _text_of(tree: object) -> str:
    return " ".join(p.text_content() for p in tree.iter("p"))  # type: ignore[attr-defined]


def load_pages(shared: Path, lang: str = "en", min_words: int = 150) -> list[Page]:
    """The bench pages with an article-sized body in <p> elements (``lang="en"``: English ones only)."""
    import lxml.html

    folder = shared / "bench" / "extraction"
    meta = json.loads((folder / "annotations.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name.removesuffix(".html.gz")
        html = gzip.decompress(path.read_bytes())
        try:
            tree = lxml.html.fromstring(html)
        except (ValueError, lxml.etree.ParserError):
            continue
        words = _WORD.findall(_text_of(tree).lower())
        if len(words) < min_words:
            continue
        # A stopword share is enough to tell English pages from the German, French... ones here.
        english = sum(w in _EN_STOP for w in words) / len(words) > 0.12
        if lang == "en" and not english:
            continue
        url = (meta.get(page_id) or {}).get("url") or f"https://{page_id.split('-', 1)[-1]}/"
        pages.append(Page(page_id, url, html, english, len(words)))
    return pages


def vary(page: Page, donor: Page, k: int, rng: random.Random) -> bytes:
    """Variant ``k`` of a page: some paragraphs dropped, some of ``donor``'s spliced in, a serial in the title."""
    import lxml.html

    if k == 0:
        return page.html
    tree = lxml.html.fromstring(page.html)
    paras = [p for p in tree.iter("p") if len(p.text_content().split()) >= 8]
    donor_paras = [p for p in lxml.html.fromstring(donor.html).iter("p") if len(p.text_content().split()) >= 8]
    for p in paras:
        if rng.random() < 0.2 and p.getparent() is not None:
            p.getparent().remove(p)
    kept = [p for p in paras if p.getparent() is not None]
    for extra in rng.sample(donor_paras, min(len(donor_paras), rng.randint(1, 3))):
        if kept:
            anchor = rng.choice(kept)
            anchor.addnext(lxml.html.fromstring(lxml.html.tostring(extra)))
    title = tree.find(".//title")
    if title is not None:
        title.text = f"{title.text or ''} ({k})"
    return lxml.html.tostring(tree, encoding="utf-8", doctype="<!DOCTYPE html>")


def documents(pages: list[Page], n: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """(url, html) for n documents cycling through the pages; donors share the page's language."""
    rng = random.Random(seed)
    by_lang = {True: [p for p in pages if p.english], False: [p for p in pages if not p.english]}
    for i in range(n):
        page = pages[i % len(pages)]
        k = i // len(pages)
        donors = by_lang[page.english] if len(by_lang[page.english]) > 1 else pages
        donor = rng.choice([d for d in donors if d is not page] or [page])
        sep = "&" if "?" in page.url else "?"
        yield (page.url if k == 0 else f"{page.url}{sep}v={k}"), vary(page, donor, k, rng)


def write_warcs(out: Path, docs: Iterator[tuple[str, bytes]], per_file: int, start: dt.datetime) -> list[Path]:
    """WARC.gz files of ``per_file`` response records each; returns their paths."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    fh = None
    writer = None
    for i, (url, body) in enumerate(docs):
        if i % per_file == 0:
            if fh is not None:
                fh.close()
            path = out / f"bench-{len(paths):05d}.warc.gz"
            paths.append(path)
            fh = open(path, "wb")
            writer = WARCWriter(fh, gzip=True)
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "dateline bench/make_warc.py"}))
        assert writer is not None
        when = (start + dt.timedelta(seconds=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                           warc_headers_dict={"WARC-Date": when})
        writer.write_record(record)
    if fh is not None:
        fh.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder for the WARC.gz files")
    ap.add_argument("-n", type=int, default=1000, help="documents to write")
    ap.add_argument("--per-file", type=int, default=1000, help="documents per WARC file")
    ap.add_argument("--lang", choices=["en", "any"], default="en", help="English pages only, or all pages")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the shared/ folder")
    args = ap.parse_args(argv)
    pages = load_pages(args.shared, args.lang)
    if not pages:
        print(f"no usable pages under {args.shared}/bench/extraction/html", file=sys.stderr)
        return 1
    start = dt.datetime(2022, 9, 10, tzinfo=dt.timezone.utc)
    paths = write_warcs(args.out, documents(pages, args.n, args.seed), args.per_file, start)
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.n} documents from {len(pages)} pages in {len(paths)} WARC.gz files ({size / 1e6:.1f} MB) under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
