"""The local runner: sources -> ingest -> extract -> analyze -> link -> store.

Extraction and analysis are pure and run in worker processes; linking and
storing run in this process, the database's one writer. With several workers,
this process loads the models once, analyses the first batches itself (its
per-word caches then hold the commonest words) and forks the workers, which
share the models' memory and those caches (2 workers: about 1.3 GB in all
instead of 2); meanwhile a light process extracts the batches read ahead.
Documents travel in small batches so spaCy can batch its work, and only a
bounded number of batches is in flight, so memory stays flat on any input size.
Every input is keyed by its content hash: a rerun skips what is stored, which is
also how an interrupted run resumes.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .analyze import UNSUPPORTED_LANGUAGE, analyze, analyze_many
from .errors import DatelineError
from .extract import extract
from .extract import warm as extract_warm
from .ingest import InputMeter
from .records import Article, ErrorRecord, RawDoc, content_hash
from .store import Store

if TYPE_CHECKING:
    from .link.text import Fingerprint
    from .store.base import ArticleRows

# Documents per batch sent to a worker. Each article is analysed on its own (``nlp.parse_many``),
# so a batch only spreads the cost of a round trip; a small one keeps the workers' last batches
# short, so none waits long for the other at the end (400 documents on 2 workers: about 0.5 s
# less with 8 than with 16).
BATCH = 8
# With several workers, the run starts in two steps before it forks them (``Runner._outcomes``):
# this process loads the models (about 2 s), then analyses the first ``WARM_BATCHES`` batches
# itself (about 4 s), so that the workers are forked with its per-word caches (word vectors,
# tokens, lemmas, places) already holding the commonest words. On the throughput bench a process
# that has analysed 32 documents spends 81 ms on each of the next 200, 64 documents 76 ms,
# none 87 to 92 ms. Meanwhile up to ``MAX_EXTRACTORS`` light processes extract the batches read
# ahead (``EARLY_BATCHES`` each, enough to keep one busy until the fork); the workers take
# over those they have not begun.
WARM_BATCHES = 8
EARLY_BATCHES = 40
MAX_EXTRACTORS = 2


def process(raw: RawDoc, *, today: dt.date | None = None) -> Article:
    """Extract and analyze one document (raises ``DatelineError`` if it holds no article)."""
    return analyze(extract(raw, today=today))


@dataclass(slots=True)
class Failure:
    """A document that produced no article, with the reason."""

    source: str
    key: str  # content hash of the input, or of source+code when the input could not be read
    error: ErrorRecord


Outcome = Article | Failure
# An outcome with what a worker makes of an article for the main process: its story fingerprint
# (when the run links) and its rows for the database (``store.base.article_rows``).
Made = tuple[Outcome, "Fingerprint | None", "ArticleRows | None"]
# A batch at the start of a run with workers: a failure, the result of its analysis in the main
# process, or its documents with their extraction in a light process (``Runner._start``).
Started = Failure | Future[list[Made]] | tuple[list[RawDoc], Future[list[Outcome]]]


def failure_of(exc: DatelineError, raw: RawDoc | None = None) -> Failure:
    source = exc.source or (raw.source if raw else "?")
    key = raw.content_hash if raw else content_hash(f"{source}\n{exc.stage}/{exc.code}")
    return Failure(source=source, key=key, error=exc.record())


def process_batch(raws: list[RawDoc], today: dt.date | None = None, *, analyze_: bool = True) -> list[Outcome]:
    """Extract each document, then analyze the batch together. Runs in worker processes."""
    extracted = extract_batch(raws, today)
    return analyze_batch(extracted) if analyze_ else extracted


def extract_batch(raws: list[RawDoc], today: dt.date | None = None) -> list[Outcome]:
    """Each document's article, or why it has none (the failures first)."""
    outcomes: list[Outcome] = []
    extracted: list[Outcome] = []
    for raw in raws:
        try:
            article = extract(raw, today=today)
        except DatelineError as exc:
            outcomes.append(failure_of(exc, raw))
            continue
        except Exception as exc:  # a bug or a library failure on odd input: recorded, the run goes on
            outcomes.append(Failure(raw.source, raw.content_hash,
                                    ErrorRecord("extract", "unexpected", f"{type(exc).__name__}: {exc}")))
            continue
        extracted.append(article)
    return outcomes + extracted


