#!/usr/bin/env python3
"""Example orders (the bundled batch of realistic marketplace traffic).

Writes ``examples/orders.jsonl``: 300 orders in the checkout contract's order shape (v1), one
compact JSON object per line, in the order the platform accepted the payments. The batch looks
like a day-to-day export of a cross-border marketplace (AliExpress / Alibaba.com style): mostly
low-value imports into the EU, EU-stocked goods, business buyers with VAT numbers (valid,
invalid, of another member state), exemption vouchers, special territories, offline payments
and non-EU destinations, with dates from before the EU e-commerce package (1 July 2021) up to
22 November 2026.

The generator is deterministic (``random.Random(2026)``); run it again and the file is the same
byte for byte. It uses the standard library plus python-stdnum, which checks every VAT number
it writes: valid ones must pass ``stdnum.eu.vat`` for the intended country, invalid ones must
fail on their checksum. Every order is also checked against the contract before it is written;
any mismatch stops the run with a non-zero exit.

Run from the repository root::

    python3 scripts/make_examples.py        # or: make examples

If the interpreter has no python-stdnum, the script re-runs itself with the project's
``.venv/bin/python`` when that exists.

Prices are realistic, not exact: they are set in EUR and converted with rough exchange rates
(``APPROX_PER_EUR``) only to look plausible in each currency. Whether an order lies above or
below a threshold is up to the engine and its ECB rates; the generator keeps clear of the
limits except where a case is meant to sit on one (noted in ``eu_imports``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import random
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "orders.jsonl"

try:
    from stdnum.eu import vat as eu_vat
    from stdnum.exceptions import InvalidChecksum, ValidationError
except ImportError:  # pragma: no cover - depends on the interpreter used
    _venv_python = ROOT / ".venv" / "bin" / "python"
    if _venv_python.exists() and not os.environ.get("LEVY_MAKE_EXAMPLES_REEXEC"):
        print(f"python-stdnum not importable here; re-running with {_venv_python}", file=sys.stderr)
        os.environ["LEVY_MAKE_EXAMPLES_REEXEC"] = "1"
        os.execv(_venv_python, [str(_venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(
        "make_examples.py needs python-stdnum to verify the VAT numbers it writes.\n"
        "Run it with the project venv (`make examples`), or: "
        "python3 -m venv /tmp/exvenv && /tmp/exvenv/bin/pip install python-stdnum && "
        "/tmp/exvenv/bin/python scripts/make_examples.py"
    )

SEED = 2026
TOTAL = 300

# --------------------------------------------------------------------------------------------
# Reference data (only what is needed to make the orders look real)
# --------------------------------------------------------------------------------------------

EU27 = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)
"""The 27 EU member states (ISO 3166-1 alpha-2; Greece is GR in addresses, EL in VAT numbers)."""

EU_WEIGHTS = {
    "DE": 12, "FR": 11, "IT": 8, "ES": 8, "NL": 6, "PL": 6, "BE": 3, "AT": 3, "SE": 3, "PT": 2,
    "IE": 2, "CZ": 2, "DK": 2, "FI": 2, "GR": 2, "HU": 2, "RO": 2,
    "SK": 1, "SI": 1, "HR": 1, "BG": 1, "LT": 1, "LV": 1, "EE": 1, "LU": 1, "CY": 1, "MT": 1,
}
"""Relative traffic per destination for plain EU imports (on top of one order each)."""

POSTCODES = {
    # Mainland / ordinary postcodes only: none of them lies in a special territory.
    "AT": ("1010", "1100", "8010", "5020", "6020", "4020"),
    "BE": ("1000", "1050", "2000", "9000", "4000"),
    "BG": ("1000", "1407", "4000", "9000"),
    "HR": ("10000", "21000", "51000"),
    "CY": ("1010", "3036", "6023"),
    "CZ": ("110 00", "130 00", "602 00", "301 00"),
    "DK": ("1050", "2100", "8000", "5000"),
    "EE": ("10111", "50090"),
    "FI": ("00100", "00520", "33100", "20100", "90100"),
    "FR": ("75001", "75011", "69001", "13001", "31000", "33000", "59000", "67000", "44000"),
    "DE": ("10115", "10435", "80331", "20095", "50667", "60311", "70173", "01067", "04109",
           "28195", "90402"),
    "GR": ("10431", "10557", "54624", "26221"),
    "HU": ("1051", "1117", "4024", "6720"),
    "IE": ("D02 X285", "D08 VF8H", "T12 K8AF", "H91 E2K3"),
    "IT": ("00184", "20121", "20135", "80133", "10121", "50122", "40121", "30121"),
    "LV": ("LV-1050", "LV-1010", "LV-3001"),
    "LT": ("LT-01103", "LT-44280"),
    "LU": ("1611", "L-2449"),
    "MT": ("VLT 1117", "SLM 1549"),
    "NL": ("1012 AB", "1017 CE", "3011 AD", "2511 BT", "3511 LX", "5611 AB"),
    "PL": ("00-001", "02-495", "30-001", "50-001", "80-001", "61-001", "90-001"),
    "PT": ("1100-148", "1250-096", "4000-322"),
    "RO": ("010011", "030167", "400001", "700001"),
    "SK": ("811 01", "040 01"),
    "SI": ("1000", "2000"),
    "ES": ("28013", "28001", "08001", "08013", "41001", "46001", "48001", "29001"),
    "SE": ("111 52", "114 55", "411 03", "211 22"),
    # Non-EU destinations.
    "GB": ("SW1A 1AA", "EC1A 1BB", "W1A 0AX", "E14 5AB", "N1 9GU", "M1 1AE", "M4 4BF",
           "M15 4FN", "B1 1BB", "LS1 4AP", "EH1 1YZ", "G1 1XQ", "CF10 1EP"),
    "GB-NIR": ("BT1 1AA", "BT7 1NN"),
    "NO": ("0150", "0455", "5003", "7010", "4006"),
    "CH": ("8001", "3011", "1201", "4051", "6900"),
    "AU": ("2000", "3000", "4000", "6000", "5000", "2600"),
    "NZ": ("1010", "6011", "8011", "9016"),
    "SG": ("018956", "238859", "529510", "068805"),
    "MY": ("50450", "10200", "80000"),
    "US": ("10001", "94103"),
    "CA": ("M5V 3L9",),
    "BR": ("01310-100",),
}

LOCAL_CURRENCY = {"PL": "PLN", "SE": "SEK", "CZ": "CZK", "HU": "HUF", "DK": "DKK", "RO": "RON"}
"""EU destinations whose own currency the platform also offers at checkout."""

ECB_CURRENCIES = (
    "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK",
    "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD",
    "PHP", "SGD", "THB", "ZAR",
)
"""Currencies with an ECB euro reference rate; the batch uses only these and EUR."""

MINOR_UNITS = {"JPY": 0}
"""ISO 4217 minor units where they differ from 2 (KWD 3 is never used in this batch)."""

APPROX_PER_EUR = {
    "EUR": 1.0, "USD": 1.08, "GBP": 0.85, "PLN": 4.30, "SEK": 11.3, "CZK": 25.0, "HUF": 395.0,
    "DKK": 7.46, "RON": 4.97, "CNY": 7.8, "JPY": 165.0, "NOK": 11.6, "CHF": 0.94, "AUD": 1.65,
    "NZD": 1.80, "SGD": 1.45, "MYR": 4.9, "CAD": 1.50, "BRL": 6.0,
}
"""Rough units per EUR, only to make prices plausible in each currency (not used by Levy)."""

CATEGORIES = ("general", "books", "food", "childrens_clothing", "medical",
              "excise_alcohol", "excise_tobacco")

# (SKU prefix, what it is, category, EUR price low, EUR price high, variant codes)
CATALOG = (
    ("PHC", "phone case", "general", 1.5, 6, ("IP15-BLK", "IP16P-CLR", "S24-BLU", "PX8-GRN")),
    ("SCRP", "tempered glass 3-pack", "general", 1.2, 5, ("IP15", "S24U", "A55")),
    ("USBC", "USB-C cable 2m", "general", 1.5, 7, ("2M-BLK", "1M-WHT", "3PK")),
    ("LED", "LED strip RGB", "general", 6, 25, ("5M-RGB", "10M-RGB", "20M-WIFI")),
    ("EARB", "wireless earbuds", "general", 9, 40, ("TWS-BLK", "TWS-WHT", "ANC-PRO")),
    ("SWAT", "smartwatch", "general", 18, 70, ("GT4-BLK", "AMOLED-46", "KIDS-4G")),
    ("PBNK", "power bank 20000mAh", "general", 12, 35, ("20K-PD", "10K-MAG")),
    ("SPKR", "bluetooth speaker", "general", 10, 45, ("MINI", "IPX7-RED")),
    ("TOY", "building blocks set", "general", 5, 40, ("CITY-1280", "TECH-660", "CASTLE")),
    ("RCC", "RC stunt car", "general", 15, 60, ("4WD-BLU", "2.4G-RED")),
    ("DRN", "camera drone 4K", "general", 120, 380, ("4K-GPS", "MINI-3")),
    ("DRS", "summer dress", "general", 12, 35, ("FLR-M", "BOHO-L", "MIDI-S")),
    ("SNK", "running sneakers", "general", 18, 55, ("42-WHT", "38-PNK", "44-BLK")),
    ("BAG", "laptop backpack", "general", 10, 35, ("15IN-GRY", "USB-BLK")),
    ("WTC", "quartz watch", "general", 8, 45, ("STL-SLV", "LTH-BRN")),
    ("NAIL", "gel nail kit", "general", 6, 30, ("UV48W", "24CLR")),
    ("WIG", "lace front wig", "general", 25, 120, ("22IN-BRN", "18IN-BLK")),
    ("FSH", "spinning fishing reel", "general", 12, 60, ("3000-SW", "5000")),
    ("BKL", "bike light set", "general", 5, 20, ("USB-1200LM",)),
    ("P3D", "3D printer", "general", 180, 420, ("FDM-220", "RESIN-8K")),
    ("RVAC", "robot vacuum", "general", 140, 320, ("LIDAR-2", "MOP-X")),
    ("TAB", "10-inch tablet", "general", 90, 230, ("128G-GRY", "64G-BLU")),
    ("KBD", "mechanical keyboard", "general", 25, 90, ("TKL-RED", "75-BRN")),
    ("TENT", "camping tent 2p", "general", 30, 110, ("2P-GRN", "4P-UL")),
    ("HAIR", "hair clipper", "general", 9, 35, ("PRO-T9",)),
    ("CAM", "security camera", "general", 15, 50, ("2K-WIFI", "PTZ-4MP")),
    ("MUG", "ceramic mug set", "general", 6, 20, ("4PC-MATTE",)),
    ("SCK", "socks 5 pairs", "general", 3, 9, ("39-42", "43-46")),
    ("LPT", "14-inch laptop", "general", 380, 900, ("I5-16G", "R7-32G")),
    ("ESCT", "electric scooter", "general", 280, 620, ("350W-10IN", "500W-DUAL")),
    ("EBK", "folding e-bike", "general", 700, 1400, ("20IN-250W", "26IN-48V")),
    ("MON", "27-inch gaming monitor", "general", 180, 450, ("27Q-165", "32C-4K")),
    ("BK", "paperback novel", "books", 7, 18, ("EN-PB", "DE-PB", "FR-PB", "ES-PB")),
    ("BKC", "children's picture book", "books", 5, 14, ("HB-EN", "BOARD")),
    ("BKT", "textbook", "books", 25, 70, ("ENG-B2", "CALC-3E")),
    ("TEA", "green tea 250g", "food", 5, 18, ("LONGJ-250", "SENCHA-100")),
    ("GOJI", "dried goji berries 500g", "food", 6, 15, ("500G",)),
    ("NDL", "instant noodles 10-pack", "food", 6, 16, ("SPICY-10", "BEEF-10")),
    ("SPC", "Sichuan pepper 100g", "food", 3, 9, ("100G",)),
    ("COF", "coffee beans 1kg", "food", 14, 30, ("YUNNAN-1K",)),
    ("KTS", "kids T-shirt", "childrens_clothing", 3, 10, ("110-DINO", "128-STAR")),
    ("BRMP", "baby romper", "childrens_clothing", 4, 12, ("6M-BEAR", "12M-STRP")),
    ("KSH", "children's shoes", "childrens_clothing", 9, 28, ("EU28-LED", "EU31-BLU")),
    ("KJKT", "kids winter jacket", "childrens_clothing", 15, 45, ("140-RED", "116-NVY")),
    ("OXI", "pulse oximeter", "medical", 8, 25, ("FINGER-OLED",)),
    ("BPM", "blood pressure monitor", "medical", 14, 40, ("ARM-LCD", "WRIST")),
    ("THRM", "digital thermometer", "medical", 3, 12, ("IR-FOREHEAD", "ORAL")),
    ("MASK", "FFP2 masks 50-pack", "medical", 6, 18, ("FFP2-50",)),
    ("FAK", "first aid kit", "medical", 8, 25, ("160PC",)),
    ("BJU", "baijiu 500ml", "excise_alcohol", 15, 60, ("FENJIU-500", "MOUTAI-500")),
    ("WSK", "whisky 700ml", "excise_alcohol", 25, 90, ("12Y-700",)),
    ("SAKE", "sake 720ml", "excise_alcohol", 12, 40, ("JUNMAI-720",)),
    ("CGR", "cigars 5-pack", "excise_tobacco", 12, 45, ("ROBUSTO-5",)),
    ("TBC", "pipe tobacco 50g", "excise_tobacco", 8, 20, ("VIRG-50",)),
)

# Category mix of ordinary consumer traffic (excise goods are added on purpose only).
CATEGORY_WEIGHTS = {"general": 76, "books": 7, "food": 4, "childrens_clothing": 8, "medical": 5}

OFFSETS = ("+01:00", "+02:00", "+00:00", "-05:00", "+08:00")
OFFSET_WEIGHTS = (30, 20, 15, 10, 25)

RECENT = (dt.date(2026, 10, 1), dt.date(2026, 11, 22))
HISTORIC = (dt.date(2021, 7, 1), dt.date(2026, 9, 30))

# --------------------------------------------------------------------------------------------
# Buyer VAT numbers. Each is checked with python-stdnum when the generator runs.
# --------------------------------------------------------------------------------------------

VAT_PREFIX = {"GR": "EL"}
"""VAT-number prefix of a member state when it differs from the ISO code."""

# (as the buyer typed it, destination). Real, published company numbers (the contract's own
# example DE136695976 and numbers from python-stdnum's test suite), in varied formats.
VALID_VAT_NUMBERS = (
    ("DE136695976", "DE"),
    ("811363057", "DE"),  # no prefix
    ("FR 40 303 265 045", "FR"),
    ("FR83404833048", "FR"),
    ("IT00743110157", "IT"),
    ("02087050155", "IT"),  # no prefix
    ("ESB58378431", "ES"),
    ("ES-A08074908", "ES"),
    ("NL806753742B01", "NL"),
    ("NL.8143.26.584.B.01", "NL"),  # dots
    ("PL 584-030-44-72", "PL"),
    ("5261025421", "PL"),  # no prefix
    ("BE 0402 918 402", "BE"),
    ("ATU64487479", "AT"),
    ("EL 094012834", "GR"),  # Greece uses EL
    ("DK 28107773", "DK"),
    ("SE556043606401", "SE"),
    ("CZ 25123891", "CZ"),
    ("PT 501 964 843", "PT"),
    ("IE 6388047V", "IE"),
)

# Well-formed numbers with a wrong check digit (each must raise InvalidChecksum).
INVALID_VAT_NUMBERS = (
    ("DE 125014855", "DE"),
    ("FR 04409414264", "FR"),
    ("IT 00743110158", "IT"),
    ("EL 094013834", "GR"),
    ("ATU46080904", "AT"),
    ("ESA48951310", "ES"),
)

# Valid numbers, but of another member state than the destination.
OTHER_MS_VAT_NUMBERS = (
    ("ATU13585627", "DE"),
    ("BE0403019261", "FR"),
    ("DE 811125440", "NL"),
)


def _with_prefix(number: str, country: str) -> tuple[str, bool]:
    """The number with a VAT prefix, and whether the buyer wrote one."""
    compact = re.sub(r"[\s.\-/:]", "", number).upper()
    prefixes = {VAT_PREFIX.get(cc, cc) for cc in EU27}
    if compact[:2] in prefixes:
        return compact, True
    return VAT_PREFIX.get(country, country) + compact, False


def verify_vat_numbers() -> None:
    """Fail loudly unless every VAT number in the batch is what its list says it is."""
    problems = []
    for number, dest in VALID_VAT_NUMBERS:
        full, _ = _with_prefix(number, dest)
        if not eu_vat.is_valid(full) or full[:2] != VAT_PREFIX.get(dest, dest):
            problems.append(f"{number!r} is not a valid VAT number of {dest}")
    for number, dest in OTHER_MS_VAT_NUMBERS:
        full, had_prefix = _with_prefix(number, dest)
        if not had_prefix or not eu_vat.is_valid(full) or full[:2] == VAT_PREFIX.get(dest, dest):
            problems.append(f"{number!r} is not a valid VAT number of a state other than {dest}")
    for number, dest in INVALID_VAT_NUMBERS:
        full, _ = _with_prefix(number, dest)
        try:
            eu_vat.validate(full)
        except InvalidChecksum:
            continue
        except ValidationError as exc:
            problems.append(f"{number!r} fails for another reason than its checksum: {exc}")
            continue
        problems.append(f"{number!r} passes stdnum but is listed as invalid")
    if problems:
        raise SystemExit("VAT number check failed:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


class Gen:
    """All random choices go through one ``random.Random(2026)``, in a fixed order."""

    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.sellers = self._make_sellers()
        self.buyers_by_country: dict[str, list[str]] = {}
        self.used_buyer_ids: set[str] = set()

    # -- parties ------------------------------------------------------------------------------

    def _make_sellers(self) -> dict[str, list[dict]]:
        rng = self.rng
        counts = {"CN": 14, "HK": 3, "US": 3, "TR": 2, "GB": 2, "DE": 2, "PL": 2}
        sellers: dict[str, list[dict]] = {}
        used: set[str] = set()
        for country, n in counts.items():
            sellers[country] = []
            while len(sellers[country]) < n:
                sid = f"S-{rng.randint(1000000, 2999999)}"
                if sid not in used:
                    used.add(sid)
                    sellers[country].append({"id": sid, "country": country})
        return sellers

    def seller(self, country: str) -> dict:
        return dict(self.rng.choice(self.sellers[country]))

    def buyer(self, country: str, repeat_ok: bool = True) -> dict:
        rng = self.rng
        known = self.buyers_by_country.setdefault(country, [])
        if repeat_ok and known and rng.random() < 0.12:
            return {"id": rng.choice(known)}
        while True:
            bid = f"B-{rng.randint(100000, 9999999)}"
            if bid not in self.used_buyer_ids:
                self.used_buyer_ids.add(bid)
                known.append(bid)
                return {"id": bid}

    def postcode(self, key: str) -> str:
        return self.rng.choice(POSTCODES[key])

    # -- time ---------------------------------------------------------------------------------

    def placed_at(self, period: str = "recent", *, date: dt.date | None = None,
                  hour: int | None = None, offset: str | None = None) -> str:
        rng = self.rng
        if date is None:
            lo, hi = RECENT if period == "recent" else HISTORIC
            date = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
        if hour is None:
            # Mostly daytime and evening, some night-owls (dates near midnight differ from UTC).
            hour = rng.choices(range(24), weights=[2, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6,
                                                   6, 6, 6, 6, 6, 6, 7, 8, 8, 7, 5, 3])[0]
        if offset is None:
            offset = rng.choices(OFFSETS, weights=OFFSET_WEIGHTS)[0]
        t = dt.time(hour, rng.randint(0, 59), rng.randint(0, 59))
        return f"{date.isoformat()}T{t.isoformat()}{offset}"

    def period(self, recent_share: float = 0.74) -> str:
        return "recent" if self.rng.random() < recent_share else "historic"

    # -- money --------------------------------------------------------------------------------

    def nice_price(self, eur: float, currency: str) -> Decimal:
        """A shop-like price (3.99, 24.90, 349.00, 4990.00, 1980) near ``eur`` in ``currency``."""
        rng = self.rng
        v = eur * APPROX_PER_EUR[currency]
        if currency in ("JPY", "HUF"):
            if v >= 1000:
                p = math.ceil(v / 100) * 100 - (20 if currency == "JPY" else 10)
            else:
                p = max(98, math.ceil(v / 10) * 10 - (2 if currency == "JPY" else 1))
            return Decimal(p)
        if currency in ("CZK", "SEK", "NOK", "DKK", "CNY"):
            whole = max(9, math.ceil(v))
            ending = rng.choice(("9", "9.90", "0", "5"))
            if ending in ("9", "9.90"):
                whole = whole - whole % 10 + 9
                return Decimal(str(whole - 9)) + Decimal(ending)
            if ending == "5":
                return Decimal(whole - whole % 5 + 5)
            return Decimal(whole)
        whole = math.floor(v)
        cents = rng.choice(("0.99", "0.90", "0.50", "0.00", "0.49", "0.95", "0.99", "0.90"))
        p = Decimal(whole) + Decimal(cents)
        return p if p >= Decimal("0.49") else Decimal("0.99")

    def shipping(self, currency: str, free_share: float = 0.42) -> Decimal:
        rng = self.rng
        if rng.random() < free_share:
            return Decimal(0)
        eur = rng.choice((1.99, 2.99, 3.50, 4.99, 5.00, 6.99, 7.50, 9.99, 12.00, 14.99))
        if currency == "JPY":
            return Decimal(rng.choice((300, 500, 800, 1200, 1500, 2000)))
        if currency == "EUR":
            return Decimal(str(eur)).quantize(Decimal("0.01"))
        return self.nice_price(min(eur, 13.5), currency)

    # -- lines --------------------------------------------------------------------------------

    def product(self, category: str, *, min_eur: float = 0, max_eur: float = 1e9) -> tuple:
        candidates = [p for p in CATALOG if p[2] == category and p[4] > min_eur and p[3] < max_eur]
        return self.rng.choice(candidates)

    def line(self, currency: str, category: str, *, min_eur: float = 0, max_eur: float = 1e9,
             quantity: int | None = None, wholesale: bool = False) -> dict:
        rng = self.rng
        prefix, _name, cat, lo, hi, variants = self.product(category, min_eur=min_eur,
                                                            max_eur=max_eur)
        eur = rng.uniform(max(lo, min_eur), min(hi, max_eur))
        price = self.nice_price(eur, currency)
        if quantity is None:
            if wholesale:
                bulk = (10, 12, 20, 24, 30, 50, 100) if eur < 15 else (2, 3, 5, 10)
                quantity = rng.choice(bulk)
            elif eur < 8:
                quantity = rng.choices((1, 2, 3, 4, 5), weights=(45, 25, 15, 8, 7))[0]
            elif eur < 40:
                quantity = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
            else:
                quantity = 1
        sku = f"{prefix}-{rng.randint(1000, 9999)}-{rng.choice(variants)}"
        return {"sku": sku, "quantity": quantity, "unit_price": price, "category": cat}

    def lines(self, currency: str, *, n: int | None = None, above: float | None = None,
              below: float | None = None, limit_currency: str = "EUR", per_item: bool = False,
              categories: dict | None = None, force: list[tuple] = (), wholesale: bool = False,
              max_item_eur: float | None = None) -> list[dict]:
        """1 to 5 lines; ``below``/``above`` keep the goods value (or, with ``per_item``, the
        dearest unit) clear of a limit stated in ``limit_currency``. ``force`` lines come first
        (before shuffling); the others are drawn from ``categories``, each unit at most
        ``max_item_eur``."""
        rng = self.rng
        weights = categories or CATEGORY_WEIGHTS
        if max_item_eur is None:
            max_item_eur = below * 0.85 / APPROX_PER_EUR[limit_currency] if below else 1e9
        for _attempt in range(2000):
            count = n or rng.choices((1, 2, 3, 4, 5), weights=(46, 25, 15, 9, 5))[0]
            out: list[dict] = []
            for spec in force:
                cat, kwargs = spec
                out.append(self.line(currency, cat, wholesale=wholesale, **kwargs))
            while len(out) < count:
                cat = rng.choices(list(weights), weights=list(weights.values()))[0]
                out.append(self.line(currency, cat, wholesale=wholesale, max_eur=max_item_eur))
            if len({ln["sku"] for ln in out}) != len(out):
                continue
            if per_item:
                metric = max(ln["unit_price"] for ln in out)
            else:
                metric = sum(ln["unit_price"] * ln["quantity"] for ln in out)
            metric_lim = float(metric) / APPROX_PER_EUR[currency] * APPROX_PER_EUR[limit_currency]
            if below is not None and metric_lim > below * 0.92:
                continue
            if above is not None and metric_lim < above * 1.08:
                continue
            rng.shuffle(out)
            return out
        raise SystemExit(f"could not build lines in {currency} (above={above}, below={below})")

    # -- currency choice ----------------------------------------------------------------------

    def eu_currency(self, dest: str) -> str:
        rng = self.rng
        options = {"EUR": 56, "USD": 26, "CNY": 3, "GBP": 3, "JPY": 2}
        if dest in LOCAL_CURRENCY:
            options = {"EUR": 25, "USD": 25, LOCAL_CURRENCY[dest]: 40, "CNY": 3, "GBP": 3, "JPY": 2}
        return rng.choices(list(options), weights=list(options.values()))[0]


def money(amount: Decimal, currency: str) -> str:
    """A decimal string with exactly the currency's minor units ("12.50", JPY "1980")."""
    places = MINOR_UNITS.get(currency, 2)
    return str(amount.quantize(Decimal(1).scaleb(-places)))


