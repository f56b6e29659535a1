"""``dateline watch``: poll feeds, sitemaps and URLs until stopped, storing only what is new.

Each poll asks every source again (conditionally, so an unchanged feed costs one
304), fetches the links that are new or changed, and runs them through the
usual stages into the database. SIGINT or SIGTERM sets a flag that the document
stream checks between documents: the runner finishes what it already holds,
stores it, and the command exits 0 with the database consistent (every write
is one transaction per document). A second signal stops at once; the open
transaction is rolled back.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

import click

from ..config import SETTINGS
from ..errors import ConfigError, DatelineError
from ..records import RawDoc
from .fetch import FetchConfig

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_interval(text: str) -> float:
    """``30s``, ``10m``, ``1.5h``, ``1d`` or plain seconds -> seconds.

    >>> parse_interval("10m")
    600.0
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"--every takes a duration such as 30s, 10m or 1h, not {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


class StopFlag:
    """SIGINT/SIGTERM handlers: the first signal asks for a clean stop, a second one interrupts."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> threading.Event:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        return self.event

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()
        click.echo(f"{signal.Signals(signum).name}: stopping after the current document "
                   "(send it again to stop at once)", err=True)


def _until(stop: threading.Event, stream: Iterable[RawDoc | DatelineError]) -> Iterator[RawDoc | DatelineError]:
    for item in stream:
        if stop.is_set():
            return
        yield item


def _poll_stream(local: list[str], reader: Any, urls: list[str], stop: threading.Event,
                 max_bytes: int) -> Iterator[RawDoc | DatelineError]:
    """Files and folders (new content only gets stored: the runner skips known hashes), then the web."""
    if local:
        from . import read_sources

        yield from _until(stop, read_sources(local, max_bytes=max_bytes))
    if urls and not stop.is_set():
        yield from reader.read(urls, stop=stop)


@click.command("watch")
@click.argument("sources", nargs=-1, required=True)
@click.option("--every", default="10m", show_default=True, help="Time between polls: 30s, 10m, 1h.")
@click.option("--db", default=None, help=f"{SETTINGS['db'][1]} [default: {SETTINGS['db'][0]}]")
@click.option("--warc", "warc_dir", type=click.Path(file_okay=False), default=None,
              help="Also archive each fetched response to a WARC.gz in this folder (`dateline run` replays it).")
@click.option("--user-agent", default=None, help=f"{SETTINGS['user_agent'][1]}; give a contact address [default: {SETTINGS['user_agent'][0]}]")
@click.option("--delay", type=float, default=None, help=f"{SETTINGS['fetch_delay'][1]} [default: {SETTINGS['fetch_delay'][0]}]")
@click.option("--concurrency", type=int, default=None, help=f"{SETTINGS['fetch_concurrency'][1]} [default: {SETTINGS['fetch_concurrency'][0]}]")
@click.option("--timeout", type=float, default=None, help=f"{SETTINGS['fetch_timeout'][1]} [default: {SETTINGS['fetch_timeout'][0]}]")
@click.option("--max-bytes", type=int, default=None, help=f"{SETTINGS['max_bytes'][1]} [default: {SETTINGS['max_bytes'][0]}]")
@click.option("--retry-failed-after", type=float, default=3600.0, show_default=True,
              help="Seconds before a URL that failed is tried again (doubling with each failure).")
@click.option("--polls", type=int, default=None, help="Stop after this many polls [default: until stopped].")
@click.option("--workers", type=int, default=1, show_default=True, help="Processes for extraction and analysis.")
def watch(sources: tuple[str, ...], every: str, db: str | None, warc_dir: str | None, user_agent: str | None,
          delay: float | None, concurrency: int | None, timeout: float | None, max_bytes: int | None,
          retry_failed_after: float, polls: int | None, workers: int) -> None:
    """Poll SOURCES (feeds, sitemaps, URLs, URL lists, folders) and store what is new, until stopped.

    Each poll asks the sources again (conditionally: an unchanged feed costs a 304) and
    processes only new or changed pages. SIGINT/SIGTERM stop after the current document.
    """
    from ..cli import Progress  # the same status line as `dateline run`
    from ..config import load_config
    from ..pipeline import Runner
    from ..store import open_store
    from . import is_url
    from .web import WebReader

    try:
        interval = parse_interval(every)
        cfg = load_config(db=db, user_agent=user_agent, fetch_delay=delay, fetch_concurrency=concurrency,
                          fetch_timeout=timeout, max_bytes=max_bytes)
        store = open_store(cfg.db)
    except (ConfigError, DatelineError) as exc:
        raise click.ClickException(str(exc)) from exc
    config = FetchConfig.from_config(cfg, retry_failed_after=retry_failed_after)
    urls = [s for s in sources if is_url(s)]
    local = [s for s in sources if not is_url(s)]
    totals = {"polls": 0, "articles": 0, "failed": 0, "documents": 0}
    with store, StopFlag() as stop, WebReader(store=store, config=config, warc_dir=warc_dir) as reader:
        progress = Progress("watch")
        runner = Runner(store, workers=max(1, workers), progress=progress)
        while not stop.is_set():
            started = time.monotonic()
            stats = runner.run_stream(_poll_stream(local, reader, urls, stop, cfg.max_bytes))
            progress.done()
            totals["polls"] += 1
            for key in ("articles", "failed", "documents"):
                totals[key] += getattr(stats, key)
            click.echo(f"poll {totals['polls']} ({time.strftime('%H:%M:%S')}): {reader.stats.summary()}; "
                       f"{stats.summary()}", err=True)
            if polls is not None and totals["polls"] >= polls:
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
    click.echo(f"watch stopped after {totals['polls']} polls: {totals['documents']} documents, "
               f"{totals['articles']} articles stored, {totals['failed']} failed", err=True)


__all__ = ["parse_interval", "watch"]
