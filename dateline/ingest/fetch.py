"""The polite fetcher: many URLs over HTTP, without hammering anyone's server.

Politeness is per origin (``scheme://host:port``): robots.txt is fetched first and
honoured (RFC 9309: a 4xx means no rules, a 5xx or no answer means stay away
for now), one request at a time, at least ``host_delay`` seconds (or the
site's larger Crawl-delay) between the end of one request and the start of the
next, and at most ``max_concurrency`` requests in flight overall. A 429 or 5xx
answer is retried after the Retry-After the server asked for (or an
exponential backoff), and that wait holds the whole origin, not only the URL.

Redirects are followed by hand, one hop per scheduling turn, so that every hop
goes through its own origin's robots.txt and delay, and loops are named as
such. Bodies are streamed and cut at ``max_bytes`` (after gzip/br decoding, so
a compression bomb is caught too); a response that has not finished within
``deadline`` seconds is abandoned even if it keeps trickling bytes.

Threads: a dispatcher thread schedules, a small pool does the network I/O, and
the caller reads outcomes from ``results()`` on its own thread. The fetcher
never touches the database: the caller owns the ``seen`` state and passes
conditional headers in, so database connections stay on one thread.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import email.utils
import random
import threading
import time
import urllib.robotparser
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty, Queue
from typing import Any
from urllib.parse import urljoin

import httpx

from ..errors import FetchError
from .urls import normalize, origin, robots_url


def _default_user_agent() -> str:
    from ..config import SETTINGS

    return str(SETTINGS["user_agent"][0])


# Honest by default: the tool, that it is a crawler, where to read about it (config.py's default).
# Operators set their own contact with the `user_agent` setting or `--user-agent`.
DEFAULT_USER_AGENT = _default_user_agent()
_RETRY_STATUSES = {429, 500, 502, 503, 504}
_REDIRECT_STATUSES = {301, 302, 303, 307, 308}
_ROBOTS_MAX_BYTES = 512_000  # RFC 9309 asks crawlers to parse at least 500 KiB
_ROBOTS_FAILURE_TTL = 600.0  # an unreachable robots.txt is asked for again after this long
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/xml;q=0.9,text/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
)


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How politely and how patiently to fetch; every limit has a safe default."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 120.0  # seconds for a whole response, however slowly it trickles
    host_delay: float = 1.0  # seconds between two requests to one origin
    max_crawl_delay: float = 60.0  # a robots.txt Crawl-delay above this is capped
    max_concurrency: int = 4
    retries: int = 3  # extra attempts after a 429/5xx or a dropped connection
    backoff: float = 2.0  # first wait before a retry when the server gave no Retry-After
    max_retry_after: float = 300.0  # a longer Retry-After ends in an error instead of a wait
    max_redirects: int = 5
    max_bytes: int = 20_000_000
    respect_robots: bool = True
    robots_ttl: float = 86_400.0  # RFC 9309: a robots.txt may be cached up to 24 hours
    retry_failed_after: float = 3600.0  # a failed URL waits this long (doubling) before a later poll retries

    @classmethod
    def from_config(cls, cfg: Any, **changes: Any) -> FetchConfig:
        """The fetcher's part of dateline's settings (``config.load_config()``), plus ``changes``."""
        timeout = float(cfg.fetch_timeout)
        base = cls(user_agent=cfg.user_agent, host_delay=float(cfg.fetch_delay), connect_timeout=timeout,
                   read_timeout=timeout, deadline=max(4 * timeout, 60.0),
                   max_concurrency=max(1, int(cfg.fetch_concurrency)), max_bytes=int(cfg.max_bytes))
        return dataclasses.replace(base, **changes)


@dataclass(slots=True)
class Request:
    """One URL to get; ``key`` is the URL it was asked for, kept across redirects."""

    url: str
    key: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # conditional headers from the seen table
    meta: dict[str, Any] = field(default_factory=dict)  # the caller's context, returned untouched
    chain: list[str] = field(default_factory=list)  # URLs already visited on the way (redirects)
    attempt: int = 0

    def __post_init__(self) -> None:
        self.key = self.key or self.url


@dataclass(slots=True)
class Response:
    """A completed GET: the final URL after redirects, its status, headers (lower-case keys) and body."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes
    fetched: str  # YYYY-MM-DD (UTC)
    elapsed: float = 0.0