def order(gen: Gen, group: str, *, placed_at: str, currency: str, seller: dict, ship_from: str,
          country: str, postal_code: str, buyer: dict, lines: list[dict],
          shipping: Decimal | None, channel: str | None = "online",
          prices_include_vat: bool | None = None) -> dict:
    """One order in the contract's field order; ``group`` is kept aside for the summary only."""
    o: dict = {"order_id": None, "placed_at": placed_at}
    if channel is not None:
        o["channel"] = channel
    o["currency"] = currency
    o["seller"] = seller
    o["ship_from"] = ship_from
    o["ship_to"] = {"country": country, "postal_code": postal_code}
    o["buyer"] = buyer
    o["lines"] = [
        {"sku": ln["sku"], "quantity": ln["quantity"],
         "unit_price": money(ln["unit_price"], currency), "category": ln["category"]}
        for ln in lines
    ]
    if shipping is not None:
        o["shipping"] = money(shipping, currency)
    if prices_include_vat is not None:
        o["prices_include_vat"] = prices_include_vat
    return {"group": group, "order": o}


# --------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------

def import_origin(gen: Gen) -> tuple[dict, str]:
    """Seller and dispatch country of an import into the EU (CN/HK/US/TR/GB; a few EU sellers
    importing from their Chinese suppliers)."""
    rng = gen.rng
    kind = rng.choices(("CN", "CN-HK", "HK", "US", "TR", "GB", "EU-CN"),
                       weights=(58, 6, 10, 9, 6, 6, 5))[0]
    if kind == "CN":
        return gen.seller("CN"), "CN"
    if kind == "CN-HK":
        return gen.seller("CN"), "HK"
    if kind == "EU-CN":
        return gen.seller(rng.choice(("DE", "PL"))), "CN"
    return gen.seller(kind), kind