def analyze_batch(extracted: list[Outcome]) -> list[Outcome]:
    """Analyze the articles of ``extract_batch``'s outcomes together; failures pass as they are."""
    outcomes: list[Outcome] = [o for o in extracted if isinstance(o, Failure)]
    articles = [o for o in extracted if isinstance(o, Article)]
    try:
        outcomes.extend(analyze_many(articles))
    except Exception as exc:  # the batch failed in spaCy: fall back to one by one
        for article in articles:
            try:
                outcomes.append(analyze(article))
            except Exception as one_exc:
                article.errors.append(ErrorRecord("analyze", "unexpected", f"{type(one_exc).__name__}: {one_exc}"))
                outcomes.append(article)
        del exc
    _freeze_models()
    return outcomes


_models_frozen = False


def _freeze_models() -> None:
    """After the first analysed batch, hide what is alive from the garbage collector.

    That is then mostly what lives as long as the process: the spaCy pipeline, the
    gazetteer, lexicons and lookup tables, all loaded on first use. Every full
    collection walked all of them again, 7 ms per article; frozen, 1 ms (measured
    over 90 bench pages). Collected first, so no garbage is frozen with them.
    """
    global _models_frozen
    if not _models_frozen:
        _models_frozen = True
        gc.collect()
        gc.freeze()


@dataclass
class RunStats:
    documents: int = 0
    articles: int = 0
    skipped: int = 0  # already stored by an earlier run
    failed: int = 0
    other_language: int = 0  # stored without facts: the analysis reads English only
    errors_by_stage: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0
    total: int | None = None  # documents expected, when it could be counted ahead (for the ETA)
    input_bytes: int | None = None  # size of the local input files, when an archive hides the count
    meter: InputMeter | None = None  # how far the reader is into those files
    pulled: int = 0  # documents (and ingest failures) taken from the reader; it runs ahead of ``documents``

    @property
    def rate(self) -> float:
        return self.documents / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def expected(self) -> float | None:
        """Documents expected in all: counted ahead, or estimated from the bytes read so far
        (the documents the reader has handed out, per byte, times the input's size)."""
        if self.total is not None:
            return self.total
        if self.input_bytes and self.meter is not None and self.meter.read > 0 and self.pulled:
            return max(self.pulled, self.pulled * self.input_bytes / self.meter.read)
        return None

    @property
    def eta(self) -> float | None:
        """Seconds left, when the number of documents is known or can be estimated."""
        expected = self.expected
        if expected is None or self.rate <= 0:
            return None
        return max(0.0, expected - self.documents) / self.rate

    def summary(self) -> str:
        errors = ", ".join(f"{stage} {n}" for stage, n in sorted(self.errors_by_stage.items())) or "none"
        other = f" ({self.other_language} not in English: stored without facts)" if self.other_language else ""
        return (
            f"{self.documents} documents: {self.articles} articles stored{other}, {self.skipped} already stored, "
            f"{self.failed} failed; errors by stage: {errors}; {self.elapsed:.1f} s, {self.rate:.1f} docs/s"
        )


Progress = Callable[[RunStats], None]


