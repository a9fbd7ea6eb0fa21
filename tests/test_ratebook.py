"""The rates/ data contract: the loader refuses every defect, naming file:line:column."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from levy import Engine, RatesDataError
from levy.models import RATED_CATEGORIES
from levy.ratebook import Ratebook
from levy.sources import PRIMARY_DOMAINS, is_primary, primary_domain

FIXTURE = Path(__file__).parent / "fixtures" / "rates"


@pytest.fixture
def rates_copy(tmp_path) -> Path:
    target = tmp_path / "rates"
    shutil.copytree(FIXTURE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_repository_rates_load_and_cover_every_category(engine):
    book = engine.book
    for row in book.coverage:
        for category in RATED_CATEGORIES:
            assert book.rate(row.country, category.value, max(row.valid_from, date(2026, 11, 23)))


def test_every_row_cites_a_primary_source(engine):
    """Rates, tariff rates, thresholds, coverage and territories: an official URL each (levy.sources)."""
    book = engine.book
    thresholds = [r for series in book._thresholds.values() for r in series.rows]
    rows = [*book.rate_history(), *book.tariff_rows, *thresholds, *book.coverage, *book.territories]
    assert len(rows) > 300
    assert [row.where for row in rows if not is_primary(row.source)] == []


def test_the_secondary_sources_stay_beside_the_primary(engine):
    """The secondary sites the data was compiled from are kept, never as ``source``."""
    rows = list(engine.book.rate_history())
    secondary = [row for row in rows if row.secondary_source]
    assert len(secondary) >= 250
    assert not any(is_primary(row.secondary_source) and row.secondary_source == row.source for row in rows)


def test_half_open_interval_switches_on_valid_from():
    book = Ratebook(FIXTURE)
    assert book.rate("FI", "general", date(2024, 8, 31)).rate_percent == Decimal("24")
    assert book.rate("FI", "general", date(2024, 9, 1)).rate_percent == Decimal("25.5")


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "message"),
    [
        ("vat_rates.csv", "FI,books,14,2025-01-01,2026-01-01", "FI,books,14,2025-01-02,2026-01-01",
         "vat_rates.csv:8:valid_from", "gap from 2025-01-01"),
        ("vat_rates.csv", "FI,books,14,2025-01-01,2026-01-01", "FI,books,14,2024-12-01,2026-01-01",
         "vat_rates.csv:8:valid_from", "overlaps line 7"),
        ("vat_rates.csv", "FI,general,25.5,2024-09-01", "FI,general,25.50,2024-09-01",
         "vat_rates.csv:15:rate_percent", "not canonical"),
        ("vat_rates.csv", "DE,general,19,", "DE,general,1.9e1,", "vat_rates.csv:5:rate_percent",
         "not an exact decimal"),
        ("vat_rates.csv", "DE,general,19,", "DE,general,19.000000001,", "vat_rates.csv:5:rate_percent",
         ""),
        ("vat_rates.csv", "DE,general,19,2021-07-01,,https://eur-lex.europa.eu/test/de", "DE,general,19,2021-07-01,,",
         "vat_rates.csv:5:source", "needs a source"),
        ("vat_rates.csv", "DE,general,19,2021-07-01,,https://eur-lex.europa.eu/test/de,",
         "DE,general,19,2021-07-01,,https://marosavat.com/manual/germany/,",
         "vat_rates.csv:5:source", "is not a primary source"),
        ("vat_rates.csv", "DE,general,19,2021-07-01,,https://eur-lex.europa.eu/test/de,",
         "DE,general,19,2021-07-01,,https://eur-lex.europa.eu.example.com/de,",
         "vat_rates.csv:5:source", "is not a primary source"),
        ("vat_rates.csv", "DE,general,19,2021-07-01,,https://eur-lex.europa.eu/test/de,,",
         "DE,general,19,2021-07-01,,https://eur-lex.europa.eu/test/de,2021-13-01,",
         "vat_rates.csv:5:source_date", "ISO date"),
        ("thresholds.csv", "https://eur-lex.europa.eu/test/369l", "see Art. 369l",
         "thresholds.csv:2:source", "is not a primary source"),
        ("regime_countries.csv", "eu,FR,2021-07-01,,https://eur-lex.europa.eu/test/eu", "eu,FR,2021-07-01,,https://globaltaxnews.ey.com/x",
         "regime_countries.csv:4:source", "is not a primary source"),
        ("special_territories.csv", "https://eur-lex.europa.eu/test/art6", "ftp://eur-lex.europa.eu/art6",
         "special_territories.csv:2:source", "is not a primary source"),
        ("vat_rates.csv", "DE,general,19,", "XX,general,19,", "vat_rates.csv:5:tax_area", "no ISO 3166"),
        ("vat_rates.csv", "DE,general,19,", "DE,weapons,19,", "vat_rates.csv:5:category", "not one of"),
        ("vat_rates.csv", "DE,general,19,2021-07-01,", "DE,general,19,2021-07-01,2021-07-01",
         "vat_rates.csv:5:valid_to", "after valid_from"),
        ("vat_rates.csv", "DE,general,19,2021-07-01,", "DE,general,19,2021-7-1,",
         "vat_rates.csv:5:valid_from", "ISO date"),
        ("vat_rates.csv", "tax_area,category", "country,category", "vat_rates.csv:1", "header"),
        ("thresholds.csv", "150,EUR,true", "150,EUR,yes", "thresholds.csv:2:inclusive", "true or false"),
        ("thresholds.csv", "150,EUR,true", "150,EUX,true", "thresholds.csv:2:currency", "ISO 4217"),
        ("regime_countries.csv", "eu,FR,", "eu,FX,", "regime_countries.csv:4:country", "ISO 3166-1"),
        ("special_territories.csv", "MC,,Monaco,taxed_as,FR", "MC,,Monaco,taxed_as,",
         "special_territories.csv:5:tax_area", "taxed_as"),
        ("special_territories.csv", "DE,27498,", "DE,27(498,", "special_territories.csv:2:postal_code_pattern",
         "regular expression"),
    ],
    ids=["gap", "overlap", "trailing-zero", "exponent", "float-artefact-ok-but-canonical", "no-source",
         "secondary-source-as-primary", "lookalike-domain", "bad-source-date", "threshold-citation-without-url",
         "coverage-secondary", "territory-not-http",
         "unknown-country", "unknown-category", "empty-interval", "bad-date", "header", "inclusive",
         "currency", "coverage-country", "territory-tax-area", "territory-regex"],
)
def test_defects_are_refused_with_their_place(rates_copy, file, old, new, where, message):
    edit(rates_copy / file, old, new)
    if message == "":  # an exact decimal with many places is allowed when canonical
        Ratebook(rates_copy)
        return
    with pytest.raises(RatesDataError) as caught:
        Ratebook(rates_copy)
    assert str(caught.value).startswith(where), str(caught.value)
    assert message in str(caught.value)


def test_unsorted_rows_are_refused(rates_copy):
    path = rates_copy / "vat_rates.csv"
    lines = path.read_text().splitlines()
    lines[6], lines[7] = lines[7], lines[6]  # FI books 14 % before 10 % (lines 7 and 8)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RatesDataError, match="not sorted"):
        Ratebook(rates_copy)


def test_a_covered_country_needs_every_category(rates_copy):
    edit(rates_copy / "vat_rates.csv", "DE,medical,19,2021-07-01,,https://eur-lex.europa.eu/test/de,,,2026-11-23,\n", "")
    with pytest.raises(RatesDataError, match="DE/medical needs a rate"):
        Ratebook(rates_copy)


def test_rates_may_not_stop_while_coverage_goes_on(rates_copy):
    edit(rates_copy / "vat_rates.csv", "DE,general,19,2021-07-01,,", "DE,general,19,2021-07-01,2026-01-01,")
    with pytest.raises(RatesDataError) as caught:
        Ratebook(rates_copy)
    assert str(caught.value) == "vat_rates.csv:5:valid_to: DE/general stops on 2026-01-01 but its coverage goes on"


def test_two_regimes_may_not_claim_one_country(rates_copy):
    with (rates_copy / "regime_countries.csv").open("a") as f:
        f.write("other,DE,2025-01-01,,https://eur-lex.europa.eu/test/x,,,2026-11-23,\n")
    with pytest.raises(RatesDataError, match="claimed by"):
        Ratebook(rates_copy)


def test_missing_file(rates_copy):
    (rates_copy / "thresholds.csv").unlink()
    with pytest.raises(RatesDataError, match="thresholds.csv:0: file missing"):
        Ratebook(rates_copy)


def test_env_var_picks_the_directory(monkeypatch, rates_copy):
    from levy.ratebook import default_rates_dir

    monkeypatch.setenv("LEVY_RATES_DIR", str(rates_copy))
    assert default_rates_dir() == rates_copy


@pytest.mark.parametrize(
    ("source", "domain"),
    [
        ("https://eur-lex.europa.eu/eli/dir/2006/112/oj", "europa.eu"),
        ("https://ec.europa.eu/taxation_customs/tedb/", "europa.eu"),
        ("https://www.gesetze-im-internet.de/ustg_1980/__12.html", "gesetze-im-internet.de"),
        ("https://www.ris.bka.gv.at/eli/bgbl/I/2026/37", "gv.at"),
        ("https://likumi.lv/ta/id/253451", "likumi.lv"),
        ("HTTPS://WWW.FINLEX.FI/fi/laki/ajantasa/1993/19931501", "finlex.fi"),
        ("https://marosavat.com/vat/sweden/", None),
        ("https://europa.eu.evil.example/", None),
        ("https://noteuropa.eu/", None),
        ("UStG 1994 § 10", None),
        ("", None),
    ],
)
def test_primary_domains(source, domain):
    assert primary_domain(source) == domain
    assert is_primary(source) is (domain is not None)


def test_the_allow_list_is_written_down_in_the_readme():
    """rates/README.md states the rule and names every official domain the loader accepts."""
    readme = (Path(__file__).parents[1] / "rates" / "README.md").read_text(encoding="utf-8")
    assert [d for d in PRIMARY_DOMAINS if f"`{d}`" not in readme] == []


TARIFF_ROW = "AT,0401,4.9,2026-07-01,,https://www.ris.bka.gv.at/eli/bgbl/I/2026/37,2026-07-01,,2026-12-01,\n"


@pytest.mark.parametrize(
    ("row", "where", "message"),
    [
        (TARIFF_ROW.replace(",0401,", ",04 01,"), "vat_rates_by_tariff.csv:2:cn_prefix", "2 to 10 digits"),
        (TARIFF_ROW.replace(",0401,", ",04011010101,"), "vat_rates_by_tariff.csv:2:cn_prefix", "2 to 10 digits"),
        (TARIFF_ROW.replace(",4.9,", ",4.90,"), "vat_rates_by_tariff.csv:2:rate_percent", "not canonical"),
        (TARIFF_ROW.replace("AT,", "XX,", 1), "vat_rates_by_tariff.csv:2:tax_area", "no ISO 3166"),
        (TARIFF_ROW.replace("https://www.ris.bka.gv.at/eli/bgbl/I/2026/37", "https://www.vatupdate.com/x"),
         "vat_rates_by_tariff.csv:2:source", "is not a primary source"),
        (TARIFF_ROW + TARIFF_ROW.replace("2026-07-01,,", "2027-01-01,,", 1), "vat_rates_by_tariff.csv:3:valid_from",
         "overlaps line 2"),
    ],
    ids=["space-in-prefix", "eleven-digits", "rate-not-canonical", "unknown-area", "secondary-source", "overlap"],
)
def test_tariff_rows_are_checked_like_the_others(rates_copy, row, where, message):
    with (rates_copy / "vat_rates_by_tariff.csv").open("a") as f:
        f.write(row)
    with pytest.raises(RatesDataError) as caught:
        Ratebook(rates_copy)
    assert str(caught.value).startswith(where + ": "), str(caught.value)
    assert message in str(caught.value)


def test_a_tariff_row_in_the_fixture_loads(rates_copy):
    with (rates_copy / "vat_rates_by_tariff.csv").open("a") as f:
        f.write(TARIFF_ROW)
    book = Ratebook(rates_copy)
    assert book.tariff_rate("AT", "04011010", date(2026, 7, 1)).rate_percent == Decimal("4.9")
    assert book.tariff_rate("AT", "04011010", date(2026, 6, 30)) is None