def eu_imports(gen: Gen, count: int) -> list[dict]:
    """B2C imports into the 27 member states: most <= EUR 150, some above, a few excise."""
    rng = gen.rng
    dests = list(EU27) + rng.choices(list(EU_WEIGHTS), weights=list(EU_WEIGHTS.values()),
                                     k=count - len(EU27))
    rng.shuffle(dests)
    idx = list(range(count))
    specials = rng.sample(idx, 23)
    high = set(specials[:18])                         # goods value well above EUR 150
    excise_cat = dict(zip(sorted(specials[18:]), ("excise_alcohol", "excise_tobacco",
                                                  "excise_alcohol", "excise_alcohol",
                                                  "excise_tobacco"), strict=True))
    excise = set(excise_cat)
    rest = [i for i in idx if i not in high and i not in excise]
    incl_vat = set(rng.sample(rest, 4))
    rest = [i for i in rest if i not in incl_vat]
    explicit_false = set(rng.sample(rest, 4))
    no_channel = set(rng.sample(rest, 14))
    no_shipping = set(rng.sample(rest, 5))            # free shipping, field left out
    local_left = {cc: 2 for cc in LOCAL_CURRENCY}     # at least two orders in each
    foreign = dict(zip(rng.sample(rest, 9), ("JPY", "CNY", "GBP") * 3, strict=True))
    out = []
    for i, dest in enumerate(dests):
        seller, ship_from = import_origin(gen)
        currency = gen.eu_currency(dest)
        if local_left.get(dest) and i not in incl_vat:
            local_left[dest] -= 1
            currency = LOCAL_CURRENCY[dest]
        elif i in foreign:
            currency = foreign[i]
        if i in high:
            lines = gen.lines(currency, above=150,
                              force=[("general", {"min_eur": 140, "max_eur": 480})])
        elif i in excise:
            force = [(excise_cat[i], {"quantity": rng.choice((1, 2))})]
            lines = gen.lines(currency, below=150, n=rng.choice((1, 2)), force=force)
        else:
            lines = gen.lines(currency, below=150)
        out.append(order(
            gen, "eu_import",
            placed_at=gen.placed_at(gen.period()),
            channel=None if i in no_channel else "online",
            currency=currency, seller=seller, ship_from=ship_from,
            country=dest, postal_code=gen.postcode(dest), buyer=gen.buyer(dest),
            lines=lines, shipping=None if i in no_shipping else gen.shipping(currency),
            prices_include_vat=True if i in incl_vat else (False if i in explicit_false else None),
        ))
    # Cases pinned on purpose (they replace the first plain orders to the same destination).
    pinned = [
        # Exactly EUR 150.00 of goods (+ shipping): "not exceeding EUR 150" still collects.
        dict(dest="DE", placed_at="2026-11-03T10:21:07+01:00", currency="EUR", lines=[
            {"sku": "WIG-4410-22IN-BRN", "quantity": 1, "unit_price": Decimal("119.00"),
             "category": "general"},
            {"sku": "NAIL-2087-UV48W", "quantity": 2, "unit_price": Decimal("15.50"),
             "category": "general"}], shipping=Decimal("8.00")),
        # EUR 150.01 of goods: one cent above the limit.
        dict(dest="FR", placed_at="2026-11-03T10:24:51+01:00", currency="EUR", lines=[
            {"sku": "TAB-7731-128G-GRY", "quantity": 1, "unit_price": Decimal("139.01"),
             "category": "general"},
            {"sku": "PHC-5512-S24-BLU", "quantity": 2, "unit_price": Decimal("5.50"),
             "category": "general"}], shipping=Decimal("0.00")),
        # Before the EU e-commerce package (1 July 2021): no IOSS yet.
        dict(dest="DE", placed_at="2021-06-18T10:12:44+02:00", currency="EUR", lines=None,
             shipping=None),
        dict(dest="FR", placed_at="2021-06-30T22:45:10+00:00", currency="USD", lines=None,
             shipping=None),
        # 00:20 on 1 July 2021 in +02:00 (still 30 June in UTC): the first day of the package.
        dict(dest="IT", placed_at="2021-07-01T00:20:33+02:00", currency="EUR", lines=None,
             shipping=None),
        # 23:50 on 30 September 2026 in -05:00 is 1 October in UTC: the local date counts.
        dict(dest="ES", placed_at="2026-09-30T23:50:02-05:00", currency="USD", lines=None,
             shipping=None),
    ]
    used = set()
    for spec in pinned:
        for k, item in enumerate(out):
            o = item["order"]
            if (k not in used and o["ship_to"]["country"] == spec["dest"]
                    and "prices_include_vat" not in o and k not in high and k not in excise
                    and o["seller"]["country"] == "CN" and o["ship_from"] == "CN"):
                used.add(k)
                currency = spec["currency"]
                lines = spec["lines"] or gen.lines(currency, below=150)
                ship = spec["shipping"] if spec["shipping"] is not None else gen.shipping(currency)
                out[k] = order(
                    gen, "eu_import", placed_at=spec["placed_at"], currency=currency,
                    seller=o["seller"], ship_from="CN", country=spec["dest"],
                    postal_code=o["ship_to"]["postal_code"], buyer=o["buyer"], lines=lines,
                    shipping=ship)
                break
        else:
            raise SystemExit(f"no order to pin {spec['placed_at']} on")
    return out