class Runner:
    """Runs the stages over sources into a store. ``workers=1`` runs everything in this process."""

    def __init__(self, store: Store, *, workers: int | None = None, link: bool = True,
                 today: dt.date | None = None, progress: Progress | None = None) -> None:
        self.store = store
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.today = today
        self.progress = progress
        self.linker: Any = None
        if link:
            from .link import Linker

            self.linker = Linker(store)

    def run(self, sources: Iterable[str], *, max_bytes: int | None = None) -> RunStats:
        from .ingest import DEFAULT_MAX_BYTES, read_sources

        sources = list(sources)
        stats = RunStats(meter=InputMeter())
        count_ahead(sources, stats)
        stream = read_sources(sources, max_bytes=max_bytes or DEFAULT_MAX_BYTES, store=self.store, meter=stats.meter)
        return self.run_stream(stream, stats)

    def run_stream(self, stream: Iterable[RawDoc | DatelineError], stats: RunStats | None = None) -> RunStats:
        """Process a stream of documents (and ingest errors) to the end; returns the counts."""
        stats = stats or RunStats()
        for outcome, fp, rows in self._outcomes(self._batches(stream, stats), stats):
            self._store(outcome, fp, rows, stats)
            stats.elapsed = time.monotonic() - stats.started
            if self.progress:
                self.progress(stats)
        if self.linker is not None:
            self.linker.finish()
        stats.elapsed = time.monotonic() - stats.started
        return stats

    def _batches(self, stream: Iterable[RawDoc | DatelineError], stats: RunStats) -> Iterator[list[RawDoc] | Failure]:
        """Batches of unseen documents; ingest failures pass through as they come."""
        pending: list[RawDoc] = []

        def flush() -> Iterator[list[RawDoc]]:
            seen = self.store.seen_many([r.content_hash for r in pending])
            fresh: list[RawDoc] = []
            for raw in pending:
                if raw.content_hash in seen:  # stored earlier, or twice in this batch
                    stats.documents += 1
                    stats.skipped += 1
                else:
                    seen.add(raw.content_hash)
                    fresh.append(raw)
            pending.clear()
            if fresh:
                yield fresh

        for item in stream:
            stats.pulled += 1
            if isinstance(item, DatelineError):
                yield failure_of(item)
                continue
            pending.append(item)
            if len(pending) >= BATCH:
                yield from flush()
        yield from flush()

    def _outcomes(self, batches: Iterator[list[RawDoc] | Failure], stats: RunStats) -> Iterator[Made]:
        if self.workers == 1:
            for batch in batches:
                if isinstance(batch, Failure):
                    yield batch, None, None
                else:
                    yield from ((outcome, None, None) for outcome in process_batch(batch, self.today))
            return
        # With workers: the first batches start here (``_start``), then the workers take over.
        link = self.linker is not None
        batches = iter(batches)
        started = self._start(batches, link)
        following = next(batches, None)
        if following is None and not any(isinstance(item, tuple) for item in started):
            for item in started:  # a small run, analysed here whole: no workers to fork
                if isinstance(item, Failure):
                    yield item, None, None
                elif isinstance(item, Future):
                    yield from item.result()
            return
        yield from self._pooled(started, itertools.chain([] if following is None else [following], batches), link)

    def _start(self, batches: Iterator[list[RawDoc] | Failure], link: bool) -> list[Started]:
        """The first batches: light processes extract them while this one loads the models and
        analyses the first ``WARM_BATCHES`` of them (see there). Loads nothing for failures alone."""
        extractors = min(self.workers - 1, MAX_EXTRACTORS)
        early = _take(batches, EARLY_BATCHES * extractors)
        if all(isinstance(b, Failure) for b in early):
            return early
        extractor = ProcessPoolExecutor(max_workers=extractors, initializer=_ignore_interrupts)
        started: list[Started] = []
        try:
            for b in early:
                started.append(b if isinstance(b, Failure) else (b, extractor.submit(extract_batch, b, self.today)))
            load_models()
            _analyse_here(started, WARM_BATCHES, link)
        finally:
            for item in started:
                if isinstance(item, tuple):
                    item[1].cancel()  # what it has not begun goes to the workers whole
            extractor.shutdown(wait=False)
        return started

    def _pooled(self, started: list[Started], batches: Iterator[list[RawDoc] | Failure], link: bool) -> Iterator[Made]:
        """The workers, forked now (sharing the models and caches loaded here), take over: a bounded
        window of batches in flight, results in input order."""
        window = self.workers * 3
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_warm_worker) as pool:
            pool.submit(os.getpid)  # forks the workers now, from this thread, not from a callback's
            queue: list[Future[list[Made]] | Failure] = [
                _analysis(pool, *item, self.today, link) if isinstance(item, tuple) else item for item in started]
            for batch in batches:
                queue.append(batch if isinstance(batch, Failure) else pool.submit(_work, batch, self.today, link))
                while len([q for q in queue if isinstance(q, Future)]) >= window:
                    head = queue[0]
                    if isinstance(head, Future):
                        wait([head], return_when=FIRST_COMPLETED)
                    yield from _drain(queue)
            while queue:
                head = queue[0]
                if isinstance(head, Future):
                    wait([head])
                yield from _drain(queue)

    def _store(self, outcome: Outcome, fp: Fingerprint | None, rows: ArticleRows | None, stats: RunStats) -> None:
        stats.documents += 1
        if isinstance(outcome, Failure):
            if self.store.seen(outcome.key):
                stats.skipped += 1
                return
            stats.failed += 1
            stats.errors_by_stage[outcome.error.stage] += 1
            self.store.record_failure(outcome.source, outcome.key, outcome.error)
            return
        try:
            with self.store.transaction():
                self.store._save(outcome, rows)
                if self.linker is not None:
                    ref = self.linker.add(outcome, fp)
                    if ref is not None:
                        outcome.story = ref
        except Exception as exc:  # the transaction rolled back: nothing of this document is stored
            err = exc.record() if isinstance(exc, DatelineError) else ErrorRecord(
                "store", "write-failed", f"{type(exc).__name__}: {exc}")
            stats.failed += 1
            stats.errors_by_stage[err.stage] += 1
            self.store.record_failure(outcome.source, outcome.raw_hash, err, final=False)
            return
        stats.articles += 1
        for err in outcome.errors:
            if err.code == UNSUPPORTED_LANGUAGE:
                stats.other_language += 1
            else:
                stats.errors_by_stage[err.stage] += 1


