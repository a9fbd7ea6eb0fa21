"""``levy regimes [--json]``: every regime's facts, derived from the regime modules."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from levy.cli import app
from levy.codes import Scheme
from levy.regimes import filing

FIELDS = {"scheme", "countries", "starts", "ends", "filing_period", "filing_currency", "due", "fx_source", "law"}


def regimes_json() -> list[dict]:
    result = CliRunner().invoke(app, ["regimes", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_scheme_is_listed_with_its_facts():
    table = {row["scheme"]: row for row in regimes_json()}
    assert set(table) == {s.value for s in Scheme}
    for scheme, row in table.items():
        assert FIELDS <= set(row)
        facts = filing(scheme)
        assert (row["filing_period"], row["filing_currency"], row["due"], row["fx_source"], row["law"]) == (
            facts.period, facts.currency, facts.due_rule.text, facts.fx_source, facts.law)
        assert row["countries"] and row["starts"]


def test_eu_schemes_cover_the_27_member_states_from_july_2021():
    table = {row["scheme"]: row for row in regimes_json()}
    for scheme, period in (("EU_IOSS", "month"), ("EU_OSS", "quarter")):
        row = table[scheme]
        assert len(row["countries"]) == 27 and "DE" in row["countries"]
        assert (row["starts"], row["ends"], row["filing_period"], row["filing_currency"]) == ("2021-07-01", None, period, "EUR")


def test_table_output_names_the_schemes():
    result = CliRunner().invoke(app, ["regimes"])
    assert result.exit_code == 0
    assert "EU_IOSS" in result.output and "quarter" in result.output