def eu_stocked(gen: Gen) -> list[dict]:
    """Goods already in an EU warehouse: non-EU sellers (OSS deemed supply) and EU sellers."""
    rng = gen.rng
    warehouses = ("DE", "DE", "PL", "PL", "NL", "CZ", "ES", "FR", "IT", "BE")
    plan = (["CN"] * 17) + (["HK"] * 2) + ["US"] + (["DE"] * 3) + (["PL"] * 2)
    high = set(rng.sample(range(len(plan)), 7))
    out = []
    for i, seller_country in enumerate(plan):
        seller = gen.seller(seller_country)
        if seller_country in ("DE", "PL"):
            ship_from = seller_country if rng.random() < 0.7 else rng.choice(("PL", "CZ", "DE"))
        else:
            ship_from = rng.choice(warehouses)
        if rng.random() < 0.4:
            dest = ship_from
        else:
            dest = rng.choices(list(EU_WEIGHTS), weights=list(EU_WEIGHTS.values()))[0]
        currency = rng.choices(("EUR", "USD", LOCAL_CURRENCY.get(dest, "EUR")),
                               weights=(60, 20, 20))[0]
        if i in high:
            lines = gen.lines(currency, above=150,
                              force=[("general", {"min_eur": 140, "max_eur": 480})])
        else:
            lines = gen.lines(currency, below=150)
        out.append(order(
            gen, "eu_stocked", placed_at=gen.placed_at(gen.period(0.8)), currency=currency,
            seller=seller, ship_from=ship_from, country=dest, postal_code=gen.postcode(dest),
            buyer=gen.buyer(dest), lines=lines, shipping=gen.shipping(currency, 0.5)))
    return out