def count_ahead(sources: list[str], stats: RunStats) -> None:
    """Count the documents of local sources in a background thread, for the ETA.

    A plain file is one document. An archive or a JSONL file holds an unknown number
    of documents until read: with one of those, the input's size in bytes is summed
    instead, and the ETA estimated from how far the reader has got (``RunStats.expected``).
    """
    import threading
    from pathlib import Path

    from .ingest.files import iter_files

    if any(s == "-" or "://" in s for s in sources):
        return

    def count() -> None:
        n, size, archives = 0, 0, False
        for source in sources:
            for path in iter_files(Path(source)):
                archives |= path.name.lower().endswith((".warc", ".warc.gz", ".jsonl", ".json", ".arc.gz"))
                n += 1
                try:
                    size += path.stat().st_size
                except OSError:
                    pass
        if archives:
            stats.input_bytes = size
        else:
            stats.total = n

    threading.Thread(target=count, daemon=True, name="dateline-count").start()


def _work(raws: list[RawDoc], today: dt.date | None, link: bool) -> list[Made]:
    """``process_batch`` in a worker, with each article's story fingerprint when the run links,
    and its rows for the database.

    The main process links and stores one article at a time for all the workers: what it
    would otherwise do per article and can be done apart (the fingerprint, 2 to 5 ms; the
    JSON of the facts, about 1 ms; the spin signals) is done here, in parallel, so that
    the serial part stays small as workers are added.
    """
    return _made(process_batch(raws, today), link)


def _work_extracted(extracted: list[Outcome], link: bool) -> list[Made]:
    """``_work`` for a batch already through ``extract_batch``."""
    return _made(analyze_batch(extracted), link)


