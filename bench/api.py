"""API latency on a 100k-article database, SQLite and PostgreSQL, with concurrent clients on loopback.

    .venv/bin/python bench/api.py [--articles 100000] [--clients 8] [--seconds 15] [--backends sqlite,postgres]
                                  [--client http.client|httpx]

The corpus is generated at run time from real news text in shared/bench (GeoWebNews articles,
CASE 2021 ACLED event snippets, TG contest documents): each article is a window of sentences of
one source document plus an event sentence, with places, quotes, events and dates whose
evidence spans are found in the generated text. Nothing is committed: the databases are cached
in bench/out/ (SQLite) and in a schema of the test server (PostgreSQL) and reused by later runs.
The server runs in its own process (uvicorn, as ``dateline serve`` runs it); clients are
threads with keep-alive connections (the standard library's http.client, or ``--client httpx``),
each sending requests back to back for a bounded time.
Prints p50/p95/p99 latency and throughput of search, article and events requests per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared" / "bench").resolve()
OUT = ROOT / "bench" / "out"
PG_BASE = os.environ.get("DATELINE_TEST_PG", "postgresql://dateline:dateline@127.0.0.1:5433/dateline_test")
SUBTYPE_TO_ACLED = {
    "ARMED_CLASH": ("Battles", "Armed clash"), "ATTACK": ("Violence against civilians", "Attack"),
    "AIR_STRIKE": ("Explosions/Remote violence", "Air/drone strike"),
    "SHELLING": ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    "PEACE_PROTEST": ("Protests", "Peaceful protest"), "PROTEST_WITH_INTER": ("Protests", "Protest with intervention"),
    "MOB_VIOL": ("Riots", "Mob violence"), "VIOL_DEMONSTR": ("Riots", "Violent demonstration"),
    "ARREST": ("Strategic developments", "Arrests"), "AGREEMENT": ("Strategic developments", "Agreement"),
}


# -- corpus -------------------------------------------------------------------------------------------

def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", text) if 40 <= len(s.strip()) <= 400]


def load_sources() -> tuple[list[dict[str, Any]], list[tuple[str, str]], list[dict[str, Any]]]:
    """(documents with title and sentences, event snippets with their sub-type, toponyms with coordinates)."""
    docs = []
    for line in (SHARED / "geo" / "geowebnews" / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs.append({"title": d["title"], "sentences": _sentences(d["text"]), "language": "en"})
    for line in (SHARED / "dedup" / "tgcontest-pairs-dev" / "docs.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        docs.append({"title": d["title"], "sentences": _sentences(d["text"]), "language": d.get("lang") or "en"})
    docs = [d for d in docs if len(d["sentences"]) >= 3]
    snippets = []
    for line in (SHARED / "case2021-task2-acled-events" / "snippets.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 3:
            snippets.append((parts[1].strip(), parts[2].strip()))
    places: dict[str, dict[str, Any]] = {}
    for line in (SHARED / "geo" / "geowebnews" / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(line)
        if g.get("lat") is not None and g.get("toponym") and len(g["name"]) > 3 and g["name"][0].isupper():
            places.setdefault(g["name"], {"name": g["name"], "lat": float(g["lat"]), "lon": float(g["lon"]),
                                          "geonameid": g.get("geonameid")})
    return docs, snippets, sorted(places.values(), key=lambda p: p["name"])


_CAPITALISED = re.compile(r"[A-Z][\w'.-]*(?: [A-Z][\w'.-]*)*")


def toponyms(text: str, names: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """(name, offset) of the longest known place names in runs of capitalised words."""
    for run in _CAPITALISED.finditer(text):
        words = run.group(0).split(" ")
        i = 0
        while i < len(words):
            for j in range(len(words), i, -1):
                cand = " ".join(words[i:j]).rstrip(".")
                if cand in names:
                    yield cand, run.start() + len(" ".join(words[:i])) + (1 if i else 0)
                    i = j - 1
                    break
            i += 1


def generate(n: int, seed: int = 7) -> Iterator[Any]:
    """``n`` articles with facts, deterministic for a seed."""
    from dateline.records import Article, DateMention, Event, Place, Quote

    docs, snippets, places = load_sources()
    by_name = {p["name"]: p for p in places}
    rng = random.Random(seed)
    sites = [f"news{i}.example" for i in range(60)]
    for i in range(n):
        doc = rng.choice(docs)
        sents = doc["sentences"]
        start = rng.randrange(len(sents))
        body = sents[start:start + rng.randint(4, 9)] or sents[:5]
        snippet, subtype = rng.choice(snippets)
        where = rng.randrange(len(body) + 1)
        body = body[:where] + [snippet] + body[where:]
        day = f"2022-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        text = " ".join(body)
        a = Article(id=f"bench-{i:06d}", source=f"bench:{i}", text=text, title=f"{doc['title']} ({i % 97})",
                    site=rng.choice(sites), language=doc["language"], published=day,
                    url=f"https://{rng.choice(sites)}/a/{i}")
        found = list(toponyms(text, by_name))
        for name, at in found:
            p = by_name[name]
            a.places.append(Place(name, at, at + len(name), name=p["name"], geonameid=p["geonameid"],
                                  lat=p["lat"], lon=p["lon"]))
        s = text.index(snippet)
        etype, esub = SUBTYPE_TO_ACLED.get(subtype, ("Strategic developments", "Other"))
        inside = [name for name, at in found if s <= at < s + len(snippet)]
        a.events.append(Event(etype, esub, snippet, s, s + len(snippet), date=day,
                              place=inside[0] if inside else (found[0][0] if found else None),
                              modality=rng.choice(["asserted", "asserted", "claimed", "hypothetical"]),
                              actors=[rng.choice(["Military Forces", "Police Forces", "Rebel group", "Protesters"])]))
        at = 0
        for sent in body:
            at = text.index(sent, at)
            if " said" in sent and len(a.quotes) < 3:
                a.quotes.append(Quote("indirect", sent, at, at + len(sent),
                                      speaker=rng.choice(["officials", "police", "a spokesman"]),
                                      status=rng.choice(["asserted", "claimed", "unverified"])))
            at += len(sent)
        for m in re.finditer(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b", text):
            a.dates.append(DateMention(m.group(0), m.start(), m.end(), date=day))
        yield a


# -- loading ------------------------------------------------------------------------------------------

def rows_of(store: Any, articles: list[Any]) -> dict[str, list[tuple[Any, ...]]]:
    """Table rows exactly as ``Store._save`` writes them."""
    from dateline.records import FACT_TYPES, article_to_dict
    from dateline.store.base import _dumps, now
    from dateline.store.schema import fact_columns

    out: dict[str, list[tuple[Any, ...]]] = {"articles": [], **{t: [] for t in FACT_TYPES}}
    created = now()
    for a in articles:
        data = article_to_dict(a)
        body = {k: v for k, v in data.items() if k not in FACT_TYPES and k != "text"}
        out["articles"].append((a.id, a.raw_hash, a.source, a.url, a.site, a.language, a.title, a.text, a.published,
                                None, None, None, a.reference_date, None, _dumps(body), created))
        for table, cls in FACT_TYPES.items():
            cols = fact_columns(cls)
            for idx, fact in enumerate(data[table]):
                out[table].append((a.id, idx, *[store._value(fact.get(n), k) for n, k in cols], _dumps(fact)))
    return out


def load(store: Any, n: int, batch: int = 2000) -> None:
    from dateline.records import FACT_TYPES
    from dateline.store.schema import fact_columns, q

    names = {"articles": ["id", "raw_hash", "source", "url", "site", "language", "title", "text", "published",
                          "dateline_place", "dateline_date", "agency", "ref_date", "story_id", "data", "created"]}
    for table, cls in FACT_TYPES.items():
        names[table] = ["article_id", "idx", *[n for n, _ in fact_columns(cls)], "data"]
    pending: list[Any] = []
    done = 0
    t0 = time.monotonic()

    def flush() -> None:
        nonlocal done
        rows = rows_of(store, pending)
        with store.transaction():
            for table, values in rows.items():
                cols = ", ".join(q(c) for c in names[table])
                if store.dialect == "postgres":
                    with store.conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in values:
                            copy.write_row(row)
                else:
                    marks = ",".join("?" * len(names[table]))
                    store.conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", values)
        done += len(pending)
        pending.clear()
        print(f"  loaded {done}/{n} articles ({time.monotonic() - t0:.0f} s)", file=sys.stderr, end="\r")

    for article in generate(n):
        pending.append(article)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    print(file=sys.stderr)
    with store.transaction():  # what ``Store.save`` does per article, for the whole load at once
        store.locate_events()
    # PostgreSQL: VACUUM also merges the GIN index's pending list (a bulk load leaves it long, and
    # every search reads it) and sets the visibility map that index-only scans need.
    store.execute("VACUUM ANALYZE" if store.dialect == "postgres" else "ANALYZE")


def database(backend: str, n: int) -> str:
    """The URL of a database holding ``n`` generated articles (built on first use, then reused)."""
    from dateline.store import open_store

    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        url = str(OUT / f"api-{n}.db")
    else:
        import psycopg

        schema = f"bench_api_{n}"
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with open_store(url) as store:
        have = store.counts()["articles"]
        if have != n:
            print(f"building the {backend} database: {n} articles …", file=sys.stderr)
            with store.transaction():
                for table in ["articles", "entities", "places", "dates", "quotes", "counts", "events"]:
                    store.execute(f"DELETE FROM {table}")
            load(store, n)
    return url


# -- load generation ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    code = ("import uvicorn; from dateline.serve import Settings, create_app; "
            f"uvicorn.run(create_app(Settings(db={url!r})), host='127.0.0.1', port={port}, log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the API server did not start")


def request_makers(n: int, rng: random.Random) -> dict[str, Callable[[], str]]:
    docs, snippets, places = load_sources()
    words = [w for d in docs[:200] for w in re.findall(r"\b[A-Za-z]{6,}\b", d["title"])] + [p["name"] for p in places]
    types = sorted({t for t, _ in SUBTYPE_TO_ACLED.values()})

    def search() -> str:
        q = rng.choice(words) if rng.random() < 0.7 else f"{rng.choice(words)} {rng.choice(words)}"
        return "/api/search?" + urlencode({"q": q, "limit": 20})

    def article() -> str:
        return f"/api/articles/bench-{rng.randrange(n):06d}"

    def events() -> str:
        kind = rng.random()
        if kind < 0.4:
            return "/api/events?" + urlencode({"type": rng.choice(types), "limit": 50})
        if kind < 0.7:
            month = rng.randint(1, 12)
            return f"/api/events?date_from=2022-{month:02d}&date_to=2022-{month:02d}&limit=50"
        p = rng.choice(places)
        return (f"/api/events?bbox={p['lon'] - 2:.2f},{p['lat'] - 2:.2f},{p['lon'] + 2:.2f},{p['lat'] + 2:.2f}"
                "&limit=50")

    return {"search": search, "article": article, "events": events}


def hammer(base: str, make: Callable[[], str], clients: int, seconds: float,
           client_lib: str = "http.client") -> tuple[list[float], int]:
    """Latencies (ms) of requests sent back to back by ``clients`` threads for ``seconds``.

    Each client keeps one connection alive, asks for gzip as browsers do and decompresses the
    body. The default client is the standard library's: on a 2-core machine the load generator
    shares the CPUs with the server, and httpx costs about 1 ms of CPU per request more, which
    is then measured as server latency (``--client httpx`` to compare).
    """
    import http.client
    import zlib
    from urllib.parse import urlsplit

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    where = urlsplit(base)

    def with_stdlib() -> tuple[list[float], int]:
        mine, bad = [], 0
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        while time.monotonic() < stop:
            path = make()
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                r = conn.getresponse()
                body = r.read()
                if r.getheader("Content-Encoding") == "gzip":
                    zlib.decompress(body, 31)
                status = r.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
                status = 0
            mine.append((time.perf_counter() - t) * 1000)
            bad += status != 200
        conn.close()
        return mine, bad

    def with_httpx() -> tuple[list[float], int]:
        import httpx

        mine, bad = [], 0
        with httpx.Client(base_url=base, timeout=30) as http_client:
            while time.monotonic() < stop:
                path = make()
                t = time.perf_counter()
                r = http_client.get(path)
                mine.append((time.perf_counter() - t) * 1000)
                bad += r.status_code != 200
        return mine, bad

    def client() -> None:
        nonlocal errors
        mine, bad = with_httpx() if client_lib == "httpx" else with_stdlib()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=15.0, help="per backend and request kind")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--client", choices=["http.client", "httpx"], default="http.client",
                    help="HTTP client the load threads use")
    args = ap.parse_args()
    print(f"dateline API bench: {args.articles} articles, {args.clients} concurrent clients ({args.client}), "
          f"{args.seconds:.0f} s per request kind, {os.cpu_count()} CPUs (load {os.getloadavg()[0]:.1f})")
    print(f"{'backend':<10} {'request':<8} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>6}")
    for backend in args.backends.split(","):
        url = database(backend, args.articles)
        port = free_port()
        server = start_server(url, port)
        try:
            makers = request_makers(args.articles, random.Random(11))
            base = f"http://127.0.0.1:{port}"
            for name, make in makers.items():
                hammer(base, make, args.clients, 2.0, args.client)  # warm caches and the connection pool
                lat, errors = hammer(base, make, args.clients, args.seconds, args.client)
                print(f"{backend:<10} {name:<8} {len(lat):>8} {len(lat) / args.seconds:>7.1f} {pct(lat, 50):>8.1f} "
                      f"{pct(lat, 95):>8.1f} {pct(lat, 99):>8.1f} {errors:>6}", flush=True)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print("target: p95 < 100 ms; clients and server share the machine's CPUs (load shown above)")


if __name__ == "__main__":
    main()