def b2b(gen: Gen) -> list[dict]:
    """Business buyers: valid numbers of the destination, bad checksums, other member states."""
    rng = gen.rng
    out = []
    specs = ([("b2b_valid", n, d) for n, d in VALID_VAT_NUMBERS]
             + [("b2b_invalid", n, d) for n, d in INVALID_VAT_NUMBERS]
             + [("b2b_other_state", n, d) for n, d in OTHER_MS_VAT_NUMBERS])
    valid_idx = [i for i, s in enumerate(specs) if s[0] == "b2b_valid"]
    high = set(rng.sample(valid_idx, 4))
    stocked = set(rng.sample([i for i in valid_idx if i not in high], 2))
    for i, (group, number, dest) in enumerate(specs):
        if i in stocked:
            seller, ship_from = gen.seller("CN"), rng.choice(("DE", "PL", "NL"))
        else:
            seller, ship_from = gen.seller(rng.choice(("CN", "CN", "CN", "HK"))), "CN"
            if seller["country"] == "HK":
                ship_from = "HK"
        currency = rng.choices(("EUR", "USD", LOCAL_CURRENCY.get(dest, "EUR")),
                               weights=(50, 35, 15))[0]
        cats = {"general": 90, "medical": 5, "childrens_clothing": 5}
        if i in high:
            lines = gen.lines(currency, above=150, categories=cats, wholesale=True,
                              max_item_eur=40)
        else:
            lines = gen.lines(currency, below=150, categories=cats, n=rng.choice((1, 1, 2, 3)))
        buyer = gen.buyer(dest, repeat_ok=False)
        buyer["vat_number"] = number
        out.append(order(
            gen, group, placed_at=gen.placed_at(gen.period(0.8)), currency=currency,
            seller=seller, ship_from=ship_from, country=dest, postal_code=gen.postcode(dest),
            buyer=buyer, lines=lines, shipping=gen.shipping(currency, 0.3)))
    return out


