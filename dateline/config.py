"""Settings: packaged defaults, then a TOML file, then command-line options.

The file is ``$DATELINE_CONFIG`` if set, else ``./dateline.toml`` if present.
Every key is validated here, in one place, and documented by ``SETTINGS`` (the
CLI's ``dateline config`` prints it).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

# key -> (default, help). Types come from the defaults.
SETTINGS: dict[str, tuple[Any, str]] = {
    "db": ("dateline.db", "SQLite file path or postgresql:// URL"),
    "workers": (0, "worker processes for extract+analyze (0 = all cores)"),
    "max_bytes": (20_000_000, "largest document accepted, in bytes"),
    "user_agent": ("dateline/0.1 (+https://example.invalid/dateline; news research crawler)",
                   "User-Agent sent by the fetcher"),
    "fetch_delay": (2.0, "minimum seconds between two requests to the same host"),
    "fetch_timeout": (20.0, "connect and read timeout of the fetcher, in seconds"),
    "fetch_concurrency": (4, "hosts fetched at the same time"),
    "api_token": ("", "token that allows POST /api/ingest (empty: ingest disabled)"),
    "tile_url": ("", "map tile URL template for the web UI (empty: offline country outlines only)"),
}


def cache_dir() -> Path:
    """Where files built on first use are kept (the gazetteer, the int8 models):
    ``$XDG_CACHE_HOME/dateline``, else ``~/.cache/dateline``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dateline"


def cached_bytes(name: str, build: Callable[[], bytes]) -> bytes:
    """The file ``name`` of ``cache_dir()``, made by ``build()`` the first time.

    Written atomically: workers starting together may each build it, and each writes
    a whole file. Where the cache folder cannot be written (a read-only home on a
    cluster), what ``build()`` made serves this process only.
    """
    path = cache_dir() / name
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = build()
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
    return data


@dataclass(frozen=True, slots=True)
class Config:
    db: str
    workers: int
    max_bytes: int
    user_agent: str
    fetch_delay: float
    fetch_timeout: float
    fetch_concurrency: int
    api_token: str
    tile_url: str


def config_file() -> Path | None:
    env = os.environ.get("DATELINE_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"DATELINE_CONFIG points at {env}, which is not a file")
        return path
    local = Path("dateline.toml")
    return local if local.is_file() else None


def load_config(**overrides: Any) -> Config:
    """Defaults, then the TOML file, then ``overrides`` (options the user gave; None = not given)."""
    values = {key: default for key, (default, _) in SETTINGS.items()}
    path = config_file()
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        section = data.get("dateline", data)
        for key, value in section.items():
            if key not in SETTINGS:
                raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(SETTINGS)})")
            values[key] = value
    for key, value in overrides.items():
        if value is not None:
            values[key] = value
    for key, (default, _) in SETTINGS.items():
        values[key] = _coerce(key, values[key], type(default))
    if values["workers"] < 0 or values["max_bytes"] <= 0:
        raise ConfigError("workers must be >= 0 and max_bytes > 0")
    if values["workers"] == 0:
        values["workers"] = os.cpu_count() or 1
    return Config(**{f.name: values[f.name] for f in fields(Config)})


def _coerce(key: str, value: Any, kind: type) -> Any:
    try:
        if kind is int and isinstance(value, bool):
            raise TypeError
        return kind(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {key!r} must be {kind.__name__}, got {value!r}") from exc
