"""``levy regimes [--json]``: every regime's scheme, coverage and return, from the modules.

One entry per scheme: ``scheme``, ``regime``, ``countries`` (covered address countries, from
``rates/regime_countries.csv``), ``starts`` and ``ends`` (the earliest start and the latest
end of that coverage; ``null`` while any country is open-ended), ``filing_period`` (``month`` or
``quarter``), ``filing_currency``, ``due`` (the rule in words), ``fx_source`` and ``law``; and
``coverage``, each country's own ``[starts, ends)``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from levy.cli_conventions import REFERENCE_DATA
from levy.errors import LevyError
from levy.ratebook import Ratebook
from levy.regimes import discover, filings, regime_of


def regime_table(book: Ratebook) -> list[dict[str, Any]]:
    """The facts ``levy regimes`` prints, one dict per scheme, in ``Scheme`` order."""
    modules = discover()
    out = []
    for scheme, facts in filings().items():
        regime = regime_of(scheme)
        rows = sorted((r for r in book.coverage if r.regime == regime), key=lambda r: (r.country, r.valid_from))
        ends = [r.valid_to for r in rows]
        out.append({
            "scheme": scheme.value,
            "regime": regime,
            "countries": sorted({r.country for r in rows}),
            "starts": min(r.valid_from for r in rows).isoformat() if rows else None,
            "ends": None if not rows or None in ends else max(ends).isoformat(),
            "filing_period": facts.period,
            "filing_currency": facts.currency,
            "due": facts.due_rule.text,
            "fx_source": facts.fx_source,
            "law": facts.law,
            "buyer_id": list(modules[regime].BUYER_ID.kinds),
            "coverage": [
                {"country": r.country, "starts": r.valid_from.isoformat(),
                 "ends": r.valid_to.isoformat() if r.valid_to else None}
                for r in rows
            ],
        })
    return out


def regimes(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one array) instead of a table.")] = False,
) -> None:
    """List every regime: scheme, countries, start and end, return period, currency, due day, FX source, law.

    The countries come from the rates directory (``LEVY_RATES_DIR``, else the packaged one).
    """
    try:
        table = regime_table(Ratebook())
    except LevyError as exc:
        Console(stderr=True).print(f"[red]levy: cannot load reference data:[/red] {exc}")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(table, indent=2, ensure_ascii=False))
        return
    shown = Table("scheme", "countries", "starts", "ends", "period", "currency", "due")
    for row in table:
        countries = ", ".join(row["countries"]) if len(row["countries"]) <= 4 else f"{len(row['countries'])} countries"
        shown.add_row(row["scheme"], countries, row["starts"] or "-", row["ends"] or "-", row["filing_period"],
                      row["filing_currency"], row["due"])
    Console().print(shown)


def register(app: typer.Typer) -> None:
    """Add ``levy regimes`` to the command line."""
    app.command("regimes", rich_help_panel=REFERENCE_DATA)(regimes)
