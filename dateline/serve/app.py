"""The web application: API routes, the static UI, one error body, security headers.

``create_app`` builds a FastAPI app over a database URL. Requests run in
FastAPI's worker threads; each borrows a ``Store`` from a small pool for the
length of the request (a connection never serves two requests at once), and
the one ``POST /api/ingest`` writer goes through a single lock.
"""

from __future__ import annotations

import functools
import gzip
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import DatelineError
from ..store import Store, open_store
from ..store.queries import QueryError

log = logging.getLogger("dateline.serve")


def _version() -> str:
    try:
        return metadata.version("dateline")
    except metadata.PackageNotFoundError:
        return "0"


WEB = Path(str(resources.files("dateline.serve") / "web"))


@dataclass
class Settings:
    """What the server was started with (``dateline serve`` options or the config file)."""

    db: str = "dateline.db"
    token: str = ""  # empty: POST /api/ingest is refused
    tile_url: str = ""  # empty: the offline country outlines only
    tile_attribution: str = ""


@dataclass
class Stores:
    """A pool of read ``Store`` connections shared by the worker threads, and one lock for writes.

    A connection serves one request at a time (neither sqlite3 nor psycopg connections
    should run two statements at once); idle ones are reused, so after warm-up a request
    costs no connect. Only the first connection migrates the schema.
    """

    url: str
    idle: list[Store] = field(default_factory=list)
    opened: list[Store] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    write_lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> Store:
        with self.lock:
            if self.idle:
                return self.idle.pop()
            if not self.opened:
                store = open_store(self.url)  # creates or migrates the schema, once
                self.opened.append(store)
                return store
            kind = type(self.opened[0])
        store = kind(self.url)
        store.conn = store._connect()
        with self.lock:
            self.opened.append(store)
        return store

    def release(self, store: Store) -> None:
        with self.lock:
            if store in self.opened:
                self.idle.append(store)

    @contextmanager
    def borrow(self) -> Iterator[Store]:
        store = self.acquire()
        try:
            yield store
        except BaseException:
            # A connection the server dropped (PostgreSQL restarted) is not handed out again.
            if getattr(store.conn, "closed", False):
                self.discard(store)
                raise
            self.release(store)
            raise
        self.release(store)

    def discard(self, store: Store) -> None:
        with self.lock:
            if store in self.opened:
                self.opened.remove(store)
        try:
            store.close()
        except Exception:  # already broken
            pass

    def close(self) -> None:
        with self.lock:
            stores, self.opened, self.idle = self.opened, [], []
        for store in stores:
            try:
                store.close()
            except Exception:  # a connection the server already dropped
                pass


class ApiError(Exception):
    """An error with an HTTP status and a stable code, rendered as the shared JSON body."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers


def error_body(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The one JSON error shape: ``{"error": {"status", "code", "message", "details"}}``."""
    return {"error": {"status": status, "code": code, "message": message, "details": details or []}}


def _error(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, code, message, details), status_code=status, headers=headers)


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 406: "not_acceptable", 413: "too_large", 415: "unsupported_media_type"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(QueryError)
    async def query_error(_: Request, exc: QueryError) -> JSONResponse:
        return _error(400, "invalid_parameter", f"{exc.param}: {exc.message}",
                      [{"param": exc.param, "problem": exc.message}])

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header")]
            details.append({"param": ".".join(loc) or "request", "problem": err.get("msg", "invalid")})
        summary = "; ".join(f"{d['param']}: {d['problem']}" for d in details)
        return _error(422, "invalid_parameter", summary or "invalid request", details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return _error(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(DatelineError)
    async def dateline_error(_: Request, exc: DatelineError) -> JSONResponse:
        return _error(503 if exc.stage == "store" else 500, f"{exc.stage}_{exc.code}", exc.detail)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        # No traceback or SQL in the body: the server log has them.
        return _error(500, "internal_error", f"the server failed on this request ({type(exc).__name__})")


def tile_origin(tile_url: str) -> str | None:
    """The CSP source for a tile URL template (``{s}`` subdomains become a wildcard)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    if "{" in host:
        host = "*." + host.split("}", 1)[-1].lstrip(".-")
    return f"{parts.scheme}://{host}"


def content_security_policy(settings: Settings, *, docs: bool = False) -> str:
    img = "'self' data:"
    origin = tile_origin(settings.tile_url)
    if origin:
        img += f" {origin}"
    # Swagger UI's React styles elements through style attributes: allowed on /docs only.
    style = "'self' 'unsafe-inline'" if docs else "'self'"
    return (f"default-src 'none'; script-src 'self'; style-src {style}; img-src {img}; connect-src 'self';"
            " font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")


class SecurityHeaders:
    """Adds the Content-Security-Policy and related headers to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.csp = content_security_policy(settings).encode()
        self.docs_csp = content_security_policy(settings, docs=True).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = self.docs_csp if scope["path"] == "/docs" else self.csp

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | str) -> FastAPI:
    """The API and web UI over one database: ``create_app(Settings(db="dateline.db"))``."""
    from .api import router

    if isinstance(settings, str):
        settings = Settings(db=settings)
    app = FastAPI(
        title="dateline",
        version=_version(),
        description="News pages in, sourced facts out. Every fact points at the text that supports it.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.stores = Stores(settings.db)
    install_error_handlers(app)
    app.include_router(router)
    # Level 4, not Starlette's 9: less than half the CPU per response (a 35 kB page of events:
    # 0.8 ms instead of 1.8 ms) for a body 8 % larger.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=4)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    @app.get("/basemap.geojson", include_in_schema=False)
    def basemap(request: Request) -> Response:
        body, zipped = _basemap()
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(zipped, media_type="application/geo+json",
                            headers={"Content-Encoding": "gzip", "Cache-Control": "public, max-age=86400",
                                     "Vary": "Accept-Encoding"})
        return Response(body, media_type="application/geo+json", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/docs", include_in_schema=False)
    def docs() -> FileResponse:
        return FileResponse(WEB / "docs.html", media_type="text/html")

    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    app.state.stores.close()


@functools.cache
def _basemap() -> tuple[bytes, bytes]:
    """Country outlines (Natural Earth 1:50m via world-atlas), compressed once per process, not per request."""
    body = (WEB / "vendor" / "countries.geojson").read_bytes()
    return body, gzip.compress(body, compresslevel=6)