def exemptions(gen: Gen) -> list[dict]:
    """Buyers with an exemption voucher (charities, diplomatic missions, schools)."""
    rng = gen.rng
    D = dt.date
    # (destination, voucher country, valid_from, valid_to, placed date, group)
    specs = (
        ("DE", "DE", D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 4), "exemption_valid"),
        ("FR", "FR", D(2026, 3, 1), D(2027, 2, 28), D(2026, 10, 14), "exemption_valid"),
        ("IT", "IT", D(2025, 7, 1), D(2026, 6, 30), D(2026, 2, 17), "exemption_valid"),
        # placed on the voucher's last day, then on its first day (both dates count as inside)
        ("NL", "NL", D(2026, 1, 1), D(2026, 11, 12), D(2026, 11, 12), "exemption_valid"),
        ("ES", "ES", D(2026, 10, 20), D(2027, 10, 19), D(2026, 10, 20), "exemption_valid"),
        ("BE", "BE", D(2024, 1, 1), D(2026, 12, 31), D(2026, 11, 18), "exemption_valid"),
        ("PL", "PL", D(2026, 4, 1), D(2027, 3, 31), D(2026, 10, 29), "exemption_valid"),
        ("DE", "DE", D(2025, 1, 1), D(2025, 12, 31), D(2026, 10, 9), "exemption_expired"),
        ("AT", "AT", D(2024, 9, 1), D(2026, 8, 31), D(2026, 11, 2), "exemption_expired"),
        ("AT", "DE", D(2026, 1, 1), D(2026, 12, 31), D(2026, 11, 6), "exemption_other_country"),
    )
    out = []
    for dest, cc, vfrom, vto, placed, group in specs:
        currency = rng.choice(("EUR", "EUR", "USD"))
        buyer = gen.buyer(dest, repeat_ok=False)
        buyer["exemption"] = {
            "certificate_id": f"EX-{cc}-{vfrom.year}-{rng.randint(1, 9999):04d}",
            "country": cc,
            "valid_from": vfrom.isoformat(),
            "valid_to": vto.isoformat(),
        }
        cats = {"general": 50, "medical": 30, "books": 20}
        out.append(order(
            gen, group, placed_at=gen.placed_at(date=placed, hour=rng.randint(9, 17),
                                                offset=rng.choice(("+01:00", "+02:00"))),
            currency=currency, seller=gen.seller("CN"), ship_from="CN", country=dest,
            postal_code=gen.postcode(dest), buyer=buyer,
            lines=gen.lines(currency, below=150, categories=cats), shipping=gen.shipping(currency)))
    return out


def special_territories(gen: Gen) -> list[dict]:
    """Addresses whose postal code puts them outside (or, for MC/Azores/Madeira, inside) EU VAT."""
    rng = gen.rng
    specs = (
        ("ES", "35001", "special_outside"),     # Canary Islands, Las Palmas
        ("ES", "38001", "special_outside"),     # Canary Islands, Santa Cruz de Tenerife
        ("ES", "51001", "special_outside"),     # Ceuta
        ("ES", "52001", "special_outside"),     # Melilla
        ("FI", "22100", "special_outside"),     # Åland, Mariehamn
        ("GR", "63086", "special_outside"),     # Mount Athos, Karyes
        ("DE", "78266", "special_outside"),     # Büsingen am Hochrhein
        ("DE", "27498", "special_outside"),     # Heligoland
        ("IT", "23041", "special_outside"),     # Livigno
        ("IT", "22061", "special_outside"),     # Campione d'Italia
        ("FR", "97400", "special_outside"),     # Réunion, Saint-Denis
        ("FR", "97110", "special_outside"),     # Guadeloupe, Pointe-à-Pitre
        ("FR", "97200", "special_outside"),     # Martinique, Fort-de-France
        ("MC", "98000", "special_taxed"),       # Monaco: taxed as France
        ("PT", "9500-150", "special_taxed"),    # Azores, Ponta Delgada: in EU VAT
        ("PT", "9000-018", "special_taxed"),    # Madeira, Funchal: in EU VAT
    )
    out = []
    for country, postal, group in specs:
        currency = rng.choice(("EUR", "EUR", "EUR", "USD"))
        seller, ship_from = import_origin(gen)
        out.append(order(
            gen, group, placed_at=gen.placed_at(gen.period(0.85)), currency=currency,
            seller=seller, ship_from=ship_from, country=country, postal_code=postal,
            buyer=gen.buyer(country), lines=gen.lines(currency, below=150),
            shipping=gen.shipping(currency)))
    return out


def offline(gen: Gen) -> list[dict]:
    """Orders paid outside the platform (bank transfer, T/T): the platform never collects."""
    rng = gen.rng
    dests = ("DE", "FR", "IT", "ES", "NL", "PL", "CZ", "SE")
    out = []
    for k, dest in enumerate(dests):
        currency = rng.choice(("USD", "USD", "EUR"))
        wholesale = k % 2 == 0
        lines = (gen.lines(currency, above=150, wholesale=True, max_item_eur=40) if wholesale
                 else gen.lines(currency, below=150))
        out.append(order(
            gen, "offline", placed_at=gen.placed_at(gen.period(0.8)), channel="offline",
            currency=currency, seller=gen.seller(rng.choice(("CN", "CN", "HK"))), ship_from="CN",
            country=dest, postal_code=gen.postcode(dest), buyer=gen.buyer(dest), lines=lines,
            shipping=gen.shipping(currency, 0.3)))
    return out


