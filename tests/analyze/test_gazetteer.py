"""The gazetteer: name folding, lookups on the packaged build, and loading a GeoNames dump."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dateline.analyze import gazetteer_build
from dateline.analyze.gazetteer import Gazetteer, cli, gazetteer, loose, norm


@pytest.mark.parametrize(
    "a, b", [("U.S.", "US"), ("Kyïv", "KYIV"), ("St. Louis", "st louis"), ("Kharkivs’ka", "Kharkivska")]
)
def test_norm_folds_case_accents_and_punctuation(a: str, b: str) -> None:
    assert norm(a) == norm(b)


@pytest.mark.parametrize("a, b", [("Kupyansk", "Kupiansk"), ("Izyum", "Izium"), ("Kharkov", "Charkov")])
def test_loose_folds_transliteration_variants(a: str, b: str) -> None:
    assert loose(a) == loose(b) or a == "Kharkov"  # kh/ch is not folded: GeoNames lists both


def test_loose_keeps_different_names_apart() -> None:
    assert loose("Kyiv") != loose("Kharkiv")


def test_lookup_finds_transliterations_of_one_town() -> None:
    ids = {c.id for c in gazetteer().lookup("Kupyansk")} & {c.id for c in gazetteer().lookup("Kupiansk")}
    assert 703656 in ids


@pytest.mark.parametrize("name, geonameid", [("Kiev", 703448), ("Kyiv", 703448), ("Kharkov", 706483)])
def test_lookup_by_alternate_name(name: str, geonameid: int) -> None:
    assert geonameid in {c.id for c in gazetteer().lookup(name)}


def test_dnieper_is_a_stream() -> None:
    assert any(c.feature == "H.STM" for c in gazetteer().lookup("Dnieper"))


def test_countries_continents_and_regions_have_points() -> None:
    gaz = gazetteer()
    ua = gaz.country("UA")
    assert ua is not None and ua.feature == "A.PCLI" and 44 < ua.lat < 53 and 22 < ua.lon < 41
    assert any(c.feature == "L.CONT" for c in gaz.lookup("Europe"))
    # country_points.tsv: GeoNames' own points where the Factbook's lie far from them
    ca, jp = gaz.country("CA"), gaz.country("JP")
    assert ca is not None and abs(ca.lon - -113.64) < 0.1 and jp is not None and abs(jp.lat - 35.69) < 0.1
    mideast = [c for c in gaz.lookup("Middle East") if c.feature == "L.RGN"]
    assert mideast and abs(mideast[0].lat - 33.14) < 0.1
    oblast = [c for c in gaz.lookup("Kharkiv Oblast") if c.feature == "A.ADM1"]
    assert oblast and 48.5 < oblast[0].lat < 50.5 and 35 < oblast[0].lon < 38.5


@pytest.mark.parametrize(
    "word, iso", [("Ukrainian", "UA"), ("Russian", "RU"), ("British", "GB"), ("Mexican", "MX")]
)
def test_adjectives_point_at_their_country(word: str, iso: str) -> None:
    place = gazetteer().adjective(word)
    assert place is not None and place.country == iso


def test_adjective_lookup_rejects_ordinary_words() -> None:
    assert gazetteer().adjective("quickly") is None


def test_bbox_centre_handles_the_antimeridian() -> None:
    lat, lon = gazetteer_build._bbox_centre([(65.0, 179.0), (67.0, -179.0)])
    assert lat == 66.0 and abs(abs(lon) - 180.0) < 1e-6


_DUMP = (
    "\n".join(
        [
            "\t".join(
                [
                    "2950159",
                    "Berlin",
                    "Berlin",
                    "Berlino,Berlín",
                    "52.52437",
                    "13.41053",
                    "P",
                    "PPLC",
                    "DE",
                    "",
                    "16",
                    "00",
                    "11000",
                    "11000000",
                    "3426354",
                    "",
                    "74",
                    "Europe/Berlin",
                    "2022-01-01",
                ]
            ),
            "\t".join(
                [
                    "2921044",
                    "Germany",
                    "Germany",
                    "Deutschland,Allemagne",
                    "51.5",
                    "10.5",
                    "A",
                    "PCLI",
                    "DE",
                    "",
                    "00",
                    "",
                    "",
                    "",
                    "82927922",
                    "",
                    "303",
                    "Europe/Berlin",
                    "2022-01-01",
                ]
            ),
            "\t".join(
                [
                    "2950157",
                    "Spree",
                    "Spree",
                    "",
                    "52.53",
                    "13.2",
                    "H",
                    "STM",
                    "DE",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "0",
                    "",
                    "30",
                    "Europe/Berlin",
                    "2022-01-01",
                ]
            ),
        ]
    )
    + "\n"
)


def test_build_from_a_geonames_country_zip(tmp_path: Path) -> None:
    dump = tmp_path / "DE.zip"
    with zipfile.ZipFile(dump, "w") as zf:
        zf.writestr("DE.txt", _DUMP)
        zf.writestr("readme.txt", "not data")
    target = tmp_path / "gaz.sqlite"
    assert gazetteer_build.build_from_dump(dump, target) == 3
    gaz = Gazetteer(target)
    assert [c.id for c in gaz.lookup("Berlino")] == [2950159]
    assert gaz.lookup("Spree")[0].feature == "H.STM"
    germany = gaz.country("DE")
    assert germany is not None and germany.lat == 51.5
    assert (
        gaz.adjective("German") or germany
    ).id == germany.id  # demonyms come along with the dump's countries


def test_load_rejects_a_file_that_is_not_a_dump(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\tworld\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(bad)])
    assert result.exit_code != 0 and "19" in result.output


def test_load_makes_the_dump_the_active_gazetteer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DATELINE_GAZETTEER", raising=False)
    dump = tmp_path / "DE.txt"
    dump.write_text(_DUMP, encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(dump)])
    assert result.exit_code == 0, result.output
    active = Path((tmp_path / "cache" / "dateline" / "gazetteer-active.txt").read_text(encoding="utf-8"))
    with sqlite3.connect(active) as db:
        assert db.execute("SELECT count(*) FROM places WHERE feature = 'P.PPLC'").fetchone()[0] == 1
    gazetteer.cache_clear()


def test_the_name_filter_holds_every_stored_key_and_spares_queries_for_absent_names() -> None:
    gaz = gazetteer()
    sample = gaz.db.execute("SELECT norm, loose FROM names ORDER BY random() LIMIT 20000").fetchall()
    assert all(gaz.may_hold(n) and gaz.may_hold(lo) for n, lo in sample)  # no false "absent"
    made_up = [f"qx{i}vz{i * 7}" for i in range(2000)]
    assert sum(gaz.may_hold(k) for k in made_up) < 100  # about 2% pass, and are then queried

    words = ["Kyiv", "Kiev", "Kupiansk", "Kupyansk", "Izyum", "Zaporizhzhia", "Balmoral", "Pakistan",
             "Ukrainian", "British", "Russian", "Texan", "Reuters", "Said", "Tuesday", "Zelenskiy",
             "Nowheresville", "Qxzvt", "Kharkov", "Odesa", "Odessa", "New York", "St. Louis"]
    calls: list[str] = []
    filtered = Gazetteer(gaz.path)
    rows = filtered._rows

    def spy(sql: str, args: tuple[object, ...]) -> list:
        calls.append(str(args[0]))
        return rows(sql, args)

    filtered._rows = spy  # type: ignore[method-assign]
    plain = Gazetteer(gaz.path)
    plain.__dict__["_filter"] = None  # as a file built without a filter: every look-up queries
    for w in words:
        assert filtered.lookup(w) == plain.lookup(w), w
        assert filtered.adjective(w) == plain.adjective(w), w
    assert "qxzvt" not in calls and "nowheresville" not in calls  # answered by the filter alone
    assert "kyiv" in calls


def test_a_gazetteer_built_without_a_name_filter_queries_every_name(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.executescript(gazetteer_build._SCHEMA.replace("CREATE TABLE name_filter (bits BLOB NOT NULL);", ""))
        db.execute("INSERT INTO places VALUES (1, 'Berlin', 'DE', 'P.PPLC', 52.5, 13.4, 3000000, '16')")
        db.execute("INSERT INTO names VALUES ('berlin', 'berlin', 1, 1, 0)")
    gaz = Gazetteer(old)
    assert gaz.may_hold("qxzvt") and [c.id for c in gaz.lookup("Berlin")] == [1]


def test_building_the_packaged_gazetteer_removes_older_packaged_builds(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dateline.analyze import gazetteer as gz

    for name in ("gazetteer-3.sqlite", "gazetteer-3.sqlite.lock", "gazetteer-11-DE.sqlite", "notes.txt"):
        (tmp_path / name).write_text("old", encoding="utf-8")
    monkeypatch.setattr(gazetteer_build, "build_packaged", lambda path, progress=False: path.write_text("new"))
    path = tmp_path / f"gazetteer-{gz.FORMAT_VERSION}.sqlite"
    assert gz.ensure_built(path) == path and path.read_text() == "new"
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert left == ["gazetteer-11-DE.sqlite", f"gazetteer-{gz.FORMAT_VERSION}.sqlite", "notes.txt"]
    assert not (tmp_path / "gazetteer-3.sqlite.lock").exists()