Outcome = Response | FetchError


@dataclass(slots=True)
class Robots:
    """A parsed robots.txt, or the rule that stands in for one (allow all, or disallow all for now)."""

    status: int  # HTTP status of the robots.txt fetch; 0 when the server could not be reached
    body: str
    fetched: float  # time.time() of the fetch
    parser: urllib.robotparser.RobotFileParser = field(init=False)

    def __post_init__(self) -> None:
        self.parser = urllib.robotparser.RobotFileParser()
        if 200 <= self.status < 300:
            self.parser.parse(self.body.splitlines())
        elif 400 <= self.status < 500:
            self.parser.allow_all = True  # type: ignore[attr-defined]  # documented, but not in typeshed
        else:  # 5xx or unreachable: RFC 9309 says assume complete disallow until it answers
            self.parser.disallow_all = True  # type: ignore[attr-defined]

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay of the group that applies to us (decimals allowed, unlike urllib's parser)."""
        if not 200 <= self.status < 300:
            return None
        token = user_agent.split("/", 1)[0].strip().lower()
        delays: dict[str, float] = {}
        agents: list[str] = []
        in_rules = False
        for raw in self.body.splitlines():
            line = raw.split("#", 1)[0].strip()
            if ":" not in line:
                continue
            name, value = (part.strip() for part in line.split(":", 1))
            name = name.lower()
            if name == "user-agent":
                if in_rules:  # a user-agent line after rules starts a new group
                    agents, in_rules = [], False
                agents.append(value.lower())
                continue
            in_rules = True
            if name == "crawl-delay":
                try:
                    seconds = float(value)
                except ValueError:
                    continue
                for agent in agents:
                    delays.setdefault(agent, seconds)
        specific = [d for agent, d in delays.items() if agent != "*" and agent and agent in token]
        return specific[0] if specific else delays.get("*")

    @property
    def unavailable(self) -> bool:
        return not (200 <= self.status < 500)

    def fresh(self, ttl: float) -> bool:
        return time.time() - self.fetched < (_ROBOTS_FAILURE_TTL if self.unavailable else ttl)


@dataclass(slots=True)
class _Host:
    queue: collections.deque[tuple[float, Request]] = field(default_factory=collections.deque)
    busy: bool = False
    ready_at: float = 0.0  # time.monotonic() before which no request starts
    robots: Robots | None = None
    delay: float = 0.0


class Fetcher:
    """Fetches submitted requests politely; read outcomes with ``results()``.

    >>> with Fetcher(FetchConfig(host_delay=0.5)) as f:
    ...     f.submit(Request("https://example.org/"))
    ...     for request, outcome in f.results(): ...
    """

    def __init__(self, config: FetchConfig | None = None, *, transport: httpx.BaseTransport | None = None,
                 archive: WarcArchive | None = None) -> None:
        self.config = config or FetchConfig()
        cfg = self.config
        self.archive = archive
        self.client = httpx.Client(
            headers={"user-agent": cfg.user_agent, "accept": _ACCEPT},
            timeout=httpx.Timeout(connect=cfg.connect_timeout, read=cfg.read_timeout,
                                  write=cfg.read_timeout, pool=cfg.deadline),
            limits=httpx.Limits(max_connections=cfg.max_concurrency, max_keepalive_connections=cfg.max_concurrency),
            follow_redirects=False,
            transport=transport,
        )
        self._cond = threading.Condition()
        self._hosts: dict[str, _Host] = {}
        self._running = 0
        self._pending = 0  # submitted and not yet handed out by results()
        self._out: Queue[tuple[Request, Outcome]] = Queue()
        self._robots_fetched: list[tuple[str, Robots]] = []
        self._closed = False
        self.requests = 0  # HTTP requests sent, robots.txt and retries included
        # Daemon threads, not a ThreadPoolExecutor: a request stuck until its read timeout must not
        # keep the process alive after a stop (the executor joins its threads at exit).
        self._work: Queue[tuple[Any, tuple[Any, ...]] | None] = Queue()
        for n in range(cfg.max_concurrency):
            threading.Thread(target=self._worker, name=f"dateline-fetch-{n}", daemon=True).start()
        self._dispatcher = threading.Thread(target=self._dispatch, name="dateline-fetch-dispatch", daemon=True)
        self._dispatcher.start()

    # -- public -------------------------------------------------------------------------
    def submit(self, request: Request) -> None:
        """Queue a request; its outcome comes out of ``results()`` once."""
        with self._cond:
            self._pending += 1
            self._enqueue(request, 0.0)

    def results(self, stop: threading.Event | None = None) -> Iterator[tuple[Request, Outcome]]:
        """Outcomes as they complete, until every submitted request has one (or ``stop`` is set).

        Requests submitted while iterating (links found in a feed) are waited for too.
        """
        while True:
            with self._cond:
                if self._pending == 0:
                    return
            if stop is not None and stop.is_set():
                return
            try:
                item = self._out.get(timeout=0.2)
            except Empty:
                continue
            with self._cond:
                self._pending -= 1
            yield item

    def set_robots(self, origin_url: str, robots: Robots) -> None:
        """Give the fetcher a robots.txt remembered from an earlier run (it is not fetched again while fresh)."""
        with self._cond:
            host = self._host(origin_url)
            if host.robots is None or host.robots.fetched < robots.fetched:
                host.robots = robots
                host.delay = self._delay_for(robots)

    def take_robots(self) -> list[tuple[str, Robots]]:
        """robots.txt files fetched since the last call, for the caller to remember."""
        with self._cond:
            fetched, self._robots_fetched = self._robots_fetched, []
            return fetched

    def close(self) -> None:
        """Stop at once: queued requests are dropped, requests in flight end at their timeout."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for _ in range(self.config.max_concurrency):
            self._work.put(None)
        self._dispatcher.join(timeout=5)
        self.client.close()
        if self.archive is not None:
            self.archive.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scheduling (under self._cond) ----------------------------------------------------
    def _host(self, origin_url: str) -> _Host:
        host = self._hosts.get(origin_url)
        if host is None:
            host = self._hosts[origin_url] = _Host(delay=self.config.host_delay)
        return host

    def _enqueue(self, request: Request, not_before: float, *, front: bool = False) -> None:
        host = self._host(origin(request.url))
        if front:
            host.queue.appendleft((not_before, request))
        else:
            host.queue.append((not_before, request))
        self._cond.notify_all()

    def _delay_for(self, robots: Robots) -> float:
        delay = self.config.host_delay
        crawl_delay = robots.crawl_delay(self.config.user_agent)
        if crawl_delay:
            delay = max(delay, min(crawl_delay, self.config.max_crawl_delay))
        return delay

    def _emit(self, request: Request, outcome: Outcome) -> None:
        self._out.put((request, outcome))

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                wait = self._start_ready()
                if not self._closed:
                    self._cond.wait(timeout=wait)

    def _start_ready(self) -> float | None:
        """Start every request that may start now; return how long until the next one may."""
        now = time.monotonic()
        wait: float | None = None
        for origin_url, host in self._hosts.items():
            while not host.busy and host.queue:
                if self._running >= self.config.max_concurrency:
                    return wait
                start = max(host.ready_at, host.queue[0][0])
                if start > now:
                    wait = start - now if wait is None else min(wait, start - now)
                    break
                if self.config.respect_robots and (
                        host.robots is None or not host.robots.fresh(self.config.robots_ttl)):
                    self._start(host, self._run_robots, origin_url, host)
                    break
                _, request = host.queue.popleft()
                refusal = self._robots_refusal(host, request)
                if refusal is not None:  # answered without a request; look at the next one
                    self._emit(request, refusal)
                    continue
                self._start(host, self._run_request, host, request)
        return wait

    def _start(self, host: _Host, work: Any, *args: Any) -> None:
        host.busy = True
        self._running += 1
        self.requests += 1
        self._work.put((work, args))

    def _robots_refusal(self, host: _Host, request: Request) -> FetchError | None:
        robots = host.robots
        if not self.config.respect_robots or robots is None:
            return None
        if robots.parser.can_fetch(self.config.user_agent, request.url):
            return None
        if robots.unavailable:
            return FetchError("robots-unavailable", "robots.txt could not be fetched (%s): the site is left alone"
                              " for now" % (f"HTTP {robots.status}" if robots.status else "no answer"), source=request.key)
        return FetchError("robots-disallowed", "robots.txt disallows this URL", source=request.key)

    def _release(self, host: _Host, *, hold: float = 0.0) -> None:
        with self._cond:
            host.busy = False
            self._running -= 1
            host.ready_at = max(host.ready_at, time.monotonic() + max(host.delay, hold))
            self._cond.notify_all()

    # -- work (pool threads) -----------------------------------------------------------------
    def _worker(self) -> None:
        while True:
            job = self._work.get()
            if job is None:
                return
            work, args = job
            work(*args)

    def _run_robots(self, origin_url: str, host: _Host) -> None:
        try:
            status, body = self._fetch_robots(robots_url(origin_url))
            robots = Robots(status, body, time.time())
        except Exception:  # network trouble (or a bug) must not leave the origin busy forever
            robots = Robots(0, "", time.time())
        with self._cond:
            host.robots = robots
            host.delay = self._delay_for(robots)
            self._robots_fetched.append((origin_url, robots))
        self._release(host)

    def _fetch_robots(self, url: str) -> tuple[int, str]:
        with self.client.stream("GET", url, follow_redirects=True) as resp:
            data = bytearray()
            if resp.status_code < 300:
                for chunk in resp.iter_bytes():
                    data += chunk
                    if len(data) >= _ROBOTS_MAX_BYTES:
                        break
            return resp.status_code, bytes(data[:_ROBOTS_MAX_BYTES]).decode("utf-8", errors="replace")

    def _run_request(self, host: _Host, request: Request) -> None:
        hold = 0.0
        try:
            outcome, hold = self._get(request)
        except Exception as exc:  # a bug or an unforeseen library error: recorded, the run goes on
            outcome = FetchError("unexpected", f"{type(exc).__name__}: {exc}", source=request.key)
        if outcome is not None:
            self._emit(request, outcome)
        self._release(host, hold=hold)

    def _get(self, request: Request) -> tuple[Outcome | None, float]:
        """One attempt; ``(None, hold)`` when the request was queued again (retry or redirect)."""
        cfg = self.config
        started = time.monotonic()
        try:
            with self.client.stream("GET", request.url, headers=request.headers) as resp:
                status = resp.status_code
                if status in _RETRY_STATUSES or status in _REDIRECT_STATUSES or status == 304 or status >= 400:
                    resp.close()  # the body of these is of no use
                    return self._non_content(request, resp)
                length = resp.headers.get("content-length", "")
                if length.isdigit() and int(length) > cfg.max_bytes:
                    return self._error(request, "too-large",
                                       f"HTTP {status}, Content-Length {int(length)} bytes > the {cfg.max_bytes}-byte limit"), 0.0
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > cfg.max_bytes:
                        return self._error(request, "too-large",
                                           f"HTTP {status}, body over the {cfg.max_bytes}-byte limit: download stopped"), 0.0
                    if time.monotonic() - started > cfg.deadline:
                        return self._error(request, "timeout",
                                           f"HTTP {status}, body not complete after {cfg.deadline:g} s: download stopped"), 0.0
                    chunks.append(chunk)
                content = b"".join(chunks)
                headers = _headers(resp.headers)
        except httpx.TimeoutException as exc:
            phase = "connect" if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)) else "read"
            limit = cfg.connect_timeout if phase == "connect" else cfg.read_timeout
            return self._error(request, "timeout", f"no answer within the {phase} timeout ({limit:g} s)"), 0.0
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if request.attempt < cfg.retries:
                self._retry(request, self._backoff(request.attempt))
                return None, 0.0
            return self._error(request, "connect-failed", f"{type(exc).__name__}: {exc or 'connection failed'}"), 0.0
        except httpx.InvalidURL as exc:
            return self._error(request, "bad-url", str(exc)), 0.0
        except httpx.DecodingError as exc:
            return self._error(request, "bad-encoding", f"the body could not be decompressed ({exc})"), 0.0
        except httpx.HTTPError as exc:
            return self._error(request, "http-error", f"{type(exc).__name__}: {exc}"), 0.0
        fetched = dt.datetime.now(dt.timezone.utc).date().isoformat()
        response = Response(str(resp.url), status, headers, content, fetched, time.monotonic() - started)
        if self.archive is not None:
            self.archive.write(request, response)
        return response, 0.0

    def _non_content(self, request: Request, resp: httpx.Response) -> tuple[Outcome | None, float]:
        cfg = self.config
        status = resp.status_code
        headers = _headers(resp.headers)
        if status == 304:
            fetched = dt.datetime.now(dt.timezone.utc).date().isoformat()
            return Response(str(resp.url), 304, headers, b"", fetched), 0.0
        if status in _REDIRECT_STATUSES and headers.get("location"):
            target = normalize(urljoin(str(resp.url), headers["location"]))
            if target is None:
                return self._error(request, "bad-redirect", f"HTTP {status} to {headers['location']!r}"), 0.0
            chain = [*request.chain, request.url]
            if target in chain:
                return self._error(request, "redirect-loop",
                                   f"HTTP {status}: redirect loop {' -> '.join([*chain, target])}"), 0.0
            if len(chain) > cfg.max_redirects:
                return self._error(request, "too-many-redirects",
                                   f"more than {cfg.max_redirects} redirects (last: {target})"), 0.0
            hop = Request(target, key=request.key, headers=request.headers, meta=request.meta, chain=chain)
            with self._cond:
                self._enqueue(hop, 0.0)
            return None, 0.0
        if status in _RETRY_STATUSES:
            wait = _retry_after(headers.get("retry-after"))
            if wait is not None and wait > cfg.max_retry_after:
                return self._error(request, f"http-{status}",
                                   f"HTTP {status} with Retry-After {wait:.0f} s (over the {cfg.max_retry_after:g} s limit)"), \
                    cfg.max_retry_after
            if request.attempt < cfg.retries:
                wait = self._backoff(request.attempt) if wait is None else wait
                self._retry(request, wait)
                return None, wait
            return self._error(request, f"http-{status}",
                               f"HTTP {status} {resp.reason_phrase} after {request.attempt + 1} attempts"), wait or 0.0
        return self._error(request, f"http-{status}", f"HTTP {status} {resp.reason_phrase}".strip()), 0.0

    def _retry(self, request: Request, wait: float) -> None:
        request.attempt += 1
        with self._cond:
            self._enqueue(request, time.monotonic() + wait, front=True)

    def _backoff(self, attempt: int) -> float:
        base = self.config.backoff * 2.0**attempt
        return base + random.uniform(0, base / 10)

    def _error(self, request: Request, code: str, detail: str) -> FetchError:
        if request.chain and code != "redirect-loop":
            detail += f" (at {request.url}, after redirects from {request.chain[0]})"
        return FetchError(code, detail, source=request.key)


def _headers(headers: httpx.Headers) -> dict[str, str]:
    """Lower-case keys; repeated headers joined with ', ' as HTTP allows."""
    out: dict[str, str] = {}
    for key, value in headers.multi_items():
        key = key.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


class WarcArchive:
    """Fetched responses written to ``DIR/dateline-<time>.warc.gz``, so that a run can be replayed.

    The body is stored decoded (gzip/br removed), so Content-Encoding is dropped
    from the stored headers and Content-Length set to the stored size.
    """

    def __init__(self, folder: str | Path) -> None:
        from warcio.warcwriter import WARCWriter

        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S%f")
        self.path = self.folder / f"dateline-{stamp}.warc.gz"
        self._fh = open(self.path, "wb")
        self._writer = WARCWriter(self._fh, gzip=True)
        self._lock = threading.Lock()

    def write(self, request: Request, response: Response) -> None:
        from io import BytesIO

        from warcio.statusandheaders import StatusAndHeaders

        skip = {"content-encoding", "transfer-encoding", "content-length"}
        pairs = [(k, v) for k, v in response.headers.items() if k not in skip]
        pairs.append(("content-length", str(len(response.content))))
        http_headers = StatusAndHeaders(f"{response.status} OK", pairs, protocol="HTTP/1.1")
        with self._lock:
            if self._fh.closed:
                return
            record = self._writer.create_warc_record(
                response.url, "response", payload=BytesIO(response.content), http_headers=http_headers)
            self._writer.write_record(record)
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


__all__ = ["DEFAULT_USER_AGENT", "FetchConfig", "Fetcher", "Outcome", "Request", "Response", "Robots", "WarcArchive"]