def non_eu(gen: Gen) -> list[dict]:
    """GB, NO, CH, AU, NZ, SG, MY (regimes being added) and US/CA/BR (no platform regime)."""
    rng = gen.rng
    out = []

    def add(group, country, currency, lines, *, postal=None, seller=None, ship_from="CN",
            period=None, placed_at=None, incl=None):
        if seller is None:
            seller = gen.seller(rng.choice(("CN", "CN", "CN", "HK")))
            if seller["country"] == "HK":
                ship_from = "HK"
        out.append(order(
            gen, group, placed_at=placed_at or gen.placed_at(period or gen.period(0.85)),
            currency=currency, seller=seller, ship_from=ship_from, country=country,
            postal_code=postal or gen.postcode(country), buyer=gen.buyer(country), lines=lines,
            shipping=gen.shipping(currency), prices_include_vat=incl))

    # United Kingdom: GBP 135 per consignment; Northern Ireland (BT) follows other rules.
    for _ in range(3):
        add("non_eu_gb", "GB", "GBP", gen.lines("GBP", below=135, limit_currency="GBP"))
    add("non_eu_gb", "GB", "GBP", gen.lines("GBP", below=135, limit_currency="GBP"), incl=True)
    add("non_eu_gb", "GB", "GBP", gen.lines("GBP", n=2, below=135, limit_currency="GBP",
                                             force=[("excise_alcohol", {"quantity": 1})]))
    for _ in range(2):
        add("non_eu_gb", "GB", "GBP", gen.lines("GBP", above=135, limit_currency="GBP",
                                                 force=[("general", {"min_eur": 120})]))
    add("non_eu_gb", "GB", "GBP", gen.lines("GBP", above=135, limit_currency="GBP",
                                             force=[("general", {"min_eur": 120})]),
        seller=gen.seller("CN"), ship_from="GB")          # UK warehouse, overseas seller
    add("non_eu_gb", "GB", "GBP", gen.lines("GBP", below=135, limit_currency="GBP"),
        seller=gen.seller("GB"), ship_from="GB")          # UK seller, UK stock
    for postal in POSTCODES["GB-NIR"]:
        add("non_eu_gb_ni", "GB", "GBP", gen.lines("GBP", below=135, limit_currency="GBP"),
            postal=postal)

    # Norway: NOK 3,000 per item.
    for _ in range(2):
        add("non_eu_no", "NO", "NOK", gen.lines("NOK", below=3000, limit_currency="NOK",
                                                 per_item=True))
    # Consignment above NOK 3,000, every item below it.
    add("non_eu_no", "NO", "NOK", gen.lines("NOK", n=4, above=3000, limit_currency="NOK",
                                             max_item_eur=220))
    add("non_eu_no", "NO", "NOK", gen.lines("NOK", n=2, below=3000, limit_currency="NOK",
                                             per_item=True, categories={"books": 1}))
    add("non_eu_no", "NO", "NOK", gen.lines("NOK", n=1, categories={"food": 1}))
    add("non_eu_no", "NO", "NOK", gen.lines("NOK", n=1, above=3000, limit_currency="NOK",
                                             per_item=True, force=[("general", {"min_eur": 290})]))
    add("non_eu_no", "NO", "NOK", gen.lines("NOK", n=3, above=3000, limit_currency="NOK",
                                             per_item=True, force=[("general", {"min_eur": 290})]))

    # Switzerland: platform rule from 1 January 2025 (one order from 2024, before it).
    for _ in range(4):
        add("non_eu_ch", "CH", "CHF", gen.lines("CHF", below=150, limit_currency="CHF"))
    add("non_eu_ch", "CH", "CHF", gen.lines("CHF", n=1, above=300, limit_currency="CHF",
                                             force=[("general", {"min_eur": 380})]))
    add("non_eu_ch", "CH", "CHF", gen.lines("CHF", below=150, limit_currency="CHF"),
        placed_at=gen.placed_at(date=dt.date(2024, 9, 12), offset="+02:00"))

    # Australia: A$1,000 customs value; tobacco and alcohol excluded.
    for _ in range(3):
        add("non_eu_au", "AU", "AUD", gen.lines("AUD", below=1000, limit_currency="AUD"))
    add("non_eu_au", "AU", "AUD", gen.lines("AUD", below=1000, limit_currency="AUD"), incl=True)
    add("non_eu_au", "AU", "AUD", gen.lines("AUD", n=3, above=1000, per_item=False,
                                             limit_currency="AUD",
                                             force=[("general", {"min_eur": 380, "max_eur": 560}),
                                                    ("general", {"min_eur": 180, "max_eur": 560})],
                                             max_item_eur=300))
    add("non_eu_au", "AU", "AUD", gen.lines("AUD", n=2, below=1000, limit_currency="AUD",
                                             force=[("excise_tobacco", {"quantity": 2})]))

    # New Zealand: NZ$1,000 per item.
    for _ in range(2):
        add("non_eu_nz", "NZ", "NZD", gen.lines("NZD", below=1000, limit_currency="NZD",
                                                 per_item=True))
    add("non_eu_nz", "NZ", "NZD", gen.lines("NZD", n=1, above=1000, limit_currency="NZD",
                                             per_item=True, force=[("general", {"min_eur": 620})]))
    add("non_eu_nz", "NZ", "NZD", gen.lines("NZD", n=3, above=1000, limit_currency="NZD",
                                             force=[("general", {"min_eur": 300, "max_eur": 500}),
                                                    ("general", {"min_eur": 250, "max_eur": 500})],
                                             max_item_eur=300))

    # Singapore: S$400 per item, from 1 January 2023 (one order from 2022, before it).
    for _ in range(2):
        add("non_eu_sg", "SG", "SGD", gen.lines("SGD", below=400, limit_currency="SGD",
                                                 per_item=True))
    add("non_eu_sg", "SG", "SGD", gen.lines("SGD", n=1, above=400, limit_currency="SGD",
                                             per_item=True, force=[("general", {"min_eur": 380})]))
    add("non_eu_sg", "SG", "SGD", gen.lines("SGD", below=400, limit_currency="SGD",
                                             per_item=True),
        placed_at=gen.placed_at(date=dt.date(2022, 11, 11), offset="+08:00"))

    # Malaysia: RM500 low-value goods, charged from 1 January 2024.
    for _ in range(2):
        add("non_eu_my", "MY", "MYR", gen.lines("MYR", below=500, limit_currency="MYR",
                                                 per_item=True), period="recent")
    add("non_eu_my", "MY", "MYR", gen.lines("MYR", n=1, above=500, limit_currency="MYR",
                                             per_item=True, force=[("general", {"min_eur": 130})]),
        period="recent")

    # Destinations without a platform-collection regime for imports.
    for postal in POSTCODES["US"]:
        add("non_eu_other", "US", "USD", gen.lines("USD", below=150), postal=postal)
    add("non_eu_other", "CA", "CAD", gen.lines("CAD", below=150, limit_currency="CAD"))
    add("non_eu_other", "BR", "BRL", gen.lines("BRL", below=150))
    return out


# --------------------------------------------------------------------------------------------
# Contract check (independent of the engine, which is written in parallel)
# --------------------------------------------------------------------------------------------

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def check(o: dict) -> list[str]:
    """Everything the contract (v1) promises about an order; returns the problems found."""
    p = []
    allowed = {"order_id", "placed_at", "channel", "currency", "seller", "ship_from", "ship_to",
               "buyer", "lines", "shipping", "prices_include_vat"}
    p += [f"unknown field {k}" for k in o if k not in allowed]
    oid = o.get("order_id")
    if not (isinstance(oid, str) and 1 <= len(oid) <= 64 and oid.isprintable()):
        p.append("order_id")
    try:
        placed = dt.datetime.fromisoformat(o["placed_at"])
        if placed.tzinfo is None or o["placed_at"][-6:] not in OFFSETS:
            p.append("placed_at offset")
        if not (dt.date(2021, 1, 1) <= placed.date() <= RECENT[1]):
            p.append("placed_at range")
    except (KeyError, ValueError):
        p.append("placed_at")
    if o.get("channel", "online") not in ("online", "offline"):
        p.append("channel")
    cur = o.get("currency")
    if cur not in ECB_CURRENCIES and cur != "EUR":
        p.append("currency")
    places = MINOR_UNITS.get(cur, 2)
    amount = re.compile(r"^\d+$" if places == 0 else rf"^\d+\.\d{{{places}}}$")
    seller = o.get("seller", {})
    if set(seller) != {"id", "country"} or not _COUNTRY.match(seller.get("country", "")):
        p.append("seller")
    if not _COUNTRY.match(o.get("ship_from", "")):
        p.append("ship_from")
    ship_to = o.get("ship_to", {})
    if set(ship_to) != {"country", "postal_code"} or not _COUNTRY.match(ship_to["country"]):
        p.append("ship_to")
    buyer = o.get("buyer", {})
    if not buyer.get("id") or set(buyer) - {"id", "vat_number", "exemption"}:
        p.append("buyer")
    ex = buyer.get("exemption")
    if ex is not None:
        if set(ex) != {"certificate_id", "country", "valid_from", "valid_to"}:
            p.append("buyer.exemption fields")
        elif dt.date.fromisoformat(ex["valid_from"]) > dt.date.fromisoformat(ex["valid_to"]):
            p.append("buyer.exemption dates")
    lines = o.get("lines", [])
    if not 1 <= len(lines) <= 5:
        p.append("lines count")
    if len({ln.get("sku") for ln in lines}) != len(lines):
        p.append("lines sku unique")
    for k, ln in enumerate(lines):
        if set(ln) != {"sku", "quantity", "unit_price", "category"}:
            p.append(f"lines.{k} fields")
            continue
        if not (type(ln["quantity"]) is int and ln["quantity"] >= 1):
            p.append(f"lines.{k}.quantity")
        if not (isinstance(ln["unit_price"], str) and amount.match(ln["unit_price"])
                and Decimal(ln["unit_price"]) > 0):
            p.append(f"lines.{k}.unit_price")
        if ln["category"] not in CATEGORIES:
            p.append(f"lines.{k}.category")
    if "shipping" in o and not (isinstance(o["shipping"], str) and amount.match(o["shipping"])):
        p.append("shipping")
    if "prices_include_vat" in o and not isinstance(o["prices_include_vat"], bool):
        p.append("prices_include_vat")
    return p


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