def _made(outcomes: list[Outcome], link: bool) -> list[Made]:
    from .store.base import article_rows

    return [(o, _fingerprint(o) if link else None, article_rows(o)) if isinstance(o, Article) else (o, None, None)
            for o in outcomes]


def _analysis(pool: ProcessPoolExecutor, raws: list[RawDoc], extracting: Future[list[Outcome]],
              today: dt.date | None, link: bool) -> Future[list[Made]]:
    """The workers' result for a batch sent to the extracting process: the analysis of what it
    extracted, once it has; the whole batch if it never began it (or failed)."""
    if extracting.cancelled():
        return pool.submit(_work, raws, today, link)
    made: Future[list[Made]] = Future()

    def analyse(done: Future[list[Outcome]]) -> None:
        try:
            step = (pool.submit(_work, raws, today, link) if done.exception() is not None
                    else pool.submit(_work_extracted, done.result(), link))
        except BaseException as exc:  # the pool is shutting down: the run is stopping
            made.set_exception(exc)
            return
        step.add_done_callback(lambda f: _settle(made, f))

    extracting.add_done_callback(analyse)
    return made


def _analyse_here(started: list[Started], batches: int, link: bool) -> None:
    """Analyse the first ``batches`` extracted batches in this process: each ``(raws, extracting)``
    of ``started`` becomes the future of its result. Stops at one the extractor failed on."""
    for i, item in enumerate(started):
        if batches <= 0:
            return
        if not isinstance(item, tuple):
            continue
        try:
            extracted = item[1].result()
        except Exception:  # noqa: BLE001 - the workers extract it again, and report what fails
            return
        made: Future[list[Made]] = Future()
        made.set_result(_work_extracted(extracted, link))
        started[i] = made
        batches -= 1


def _settle(made: Future[list[Made]], step: Future[list[Made]]) -> None:
    if step.cancelled():
        made.cancel()
    elif step.exception() is not None:
        made.set_exception(step.exception())
    else:
        made.set_result(step.result())


def _fingerprint(article: Article) -> Fingerprint:
    """The article's story fingerprint, with its spin signals (which the linker also reads)."""
    from .link.spin import spin_signals
    from .link.text import fingerprint

    fp = fingerprint(article.id, article.text, article.title, article.site)
    fp.spin = spin_signals(article)
    return fp


def _drain(queue: list[Any]) -> Iterator[Made]:
    """Pop finished items from the front of the queue, keeping input order."""
    while queue:
        head = queue[0]
        if isinstance(head, Failure):
            queue.pop(0)
            yield head, None, None
        elif head.done():
            queue.pop(0)
            yield from head.result()
        else:
            return


def load_models() -> None:
    """Load the heavy resources now: the spaCy pipeline, then what the stages would load
    on the first documents (extraction's tables, the embedding and event models). Those
    are only loaded early: one that fails here fails again, as an error on each document,
    where it is used.

    The runner loads them before it forks its workers, which then share their memory; the
    first batch it analyses itself freezes them (``_freeze_models``), so that no worker's
    garbage collector walks them (and copies the pages it touches).
    """
    from .analyze import embed, event_model, nlp

    for load in (nlp.pipeline, extract_warm, embed.model, event_model.model):
        try:
            load()
        except Exception:  # noqa: BLE001, S112 - reported per document by the stage that needs it
            continue


def _warm_worker() -> None:
    """A worker's start: the models, loaded once per worker (already there when the runner
    loaded them before forking it)."""
    _ignore_interrupts()
    load_models()


def _ignore_interrupts() -> None:
    """Workers ignore Ctrl-C: the main process decides when to stop, and stops them."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _take(items: Iterator[Any], batches: int) -> list[Any]:
    """The next items, up to the ``batches``-th batch (failures do not count)."""
    taken: list[Any] = []
    for item in items:
        taken.append(item)
        batches -= not isinstance(item, Failure)
        if batches <= 0:
            break
    return taken
