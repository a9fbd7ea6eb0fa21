"""Limits on ECB reference-rate files from outside (``levy fx import``, ``levy fx update``): what
a file may cost to read and which rates it may bring.

A file is checked before a rate of it is stored:

* its size before decompression (``MAX_FILE_BYTES``), and its CSV member's size while it is
  decompressed (``MAX_CSV_BYTES``): a zip bomb is refused after reading at most that much, whatever
  sizes its directory claims;
* its currencies: ISO 4217 codes the ECB publishes euro reference rates for (``ECB_CURRENCIES``);
* its dates: from the first reference rates (1999-01-04) to today;
* its rates: within a factor of ``PLAUSIBLE_FACTOR`` of the rate known just before for the same
  currency (in the store, the packaged history or the file itself). A rate of 1e-28 or 1e30 is a
  broken file, not a market move: ``--force`` imports it anyway and the import records it.

References:
    ECB, Euro foreign exchange reference rates (the currencies and the history file):
    https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
"""

from __future__ import annotations

import zipfile
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A file as given, zip or CSV (the ECB's full history zip is under 1 MB)."""
MAX_CSV_BYTES = 32 * 1024 * 1024
"""The CSV once decompressed (the full history is about 2 MB)."""
MAX_RATE_CHARS = 24
"""Characters of one rate (the ECB writes at most 6 significant digits)."""
FIRST_DAY = date(1999, 1, 4)
"""The ECB's first euro reference rates."""
PLAUSIBLE_FACTOR = Decimal(10)

ECB_CURRENCIES = frozenset(
    "USD JPY BGN CYP CZK DKK EEK GBP HUF LTL LVL MTL PLN ROL RON SEK SIT SKK CHF ISK NOK HRK RUB TRL "
    "TRY AUD BRL CAD CNY HKD IDR ILS INR KRW MXN MYR NZD PHP SGD THB ZAR".split()
)
"""Every currency of the ECB's reference-rate history (``eurofxref-hist.csv`` header): the 30
published today and those it stopped (CYP, EEK, LTL, LVL, MTL, SIT, SKK joined the euro; ROL,
TRL were redenominated; BGN, HRK, ISK, RUB suspended or joined)."""


def read_member(archive: zipfile.ZipFile, member: str, limit: int = MAX_CSV_BYTES) -> bytes | None:
    """The member's bytes, or ``None`` when it decompresses to more than ``limit`` (read in
    streaming: at most ``limit`` + 1 bytes, whatever the zip's directory claims)."""
    chunks, size = [], 0
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True, slots=True)
class Jump:
    """A rate more than ``PLAUSIBLE_FACTOR`` away from the one known just before it."""

    currency: str
    day: date
    rate: str
    before: str
    before_day: date

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} on {self.day} (after {self.before} on {self.before_day})"


def implausible(new: dict[str, tuple[list[date], list[str]]],
                known: dict[str, tuple[list[date], list[str]]]) -> list[Jump]:
    """The new rates more than ``PLAUSIBLE_FACTOR`` above or below the rate before them, per
    currency, walking the new and the known points in date order (a new point wins its day)."""
    jumps: list[Jump] = []
    for currency, (days, texts) in new.items():
        known_days, known_texts = known.get(currency, ([], []))
        merged = dict(zip(known_days, known_texts))
        fresh = set(days)
        merged.update(zip(days, texts))
        ordered = sorted(merged)
        start = max(0, bisect_left(ordered, min(days)) - 1) if days else len(ordered)
        previous: tuple[date, Decimal, str] | None = None
        for day in ordered[start:]:
            text = merged[day]
            value = Decimal(text)
            if previous is not None and day in fresh:
                _, before, before_text = previous
                if value > before * PLAUSIBLE_FACTOR or value * PLAUSIBLE_FACTOR < before:
                    jumps.append(Jump(currency, day, text, before_text, previous[0]))
                    continue  # compare what follows with the last plausible rate
            previous = (day, value, text)
    return jumps