GROUP_TITLES = {
    "eu_import": "EU imports, B2C (CN/HK/US/TR/GB -> EU-27)",
    "eu_stocked": "EU-stocked goods (EU warehouse; non-EU and EU sellers)",
    "b2b_valid": "B2B, valid VAT number of the destination",
    "b2b_invalid": "B2B, VAT number with a bad checksum",
    "b2b_other_state": "B2B, valid VAT number of another member state",
    "exemption_valid": "exemption voucher, valid for destination and date",
    "exemption_expired": "exemption voucher, expired",
    "exemption_other_country": "exemption voucher, for another country",
    "special_outside": "special territory outside EU VAT",
    "special_taxed": "special territory inside EU VAT (MC as FR, Azores, Madeira)",
    "offline": "offline payment",
    "non_eu_gb": "GB (Great Britain)",
    "non_eu_gb_ni": "GB (Northern Ireland, BT postcodes)",
    "non_eu_no": "NO",
    "non_eu_ch": "CH",
    "non_eu_au": "AU",
    "non_eu_nz": "NZ",
    "non_eu_sg": "SG",
    "non_eu_my": "MY",
    "non_eu_other": "US / CA / BR (no platform regime)",
}


def build() -> list[dict]:
    verify_vat_numbers()
    gen = Gen()
    items = (eu_stocked(gen) + b2b(gen) + exemptions(gen) + special_territories(gen)
             + offline(gen) + non_eu(gen))
    items = eu_imports(gen, TOTAL - len(items)) + items

    # The export lists orders in the order the payments were accepted; order numbers rise
    # with time within each year (with gaps: other orders of the platform in between).
    def instant(item):
        return dt.datetime.fromisoformat(item["order"]["placed_at"]).astimezone(dt.UTC)

    items.sort(key=instant)
    counters: dict[str, int] = {}
    for item in items:
        year = item["order"]["placed_at"][:4]
        if year not in counters:
            counters[year] = gen.rng.randint(1000, 9000)
        counters[year] += gen.rng.randint(1, 2400)
        item["order"]["order_id"] = f"AE-{year}-{counters[year]:06d}"
    return items


def summary(items: list[dict]) -> str:
    orders = [it["order"] for it in items]
    groups = Counter(it["group"] for it in items)
    lines = [f"{len(orders)} orders written to examples/orders.jsonl", "", "By group:"]
    for key, title in GROUP_TITLES.items():
        lines.append(f"  {groups.get(key, 0):4d}  {key:<24} {title}")

    def dates(o):
        d = o["placed_at"][:10]
        if d < "2021-07-01":
            return "before 2021-07-01"
        if d < "2026-10-01":
            return "2021-07-01 .. 2026-09-30"
        return "2026-10-01 .. 2026-11-22"

    def fmt(counter):
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        return ", ".join(f"{k} {v}" for k, v in ranked)

    eu_dest = Counter(o["ship_to"]["country"] for o in orders if o["ship_to"]["country"] in EU27)
    other_dest = Counter(o["ship_to"]["country"] for o in orders
                         if o["ship_to"]["country"] not in EU27)
    cats = Counter(ln["category"] for o in orders for ln in o["lines"])
    excise = sum(any(ln["category"].startswith("excise") for ln in o["lines"]) for o in orders)
    lines += [
        "",
        f"Placed: {fmt(Counter(dates(o) for o in orders))}",
        f"Offsets: {fmt(Counter(o['placed_at'][-6:] for o in orders))}",
        f"Currencies: {fmt(Counter(o['currency'] for o in orders))}",
        f"EU destinations ({len(eu_dest)} member states): {fmt(eu_dest)}",
        f"Other destinations: {fmt(other_dest)}",
        f"Ship from: {fmt(Counter(o['ship_from'] for o in orders))}",
        f"Seller established in: {fmt(Counter(o['seller']['country'] for o in orders))}",
        f"Line categories: {fmt(cats)}",
        f"Lines per order: {fmt(Counter(str(len(o['lines'])) for o in orders))}",
        f"Orders with excise goods: {excise}",
        f"channel: offline {sum(o.get('channel') == 'offline' for o in orders)}, "
        f"online {sum(o.get('channel') == 'online' for o in orders)}, "
        f"omitted (default online) {sum('channel' not in o for o in orders)}",
        f"prices_include_vat: true {sum(o.get('prices_include_vat') is True for o in orders)}, "
        f"false (explicit) {sum(o.get('prices_include_vat') is False for o in orders)}",
        f"shipping: free {sum(o.get('shipping') in ('0', '0.00') for o in orders)}, "
        f"charged {sum(o.get('shipping') not in (None, '0', '0.00') for o in orders)}, "
        f"omitted (default 0) {sum('shipping' not in o for o in orders)}",
        f"buyer.vat_number: {sum('vat_number' in o['buyer'] for o in orders)}, "
        f"buyer.exemption: {sum('exemption' in o['buyer'] for o in orders)}, "
        f"distinct buyers: {len({o['buyer']['id'] for o in orders})}",
    ]
    return "\n".join(lines)


def main() -> int:
    items = build()
    orders = [it["order"] for it in items]
    problems = [f"{o.get('order_id')}: {msg}" for o in orders for msg in check(o)]
    ids = Counter(o["order_id"] for o in orders)
    problems += [f"duplicate order_id {k}" for k, v in ids.items() if v > 1]
    if len(orders) != TOTAL:
        problems.append(f"{len(orders)} orders instead of {TOTAL}")
    missing = set(EU27) - {o["ship_to"]["country"] for o in orders}
    if missing:
        problems.append(f"no order to {sorted(missing)}")
    if problems:
        print("generated orders break the contract:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as fh:
        for o in orders:
            fh.write(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(summary(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
