"""The command line: a thin click group; each command converts options and calls the library."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import click

from .config import SETTINGS, load_config
from .errors import ConfigError, DatelineError

EXPORT_TABLES = ["articles", "entities", "places", "dates", "quotes", "counts", "events", "stories", "errors"]


class Progress:
    """One status line on stderr, redrawn in place on a terminal, a line every 10 s otherwise
    (the first after 10 s: a short run in a log shows only its summary)."""

    def __init__(self, label: str = "dateline") -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.every = 0.25 if self.tty else 10.0
        self.last = 0.0 if self.tty else time.monotonic()
        self.shown = False

    def __call__(self, stats: Any) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        expected = stats.expected  # counted ahead, or estimated from the bytes read in an archive
        done = (f"{stats.documents}/{stats.total}" if stats.total
                else f"{stats.documents}/~{expected:.0f}" if expected else f"{stats.documents}")
        eta = f" · ETA {_clock(stats.eta)}" if stats.eta is not None else ""
        line = (f"[{self.label}] {done} docs · {stats.rate:.1f} docs/s · {stats.articles} articles"
                f" · {stats.failed} failed · {_clock(stats.elapsed)}{eta}")
        if self.tty:
            click.echo("\r" + line.ljust(90), nl=False, err=True)
        else:
            click.echo(line, err=True)
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            click.echo("", err=True)


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


class _Commands(click.Group):
    """Commands that live with their stage are imported only when named: `dateline run` should not
    pay for importing FastAPI or PySpark."""

    stage_commands = {
        "gazetteer": ("dateline.analyze.gazetteer", "cli"),
        "serve": ("dateline.serve", "serve"),
        "watch": ("dateline.ingest.watch", "watch"),
        "spark": ("dateline.spark", "spark"),
        "load": ("dateline.spark", "load"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.stage_commands])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.stage_commands:
            return super().get_command(ctx, name)
        import importlib

        module, attr = self.stage_commands[name]
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dateline")
def main() -> None:
    """dateline: news pages in, sourced facts out."""


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--db", default=None, help=SETTINGS["db"][1] + " [default: dateline.db]")
@click.option("--workers", type=int, default=None, help=SETTINGS["workers"][1] + " [default: all cores]")
@click.option("--max-bytes", type=int, default=None, help=SETTINGS["max_bytes"][1])
@click.option("--no-link", is_flag=True, help="skip story linking")
@click.option("--quiet", "-q", is_flag=True, help="no report of what was found, only the summary")
def run(sources: tuple[str, ...], db: str | None, workers: int | None, max_bytes: int | None,
        no_link: bool, quiet: bool) -> None:
    """Ingest, extract, analyze, link and store SOURCES (files, folders, -, WARC, feeds, URLs)."""
    from .pipeline import Runner
    from .report import found_report
    from .store import open_store

    try:
        cfg = load_config(db=db, workers=workers, max_bytes=max_bytes)
        store = open_store(cfg.db)
    except (ConfigError, DatelineError) as exc:
        raise _fail(exc) from exc
    progress = Progress("run")
    with store:
        try:
            stats = Runner(store, workers=cfg.workers, link=not no_link, progress=progress).run(
                sources, max_bytes=cfg.max_bytes)
        except KeyboardInterrupt:
            progress.done()
            click.echo("Interrupted: every stored document is complete; run again to resume.", err=True)
            sys.exit(130)
        progress.done()
        if not quiet:
            click.echo(found_report(store))
        click.echo(f"Summary: {stats.summary()}; database: {cfg.db}")


@main.command()
@click.argument("sources", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="jsonl",
              show_default=True, help="json: pretty (one object, or a list for several documents)")
@click.option("--no-analyze", is_flag=True, help="extraction only: no entities, quotes, places, events")
@click.option("--max-bytes", type=int, default=None, help=SETTINGS["max_bytes"][1])
def extract(sources: tuple[str, ...], fmt: str, no_analyze: bool, max_bytes: int | None) -> None:
    """Run the stages on SOURCES without a database and print one JSON object per document."""
    from .ingest import InputMeter, read_sources
    from .pipeline import Failure, RunStats, count_ahead
    from .records import article_to_dict

    cfg = load_config(max_bytes=max_bytes)
    articles = []
    stats = RunStats(meter=InputMeter())  # the counts, and the progress line on stderr (stdout holds the output)
    count_ahead(list(sources), stats)
    progress = Progress("extract")

    def outcomes() -> Iterator[Any]:
        batch = []
        for item in read_sources(sources, max_bytes=cfg.max_bytes, meter=stats.meter):
            stats.pulled += 1
            if isinstance(item, DatelineError):
                yield item
                continue
            batch.append(item)
            if len(batch) >= 16:
                yield from _extract_batch(batch, no_analyze)
                batch = []
        yield from _extract_batch(batch, no_analyze)

    for outcome in outcomes():
        failed = isinstance(outcome, (DatelineError, Failure))
        stats.documents += 1
        stats.failed += failed
        stats.articles += not failed
        stats.elapsed = time.monotonic() - stats.started
        progress(stats)
        if failed:
            err = outcome.record() if isinstance(outcome, DatelineError) else outcome.error
            src = outcome.source if isinstance(outcome, Failure) else outcome.source or "?"
            click.echo(f"error: {src}: [{err.stage}/{err.code}] {err.message}", err=True)
            continue
        if fmt == "jsonl":
            click.echo(json.dumps(article_to_dict(outcome), ensure_ascii=False))
        elif fmt == "text":
            click.echo(f"# {outcome.title or ''}\n\n{outcome.text}\n")
        else:
            articles.append(outcome)
    if fmt == "json":
        if len(articles) > 1:
            from .link import link_corpus

            refs = link_corpus(articles)
            for a in articles:
                a.story = refs.get(a.id, a.story)
        dicts = [article_to_dict(a) for a in articles]
        if dicts:
            click.echo(json.dumps(dicts[0] if len(dicts) == 1 else dicts, ensure_ascii=False, indent=2))
    progress.done()
    stats.elapsed = time.monotonic() - stats.started
    click.echo(f"Summary: {stats.documents} documents, {stats.articles} articles, {stats.failed} failed;"
               f" {stats.elapsed:.1f} s, {stats.rate:.1f} docs/s", err=True)
    if stats.failed and stats.failed == stats.documents:
        sys.exit(1)


def _extract_batch(batch: list[Any], no_analyze: bool) -> Iterator[Any]:
    from .pipeline import process_batch

    if batch:
        yield from process_batch(batch, analyze_=not no_analyze)


@main.command()
@click.option("--db", default=None, help=SETTINGS["db"][1])
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "parquet"]), required=True)
@click.option("--what", type=click.Choice(EXPORT_TABLES), default="articles", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="file to write (default: standard output; required for parquet)")
def export(db: str | None, fmt: str, what: str, output: str | None) -> None:
    """Dump what is stored, as JSONL, CSV or Parquet."""
    from .export import export_rows
    from .store import open_store

    if fmt == "parquet" and not output:
        raise click.UsageError("--format parquet needs --output FILE")
    try:
        store = open_store(load_config(db=db).db)
    except (ConfigError, DatelineError) as exc:
        raise _fail(exc) from exc
    with store:
        n = export_rows(store, what, fmt, output)
    click.echo(f"Exported {n} {what} as {fmt}" + (f" to {output}" if output else ""), err=True)


@main.command()
@click.argument("query")
@click.option("--db", default=None, help=SETTINGS["db"][1])
@click.option("--limit", type=int, default=10, show_default=True)
def search(query: str, db: str | None, limit: int) -> None:
    """Full-text search over stored titles and texts."""
    from .store import open_store

    try:
        store = open_store(load_config(db=db).db)
    except (ConfigError, DatelineError) as exc:
        raise _fail(exc) from exc
    with store:
        hits = store.search_ids(query, limit=limit)
        for article_id, _rank in hits:
            row = store.query("SELECT title, ref_date, source FROM articles WHERE id = ?", [article_id])[0]
            click.echo(f"{article_id}  {row['ref_date'] or '----------'}  {row['title'] or row['source']}")
        click.echo(f"{len(hits)} result(s) for {query!r}", err=True)


@main.command("config")
def show_config() -> None:
    """Show the settings, their values and where they come from (TOML file: $DATELINE_CONFIG or ./dateline.toml)."""
    cfg = load_config()
    for key, (_default, text) in SETTINGS.items():
        click.echo(f"{key} = {getattr(cfg, key)!r}    # {text}")
