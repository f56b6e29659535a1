"""The PySpark job: the stages of ``dateline run`` over WARC files on a cluster, into Parquet.

    dateline spark s3://bucket/crawl/*.warc.gz ... --output out/ [--master yarn]
    dateline load out/ --db dateline.db

Shape, as in cc-pyspark: the driver lists the input files and each file is one
task, which opens it (local path, or a download of an ``s3://`` or other
fsspec URI) and streams its records through the *same* functions as the
local runner (``ingest.read_file`` / ``ingest.warc.iter_warc``, then
``pipeline.process_batch``) inside ``mapPartitions``. Models load once per
Python worker through their cached loaders, and PySpark reuses workers.

Story linking must see the whole input, so it is the one global step. It
gives what the linker gives when it adds the articles in input order (as
``dateline run`` does) with the IDF of the whole input (as ``link_corpus``
does), computed in parts: candidates are articles sharing a MinHash LSH band
(the bands of the linker's own ``MinHashLSH``) or two key terms (the linker's
inverted index), both found with a group-by; the connected components of that
candidate graph come from the large-star/small-star algorithm; each component
is then linked on one executor by the linker's ``StoryBook``. An article can
only join a story through a candidate, so no story crosses components.
Corroboration (independent sources per event) is a group-by on the event key.

The output is one Parquet table per folder: ``articles`` (with the whole
article as JSON, so that ``load`` is exact), the fact tables, ``stories``,
``story_members`` (the linker's state, so that later ``dateline run``s keep
linking against loaded stories) and ``errors``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import click

# Absolute imports: spark-submit runs this file as a script (see the end of the module).
from dateline.errors import ConfigError, DatelineError, IngestError
from dateline.records import FACT_TYPES, ErrorRecord, RawDoc, article_from_dict, article_to_dict

FACT_TABLES = list(FACT_TYPES)
TABLES = ["articles", *FACT_TABLES, "stories", "story_members", "errors"]
LOAD_BATCH = 200  # articles per load transaction

# One row of the document RDD: (kind "a"rticle | "f"ailure, raw hash, (file no, record no), article id, JSON).
DocRow = tuple[str, str, tuple[int, int], str | None, str]


# -- inputs ----------------------------------------------------------------------------------------
def is_remote(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def expand_inputs(inputs: Iterable[str], path_lists: Iterable[str] = (), prefix: str = "") -> list[str]:
    """The input files: local folders walked as ``dateline run`` walks them, URIs kept as given.

    ``path_lists`` are files of one path or URI per line (gzip allowed), such as Common Crawl's
    ``warc.paths.gz``; ``prefix`` is put before their relative lines (``s3://commoncrawl/``).
    """
    from dateline.ingest.files import iter_files

    out: list[str] = []
    for listing in path_lists:
        opener = gzip.open if Path(listing).read_bytes()[:2] == b"\x1f\x8b" else open
        with opener(listing, "rt", encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line and not line.startswith("#"):
                    out.append(line if is_remote(line) or line.startswith("/") else prefix + line)
    for item in inputs:
        if is_remote(item):
            out.append(item)
            continue
        path = Path(item.removeprefix("file://"))
        if not path.exists():
            raise ConfigError(f"no such file or folder: {item}")
        out.extend(str(p) for p in iter_files(path))
    return out


def _download(uri: str, fh: Any) -> None:
    """Copy a remote file into ``fh``: boto3 for s3:// (as cc-pyspark), else any fsspec filesystem."""
    if uri.startswith(("s3://", "s3a://")):
        try:
            import boto3
        except ImportError:
            boto3 = None
        if boto3 is not None:
            import botocore

            bucket, _, key = uri.split("://", 1)[1].partition("/")
            config = None
            if os.environ.get("DATELINE_S3_ANONYMOUS") == "1":  # public buckets (Common Crawl) without keys
                config = botocore.config.Config(signature_version=botocore.UNSIGNED)
            boto3.client("s3", config=config).download_fileobj(bucket, key, fh)
            return
    try:
        import fsspec
    except ImportError as exc:
        raise IngestError("unreadable", f"reading {uri.split('://')[0]}:// needs boto3 or fsspec") from exc
    with fsspec.open(uri.replace("s3a://", "s3://", 1), "rb") as src:
        shutil.copyfileobj(src, fh, 1 << 20)


@contextlib.contextmanager
def local_copy(uri: str) -> Iterator[Path]:
    """A local path for ``uri``: the file itself, or a temporary download removed afterwards."""
    if not is_remote(uri):
        yield Path(uri.removeprefix("file://"))
        return
    # Executors' local scratch space: SPARK_LOCAL_DIRS may hold several folders.
    scratch = (os.environ.get("SPARK_LOCAL_DIRS") or "").split(",")[0] or None
    fd, name = tempfile.mkstemp(suffix=".warc", dir=scratch)
    try:
        with os.fdopen(fd, "wb") as fh:
            _download(uri, fh)
        yield Path(name)
    finally:
        os.unlink(name)


def read_input(uri: str, max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    """Every document of one input file, with ``uri`` as its source (as ``dateline run`` names them)."""
    from dateline.ingest import read_bytes, read_file
    from dateline.ingest.warc import iter_warc

    if not is_remote(uri):
        yield from read_file(Path(uri.removeprefix("file://")), max_bytes)
        return
    try:
        with local_copy(uri) as path:
            with open(path, "rb") as fh:
                head = fh.read(2)
            with (gzip.open if head == b"\x1f\x8b" else open)(path, "rb") as fh:
                is_warc = fh.read(5) == b"WARC/"
            if is_warc:
                yield from iter_warc(path, uri, max_bytes)
            else:
                with open(path, "rb") as fh:
                    data = fh.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise IngestError("too-large", f"larger than the {max_bytes // 1_000_000} MB limit", source=uri)
                yield from read_bytes(data, uri, max_bytes)
    except DatelineError as exc:
        exc.source = exc.source or uri
        yield exc
    except Exception as exc:  # network, credentials, a damaged gzip: this file fails, the job goes on
        yield IngestError("unreadable", f"cannot read {uri} ({type(exc).__name__}: {exc})", source=uri)


# -- executors: extract + analyze -------------------------------------------------------------------
def process_files(items: Iterable[tuple[int, str]], max_bytes: int, today: dt.date) -> Iterator[DocRow]:
    """``mapPartitions`` body: each (file number, uri) read and processed in batches like the runner's."""
    from dateline.pipeline import BATCH, failure_of

    for file_no, uri in items:
        batch: list[tuple[int, RawDoc]] = []
        for rec_no, item in enumerate(read_input(uri, max_bytes)):
            if isinstance(item, DatelineError):
                f = failure_of(item)
                yield ("f", f.key, (file_no, rec_no), None, _failure_json(f.source, f.error))
                continue
            batch.append((rec_no, item))
            if len(batch) >= BATCH:
                yield from _process_batch(file_no, batch, today)
                batch = []
        yield from _process_batch(file_no, batch, today)


def _failure_json(source: str, error: ErrorRecord) -> str:
    return json.dumps({"source": source, "stage": error.stage, "code": error.code, "message": error.message},
                      ensure_ascii=False)


def _process_batch(file_no: int, batch: list[tuple[int, RawDoc]], today: dt.date) -> Iterator[DocRow]:
    from dateline.pipeline import Failure, process_batch

    if not batch:
        return
    # The runner drops a repeat of the same bytes within a batch; the job drops repeats
    # across the whole input later, keeping the first.
    first: dict[str, int] = {}
    raws = []
    for rec_no, raw in batch:
        if raw.content_hash not in first:
            first[raw.content_hash] = rec_no
            raws.append(raw)
    for outcome in process_batch(raws, today):
        if isinstance(outcome, Failure):
            yield ("f", outcome.key, (file_no, first.get(outcome.key, -1)), None,
                   _failure_json(outcome.source, outcome.error))
        else:
            data = article_to_dict(outcome)
            data["raw_hash"] = outcome.raw_hash
            key = outcome.raw_hash or outcome.id
            yield ("a", key, (file_no, first.get(key, -1)), outcome.id, json.dumps(data, ensure_ascii=False))


# -- linking ---------------------------------------------------------------------------------------
DOCS_KEY = ""  # the document count travels with the stem frequencies (no stem is empty)


def _book(prints: list[Any], df: dict[str, int], n_docs: int, texts: dict[str, tuple[str | None, str]]) -> Any:
    """A ``StoryBook`` for one component, weighted with the IDF of the whole input (as ``link_corpus``).

    ``link_corpus`` observes every fingerprint of the batch before adding any; a
    component only holds its own, so after observing them the document counts are
    the whole input's. ``df`` leaves out stems seen once: every stem looked up
    belongs to an article of the input, so a missing stem's frequency is exactly 1.
    """
    from dateline.link import embedding_text
    from dateline.link.dedup import Index
    from dateline.link.stories import StoryBook

    index = Index(text_of=lambda i: embedding_text(*texts[i]) if i in texts else None)
    for fp in prints:
        index.observe(fp)
    index.set_document_frequencies(df, n_docs)
    return StoryBook(index)


def _fingerprint(article: Any) -> Any:
    from dateline.link.text import fingerprint

    return fingerprint(article.id, article.text, article.title, article.site)


def print_features(rows: Iterable[tuple[str, DocRow]], band_ranges: list[tuple[int, int]]) -> Iterator[Any]:
    """(id, (stem weights, LSH band keys)) per article, from the linker's own fingerprint."""
    for aid, row in rows:
        fp = _fingerprint(article_from_dict(json.loads(row[4])))
        values = fp.minhash.hashvalues
        bands = [(i, values[a:b].tobytes()) for i, (a, b) in enumerate(band_ranges)] if fp.n_shingles else []
        yield aid, (fp.terms, bands)


def key_terms(terms: dict[str, float], df: dict[str, int], n_docs: int, top: int, limit: int = 32) -> list[str]:
    """The article's key terms in the linker's inverted index, ties at the cut included.

    The linker keeps its ``top`` terms by tf-idf and breaks ties by an internal
    stem numbering; keeping every term tied with the last one (to float32
    rounding) makes the candidate graph a superset of the linker's. Stems of one
    article only cannot be shared, so they are no keys here.
    """
    idf = math.log(n_docs + 2)
    weights = {s: tf * (idf - math.log(df.get(s, 1) + 1)) for s, tf in terms.items()}
    ranked = sorted(weights.values(), reverse=True)
    cut = ranked[top - 1] * (1 - 1e-5) if len(ranked) >= top else float("-inf")
    keys = [s for s, w in weights.items() if w >= cut and df.get(s, 1) > 1]
    return sorted(keys, key=lambda s: -weights[s])[:limit]


def _star_edges(group: tuple[Any, Iterable[str]]) -> list[tuple[str, str]]:
    """Articles sharing a bucket are connected: a star on the smallest id says so in n-1 edges."""
    ids = sorted(set(group[1]))
    return [(other, ids[0]) for other in ids[1:]]


def _large_star(item: tuple[str, Iterable[str]]) -> list[tuple[str, str]]:
    u, nbrs = item[0], set(item[1])
    m = min(nbrs | {u})
    return [(v, m) for v in nbrs if v > u]


def _small_star(item: tuple[str, Iterable[str]]) -> list[tuple[str, str]]:
    u, nbrs = item[0], set(item[1])
    m = min(nbrs | {u})
    return [(v, m) for v in nbrs | {u} if v != m]


def _roles(edge: tuple[str, str]) -> list[tuple[str, tuple[frozenset[str], bool]]]:
    return [(edge[0], (frozenset([edge[1]]), False)), (edge[1], (frozenset(), True))]


def _merge_roles(a: tuple[frozenset[str], bool], b: tuple[frozenset[str], bool]) -> tuple[frozenset[str], bool]:
    return a[0] | b[0], a[1] or b[1]


def components(edges: Any) -> Any:
    """(node, label of its component) for every node on an edge (other nodes label themselves).

    Large-star/small-star (Kiveris et al., "Connected Components in MapReduce and
    Beyond", 2014): the two steps alternate until the graph is a forest of stars,
    each leaf tied to one centre that is no one's leaf; the centre is the label.
    Each edge is kept as (larger id, smaller id).
    """
    from pyspark import StorageLevel

    edges = edges.filter(lambda e: e[0] != e[1]).map(lambda e: (max(e), min(e))).distinct()
    while True:
        edges.persist(StorageLevel.MEMORY_AND_DISK)
        tangled = edges.flatMap(_roles).reduceByKey(_merge_roles).filter(
            lambda kv: len(kv[1][0]) > 1 or (bool(kv[1][0]) and kv[1][1]))
        if tangled.isEmpty():
            return edges
        large = edges.flatMap(lambda e: [e, (e[1], e[0])]).groupByKey().flatMap(_large_star)
        nxt = large.groupByKey().flatMap(_small_star)
        nxt.persist(StorageLevel.MEMORY_AND_DISK).count()
        edges.unpersist()
        edges = nxt


def link_component(item: tuple[str, Iterable[tuple[str, DocRow]]], df: dict[str, int], n_docs: int) -> Iterator[Any]:
    """Link one component: articles added in input order, as ``dateline run`` does, with the
    IDF of the whole input, as ``link_corpus`` does.

    Rows: ("A", id, seq, article JSON with its story), ("M", story member), ("S", story),
    ("R", event key, report) for corroboration across components.
    """
    from dateline.link import member_row
    from dateline.link.corroborate import reports

    rows = {aid: row for aid, row in item[1]}
    articles = [article_from_dict(json.loads(row[4])) for row in rows.values()]
    prints = {a.id: _fingerprint(a) for a in articles}
    book = _book(list(prints.values()), df, n_docs, {a.id: (a.title, a.text) for a in articles})
    # Input order, as `dateline run` adds them (story ids and origins' ties follow it).
    for article in sorted(articles, key=lambda a: rows[a.id][2]):
        book.add(article, prints[article.id], observed=True)
    for article in articles:
        story = book.stories[book.story_of[article.id]]
        article.story = story.ref(article.id)
        yield "M", member_row(book, story, article.id)
        for r in reports(article.id, story.id, article.events):
            yield "R", r.key, (r.article_id, r.idx, r.story_id, sorted(r.actors))
        for event in article.events:
            event.sources = 1  # its own story, unless corroboration counts more (finish_article)
        data = article_to_dict(article)
        data["raw_hash"] = json.loads(rows[article.id][4]).get("raw_hash")
        yield "A", article.id, rows[article.id][2], data
    for story in book.stories.values():
        row = story.row()
        row["data"] = _dumps(row["data"])
        yield "S", row


def count_group(item: tuple[str, Iterable[tuple[str, int, str, list[str]]]]) -> list[tuple[str, tuple[int, int]]]:
    """Independent sources of each event of one key: (article id, (event index, sources))."""
    from dateline.link.corroborate import Report, count_sources

    group = [Report(a, i, s, item[0], frozenset(actors)) for a, i, s, actors in item[1]]
    return [(aid, (idx, n)) for (aid, idx), n in count_sources(group).items()]


def finish_article(item: tuple[str, tuple[Iterable[Any], Iterable[tuple[int, int]]]]) -> tuple[tuple[int, int], str, dict[str, Any]]:
    aid, (found, counts) = item
    seq, data = next(iter(found))
    for idx, n in counts:
        data["events"][idx]["sources"] = n
    return seq, aid, data


# -- tables ----------------------------------------------------------------------------------------
def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def schemas() -> dict[str, Any]:
    """The Parquet schema of each output table (fact tables follow the record dataclasses)."""
    import pyarrow as pa

    from dateline.store.schema import fact_columns

    s, i, f, b = pa.string(), pa.int64(), pa.float64(), pa.bool_()
    kinds = {"str": s, "int": i, "float": f, "bool": b, "json": s}
    out = {
        "articles": pa.schema([("id", s), ("raw_hash", s), ("source", s), ("url", s), ("site", s), ("language", s),
                               ("title", s), ("published", s), ("dateline_place", s), ("dateline_date", s),
                               ("agency", s), ("ref_date", s), ("story_id", s), ("text", s), ("json", s),
                               ("input_file", i), ("input_record", i)]),
        "stories": pa.schema([("id", s), ("origin", s), ("size", i), ("title", s), ("first_date", s),
                              ("last_date", s), ("data", s)]),
        "story_members": pa.schema([("article_id", s), ("story_id", s), ("kind", s), ("signals", s), ("reuse", f),
                                    ("sig", s), ("n_shingles", i), ("terms", s), ("script", s), ("length", i),
                                    ("info", s)]),
        "errors": pa.schema([("source", s), ("raw_hash", s), ("article_id", s), ("stage", s), ("code", s),
                             ("message", s)]),
    }
    for table, cls in FACT_TYPES.items():
        out[table] = pa.schema([("article_id", s), ("idx", i)] + [(n, kinds[k]) for n, k in fact_columns(cls)])
    return out


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return _dumps(value)
    return {"str": str, "int": int, "float": float, "bool": bool}[kind](value)


def table_rows(tag: str, payload: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for one tagged item of the output RDD."""
    from dateline.store.schema import fact_columns

    if tag in ("S", "M"):
        yield ("stories" if tag == "S" else "story_members"), payload
        return
    if tag == "F":
        f = json.loads(payload[4])
        yield "errors", {"source": f["source"], "raw_hash": payload[1], "article_id": None, "stage": f["stage"],
                         "code": f["code"], "message": f["message"]}
        return
    seq, aid, d = payload
    dl = d.get("dateline") or {}
    yield "articles", {
        "id": aid, "raw_hash": d.get("raw_hash"), "source": d["source"], "url": d.get("url"), "site": d.get("site"),
        "language": d.get("language"), "title": d.get("title"), "published": d.get("published"),
        "dateline_place": dl.get("place"), "dateline_date": dl.get("date"), "agency": dl.get("agency"),
        "ref_date": dl.get("date") or d.get("published"), "story_id": (d.get("story") or {}).get("id"),
        "text": d["text"], "json": _dumps({k: v for k, v in d.items() if k != "text"}),
        "input_file": seq[0], "input_record": seq[1],
    }
    for table, cls in FACT_TYPES.items():
        cols = fact_columns(cls)
        for idx, fact in enumerate(d[table]):
            yield table, {"article_id": aid, "idx": idx, **{n: _value(fact.get(n), k) for n, k in cols}}
    for e in d["errors"]:
        yield "errors", {"source": d["source"], "raw_hash": d.get("raw_hash"), "article_id": aid, "stage": e["stage"],
                         "code": e["code"], "message": e["message"]}


def _filesystem(target: str) -> tuple[Any, str]:
    """A pyarrow filesystem and base path for a local folder or a URI (s3://, gs://, hdfs://...)."""
    from pyarrow import fs as pafs

    if is_remote(target):
        return pafs.FileSystem.from_uri(target)  # type: ignore[no-any-return]
    return pafs.LocalFileSystem(), str(Path(target.removeprefix("file://")).resolve())


def write_partition(index: int, items: Iterable[Any], target: str, flush_rows: int = 2000) -> Iterator[tuple[str, int]]:
    """Write one partition's rows as ``<table>/part-<index>.parquet`` files; yields (table, rows).

    Part names depend only on the partition index, so a retried task overwrites its own files,
    and part order is the order of the partitions (articles: input order).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, base = _filesystem(target)
    tables = schemas()
    writers: dict[str, Any] = {}
    buffers: dict[str, list[dict[str, Any]]] = {t: [] for t in tables}
    counts: dict[str, int] = dict.fromkeys([*tables, "failed"], 0)

    def flush(table: str) -> None:
        if table not in writers:
            fs.create_dir(f"{base}/{table}", recursive=True)
            writers[table] = pq.ParquetWriter(f"{base}/{table}/part-{index:05d}.parquet", tables[table], filesystem=fs)
        writers[table].write_table(pa.Table.from_pylist(buffers[table], schema=tables[table]))
        buffers[table].clear()

    try:
        for tag, payload in items:
            counts["failed"] += tag == "F"
            for table, row in table_rows(tag, payload):
                buffers[table].append(row)
                counts[table] += 1
                if len(buffers[table]) >= flush_rows:
                    flush(table)
        for table, rows in buffers.items():
            if rows:
                flush(table)
    finally:
        for writer in writers.values():
            writer.close()
    yield from counts.items()


# -- the job ---------------------------------------------------------------------------------------
@dataclass
class JobStats:
    files: int = 0
    documents: int = 0
    articles: int = 0
    failed: int = 0
    stories: int = 0
    elapsed: float = 0.0

    def summary(self) -> str:
        return (f"{self.files} files, {self.documents} documents: {self.articles} articles, {self.failed} failed, "
                f"{self.stories} stories; {self.elapsed:.1f} s")


def session(master: str | None, conf: Iterable[tuple[str, str]] = ()) -> Any:
    """A SparkSession; on a local master, workers run this very interpreter (and its packages)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("dateline")
    if master is None and "PYSPARK_GATEWAY_PORT" not in os.environ:
        master = "local[*]"  # not launched by spark-submit, which sets the master itself
    if master is not None:
        builder = builder.master(master)
    local = (master or "").startswith("local")
    if local:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    defaults = {"spark.sql.session.timeZone": "UTC", "spark.python.worker.reuse": "true"}
    if local:
        defaults.update({"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"})
    for key, value in [*defaults.items(), *conf]:
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def prepare_output(target: str, overwrite: bool) -> None:
    """Refuse to mix two jobs' tables; with ``overwrite``, clear the old ones first."""
    fs, base = _filesystem(target)
    from pyarrow import fs as pafs

    held = [t for t in [*TABLES, "_SUCCESS"] if fs.get_file_info(f"{base}/{t}").type != pafs.FileType.NotFound]
    if held and not overwrite:
        raise ConfigError(f"{target} already holds job output ({', '.join(held)}): choose another --output "
                          "or add --overwrite")
    for name in held:
        if fs.get_file_info(f"{base}/{name}").type == pafs.FileType.Directory:
            fs.delete_dir(f"{base}/{name}")
        else:
            fs.delete_file(f"{base}/{name}")
    fs.create_dir(base, recursive=True)


def run_job(spark: Any, paths: list[str], output: str, *, max_bytes: int, today: dt.date | None = None,
            log: Callable[[str], None] | None = None) -> JobStats:
    """Process ``paths`` (one task per file) and write the Parquet tables under ``output`` (prepared)."""
    from datasketch import MinHashLSH
    from pyspark import StorageLevel

    from dateline.link.dedup import KEY_TERMS, LSH_THRESHOLD, MAX_POSTINGS
    from dateline.link.text import NUM_PERM

    started = time.monotonic()

    def step(what: str) -> None:
        if log:
            log(f"[spark] {time.monotonic() - started:7.1f} s  {what}")

    sc = spark.sparkContext
    today = today or dt.date.today()
    keep = StorageLevel.MEMORY_AND_DISK

    docs = sc.parallelize(list(enumerate(paths)), max(1, len(paths))).mapPartitions(
        lambda items: process_files(items, max_bytes, today))
    docs.persist(keep)
    # One article per input bytes (the first), then one per article id (the last): as the runner
    # skips a repeat of stored bytes and replaces an article stored under the same id.
    articles = (docs.filter(lambda r: r[0] == "a").map(lambda r: (r[1], r)).reduceByKey(lambda a, b: min(a, b, key=_seq))
                .map(lambda kv: (kv[1][3], kv[1])).reduceByKey(lambda a, b: max(a, b, key=_seq)))
    articles.persist(keep)
    failures = docs.filter(lambda r: r[0] == "f").map(lambda r: (r[1], r)).reduceByKey(
        lambda a, b: min(a, b, key=_seq)).values()

    # Candidate graph: a shared LSH band, or two shared key terms (the linker's two indexes).
    ranges = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges
    feats = articles.mapPartitions(lambda rows: print_features(rows, ranges))
    feats.persist(keep)
    df = dict(feats.flatMap(lambda kv: [(t, 1) for t in [DOCS_KEY, *kv[1][0]]]).reduceByKey(lambda a, b: a + b)
              .filter(lambda kv: kv[1] > 1 or kv[0] == DOCS_KEY).collectAsMap())
    n_docs = df.pop(DOCS_KEY, 0)
    step(f"{n_docs} articles extracted and analyzed; {len(df)} shared stems")
    df_b = sc.broadcast(df)
    keys = feats.mapValues(lambda f: key_terms(f[0], df_b.value, n_docs, KEY_TERMS))
    crowded: set[str] = set()
    if n_docs > MAX_POSTINGS:  # a term in more postings than the linker reads is no key
        crowded = set(keys.flatMap(lambda kv: [(t, 1) for t in kv[1]]).reduceByKey(lambda a, b: a + b)
                      .filter(lambda kv: kv[1] > MAX_POSTINGS).keys().collect())
    band_edges = feats.flatMap(lambda kv: [(b, kv[0]) for b in kv[1][1]]).groupByKey().flatMap(_star_edges)
    key_edges = keys.flatMap(
        lambda kv: [(pair, kv[0]) for pair in combinations(sorted(set(kv[1]) - crowded), 2)]
    ).groupByKey().flatMap(_star_edges)
    labels = components(band_edges.union(key_edges))
    step("candidate graph split into components")

    linked = (articles.leftOuterJoin(labels).map(lambda kv: (kv[1][1] or kv[0], (kv[0], kv[1][0]))).groupByKey()
              .flatMap(lambda item: link_component(item, df_b.value, n_docs)))
    linked.persist(keep)
    counts = linked.filter(lambda r: r[0] == "R").map(lambda r: (r[1], r[2])).groupByKey().flatMap(count_group)
    ordered = (linked.filter(lambda r: r[0] == "A").map(lambda r: (r[1], (r[2], r[3]))).cogroup(counts)
               .map(finish_article).sortBy(lambda item: item[0]))
    out = (ordered.map(lambda item: ("A", item)).union(linked.filter(lambda r: r[0] in ("S", "M")))
           .union(failures.map(lambda r: ("F", r))))
    written: dict[str, int] = dict.fromkeys([*TABLES, "failed"], 0)
    for table, n in out.mapPartitionsWithIndex(lambda i, items: write_partition(i, items, output)).collect():
        written[table] += n
    finish_output(output, written)
    step("stories linked, tables written")

    stats = JobStats(files=len(paths), documents=docs.count(), articles=written["articles"],
                     failed=written["failed"], stories=written["stories"])
    for rdd in (docs, articles, feats, linked, labels):
        rdd.unpersist()
    df_b.destroy()
    stats.elapsed = time.monotonic() - started
    return stats


def finish_output(target: str, written: dict[str, int]) -> None:
    """An empty table still gets a file with its schema; ``_SUCCESS`` marks a complete output."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, base = _filesystem(target)
    for table, schema in schemas().items():
        if not written.get(table):
            fs.create_dir(f"{base}/{table}", recursive=True)
            pq.write_table(pa.Table.from_pylist([], schema=schema), f"{base}/{table}/part-00000.parquet", filesystem=fs)
    with fs.open_output_stream(f"{base}/_SUCCESS") as fh:
        fh.write(_dumps(written).encode())


def _seq(row: DocRow) -> tuple[int, int]:
    return row[2]


# -- load ------------------------------------------------------------------------------------------
@dataclass
class LoadStats:
    articles: int = 0
    failures: int = 0
    stories: int = 0
    relinked: bool = False

    def summary(self) -> str:
        how = "linked again against the stored stories" if self.relinked else "stories as computed by the job"
        return f"{self.articles} articles, {self.failures} failed documents, {self.stories} stories loaded ({how})"


def _parquet_batches(folder: Path, columns: list[str] | None = None, size: int = LOAD_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Rows of one table, part file by part file in name order (the job's sort order), in batches."""
    import pyarrow.parquet as pq

    for part in sorted(folder.glob("*.parquet")):
        for batch in pq.ParquetFile(part).iter_batches(batch_size=size, columns=columns):
            yield batch.to_pylist()


def _must_relink(store: Any, root: Path) -> bool:
    """True when the database holds story members that are not articles of this output."""
    stored = store.query("SELECT COUNT(*) AS n FROM story_members")[0]["n"]
    ours = 0
    for batch in _parquet_batches(root / "articles", ["id"], 500):
        if stored == 0 or ours >= stored:
            break
        ids = [r["id"] for r in batch]
        ours += store.query(f"SELECT COUNT(*) AS n FROM story_members WHERE article_id IN ({','.join('?' * len(ids))})",
                            ids)[0]["n"]
    return ours < stored


def _save_story_events(store: Any, article: Any) -> None:
    """The linker's event index for one article (what its ``finish`` recounts sources from)."""
    from dateline.link.corroborate import reports

    story_id = article.story.id if article.story else article.id
    store.execute("DELETE FROM story_events WHERE article_id = ?", [article.id])
    for r in reports(article.id, story_id, article.events):
        store.execute("INSERT INTO story_events (article_id, idx, story_id, ekey, actors) VALUES (?,?,?,?,?)",
                      [r.article_id, r.idx, r.story_id, r.key, r.actors_json()])


def load_output(directory: str, store: Any, *, relink: bool | None = None) -> LoadStats:
    """Store the job's tables (idempotent: a reload replaces what it loaded before).

    Stories come from the job when the database holds no stories of other
    articles; otherwise (or with ``relink=True``) each article is linked again
    incrementally, as ``dateline run`` would, so that it can join stored stories.
    """
    from dateline.link import Linker

    root = Path(directory)
    if not (root / "_SUCCESS").is_file():
        raise ConfigError(f"{directory} holds no complete job output (no _SUCCESS file): run `dateline spark` "
                          "to the end first")
    stats = LoadStats()
    linker = Linker(store)
    linker._ensure_tables()
    stats.relinked = relink = _must_relink(store, root) if relink is None else relink
    for batch in _parquet_batches(root / "articles", ["id", "raw_hash", "text", "json"]):
        with store.transaction():
            for row in batch:
                data = json.loads(row["json"])
                data["text"] = row["text"]
                article = article_from_dict(data)
                article.raw_hash = row["raw_hash"]
                if relink:
                    article.story = None
                    store.save(article)
                    linker.add(article)
                else:
                    store.save(article)
                    _save_story_events(store, article)
                stats.articles += 1
    if relink:
        linker.finish()
    else:
        cols = ["article_id", "story_id", "kind", "signals", "reuse", "sig", "n_shingles", "terms", "script",
                "length", "info"]
        for batch in _parquet_batches(root / "story_members", cols, 2000):
            with store.transaction():
                for row in batch:
                    store.execute("DELETE FROM story_members WHERE article_id = ?", [row["article_id"]])
                    store.execute(f"INSERT INTO story_members ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                  [row[c] for c in cols])
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        for batch in _parquet_batches(root / "stories", None, 2000):
            with store.transaction():
                for row in batch:
                    store.execute("DELETE FROM stories WHERE id = ?", [row["id"]])
                    store.execute(
                        "INSERT INTO stories (id, origin, size, title, first_date, last_date, data, updated)"
                        " VALUES (?,?,?,?,?,?,?,?)",
                        [row["id"], row["origin"], row["size"], row["title"], row["first_date"], row["last_date"],
                         row["data"], now])
                    stats.stories += 1
    if relink:
        stats.stories = store.query("SELECT COUNT(*) AS n FROM stories")[0]["n"]
    for batch in _parquet_batches(root / "errors", None, 2000):
        for row in batch:
            if row["article_id"] is not None or (row["raw_hash"] and store.seen(row["raw_hash"])):
                continue  # article errors came with their article; a document handled before stays as it is
            store.record_failure(row["source"], row["raw_hash"], ErrorRecord(row["stage"], row["code"], row["message"]))
            stats.failures += 1
    return stats


# -- commands --------------------------------------------------------------------------------------
def _conf_pair(value: str) -> tuple[str, str]:
    key, sep, val = value.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected KEY=VALUE, got {value!r}")
    return key.strip(), val.strip()


@click.command()
@click.argument("inputs", nargs=-1)
@click.option("--output", "-o", required=True, help="folder (or s3:// URI) for the Parquet tables")
@click.option("--master", default=None, help="Spark master URL [default: local[*]; spark-submit's when run by it]")
@click.option("--paths", "path_lists", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="file listing one input path or URI per line (gzip allowed), e.g. warc.paths.gz")
@click.option("--prefix", default="", help="put before relative lines of --paths, e.g. s3://commoncrawl/")
@click.option("--conf", "confs", multiple=True, help="extra Spark setting KEY=VALUE (repeatable)")
@click.option("--overwrite", is_flag=True, help="replace the tables already under --output")
@click.option("--max-bytes", type=int, default=None, help="largest document accepted, in bytes")
def spark(inputs: tuple[str, ...], output: str, master: str | None, path_lists: tuple[str, ...], prefix: str,
          confs: tuple[str, ...], overwrite: bool, max_bytes: int | None) -> None:
    """Run the pipeline as a PySpark job over WARC files (one task per file) into Parquet tables."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise click.ClickException("the Spark job needs PySpark: pip install 'dateline[spark]'") from exc
    from dateline.config import load_config

    try:
        cfg = load_config(max_bytes=max_bytes)
        paths = expand_inputs(inputs, path_lists, prefix)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if not paths:
        raise click.UsageError("no input files: give INPUT paths/URIs or --paths FILE")
    try:
        prepare_output(output, overwrite)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    spark_session = session(master, [_conf_pair(c) for c in confs])
    try:
        stats = run_job(spark_session, paths, output, max_bytes=cfg.max_bytes, log=lambda m: click.echo(m, err=True))
    finally:
        spark_session.stop()
    click.echo(f"Summary: {stats.summary()}; tables under {output}: {', '.join(TABLES)}")
    click.echo(f"Load them with: dateline load {output} [--db URL]", err=True)


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--db", default=None, help="SQLite file path or postgresql:// URL [default: dateline.db]")
@click.option("--relink/--no-relink", default=None,
              help="link each article again against stored stories [default: only when the database has other stories]")
def load(directory: str, db: str | None, relink: bool | None) -> None:
    """Load the Parquet tables written by `dateline spark` into the database (idempotent)."""
    from dateline.config import load_config
    from dateline.store import open_store

    try:
        cfg = load_config(db=db)
        store = open_store(cfg.db)
    except (ConfigError, DatelineError) as exc:
        raise click.ClickException(str(exc)) from exc
    with store:
        try:
            stats = load_output(directory, store, relink=relink)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"Summary: {stats.summary()}; database: {cfg.db}")


__all__ = ["expand_inputs", "load", "load_output", "read_input", "run_job", "session", "spark"]

if __name__ == "__main__":
    # spark-submit takes a file, not a module: `spark-submit .../dateline/spark.py spark INPUT... -o DIR`
    # runs the ordinary CLI, which imports this module again under its package name.
    from dateline.cli import main

    main()
