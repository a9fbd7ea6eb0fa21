"""EU VAT rates (the data in ``rates/`` checked against the sources, through the engine).

Every expected rate below is typed in from the sources listed in ``rates/README.md``
("Sources and modelling decisions"), not read from the CSV, so a wrong or missing row fails
here. Each order is goods already in the destination member state sold by a non-EU seller:
the platform always collects (``EU_OSS``, ``DEEMED_SUPPLIER_LOCAL_STOCK``), in EUR, so no FX
and no threshold is involved, and for a unit price of 100.00 the VAT equals the rate.

For every modelled change there are two cases: the day before ``valid_from`` and
``valid_from`` itself (intervals are half-open, ``[valid_from, valid_to)``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from levy import Engine

ENGINE = Engine()

TODAY = "2026-11-02"

# (country, rate_percent) -- standard rate on TODAY; sources: mindlink.lv (rules.md S63) and the
# change sources below (EE 24, FI 25.5, RO 21, SK 23).
STANDARD_TODAY = [
    ("AT", "20"), ("BE", "21"), ("BG", "20"), ("CY", "19"), ("CZ", "21"), ("DE", "19"),
    ("DK", "25"), ("EE", "24"), ("ES", "21"), ("FI", "25.5"), ("FR", "20"), ("GR", "24"),
    ("HR", "25"), ("HU", "27"), ("IE", "23"), ("IT", "22"), ("LT", "21"), ("LU", "17"),
    ("LV", "21"), ("MT", "18"), ("NL", "21"), ("PL", "23"), ("PT", "23"), ("RO", "21"),
    ("SE", "25"), ("SI", "22"), ("SK", "23"),
]

# (country, category, first day of the new rate, rate the day before, rate from that day)
CHANGES = [
    # AT: COVID-19 5 % rate for publications ended 2021-12-31 (sovos; PwC AT).
    ("AT", "books", "2022-01-01", "5", "10"),
    # CY: new 3 % rate for books from 2023-07-21 (Meridian; Andersen).
    ("CY", "books", "2023-07-21", "5", "3"),
    # CZ: 15 % and 10 % merged into 12 %, books 0 %, 2024-01-01 (rules.md S69, S70).
    ("CZ", "books", "2024-01-01", "10", "0"),
    ("CZ", "food", "2024-01-01", "15", "12"),
    ("CZ", "medical", "2024-01-01", "10", "12"),
    # EE: 20 -> 22 % on 2024-01-01, 22 -> 24 % on 2025-07-01 (rules.md S74-S77).
    ("EE", "general", "2024-01-01", "20", "22"),
    ("EE", "general", "2025-07-01", "22", "24"),
    ("EE", "food", "2024-01-01", "20", "22"),
    ("EE", "food", "2025-07-01", "22", "24"),
    ("EE", "childrens_clothing", "2025-07-01", "22", "24"),
    # FI: 24 -> 25.5 % on 2024-09-01 (vero.fi, S78); 10 -> 14 % on 2025-01-01 for books and
    # medicines; 14 -> 13.5 % on 2026-01-01 (vatcalc; vatapi).
    ("FI", "general", "2024-09-01", "24", "25.5"),
    ("FI", "childrens_clothing", "2024-09-01", "24", "25.5"),
    ("FI", "books", "2025-01-01", "10", "14"),
    ("FI", "medical", "2025-01-01", "10", "14"),
    ("FI", "books", "2026-01-01", "14", "13.5"),
    ("FI", "medical", "2026-01-01", "14", "13.5"),
    ("FI", "food", "2026-01-01", "14", "13.5"),
    # LT: 9 % rate abolished, books to 5 %, 2026-01-01 (Law XV-287; rules.md S81, S82).
    ("LT", "books", "2026-01-01", "9", "5"),
    # LU: temporary 17 -> 16 % for 2023, restored 2024-01-01 (rules.md S84, S85).
    ("LU", "general", "2023-01-01", "17", "16"),
    ("LU", "general", "2024-01-01", "16", "17"),
    ("LU", "food", "2023-01-01", "3", "3"),  # the 3 % super-reduced rate did not change
    # LV: books 12 -> 5 % on 2022-01-01 (vatupdate / LSM).
    ("LV", "books", "2022-01-01", "12", "5"),
    # PL: food 5 -> 0 % on 2022-02-01, back to 5 % on 2024-04-01 (USDA FAS; vatcalc).
    ("PL", "food", "2022-02-01", "5", "0"),
    ("PL", "food", "2024-04-01", "0", "5"),
    # RO: 19 -> 21 %, 5 % and 9 % merged into 11 %, 2025-08-01 (Law 141/2025; rules.md S86-S88).
    ("RO", "general", "2025-08-01", "19", "21"),
    ("RO", "childrens_clothing", "2025-08-01", "19", "21"),
    ("RO", "books", "2025-08-01", "5", "11"),
    ("RO", "food", "2025-08-01", "9", "11"),
    ("RO", "medical", "2025-08-01", "9", "11"),
    # SK: 20 -> 23 %, 10 % abolished, new 19 %, 5 % widened, 2025-01-01 (rules.md S89-S91).
    ("SK", "general", "2025-01-01", "20", "23"),
    ("SK", "childrens_clothing", "2025-01-01", "20", "23"),
    ("SK", "books", "2025-01-01", "10", "5"),
    ("SK", "medical", "2025-01-01", "10", "5"),
    ("SK", "food", "2025-01-01", "20", "19"),
    # SE: food 12 -> 6 % from 2026-04-01 to 2027-12-31, then 12 % again (Prop. 2025/26:55).
    ("SE", "food", "2026-04-01", "12", "6"),
    ("SE", "food", "2028-01-01", "6", "12"),
    # staple_food: the national lowest food-rate list (rates/README.md, `staple_food`).
    # AT: 4.9 % list from 2026-07-01 (essentiaglobalservices; rules.md S65, S66).
    ("AT", "staple_food", "2026-07-01", "10", "4.9"),
    # ES: 4 % list zero-rated from 2023-01-01 (RDL 20/2022, extended by RDL 5/2023 and 8/2023)
    # to 2024-09-30, 2 % for 2024-10-01..2024-12-31 (RDL 4/2024), 4 % again from 2025-01-01.
    ("ES", "staple_food", "2023-01-01", "4", "0"),
    ("ES", "staple_food", "2024-10-01", "0", "2"),
    ("ES", "staple_food", "2025-01-01", "2", "4"),
    # PT: "IVA zero" basket (Lei 17/2023) from 2023-04-18, last day 2024-01-04 (auditor.pt).
    ("PT", "staple_food", "2023-04-18", "6", "0"),
    ("PT", "staple_food", "2024-01-05", "0", "6"),
    # BG: bread and flour 0 % from 2022-07-09 (MinFin instruction UK-2) to 2024-12-31 (BNT).
    ("BG", "staple_food", "2022-07-09", "20", "0"),
    ("BG", "staple_food", "2025-01-01", "0", "20"),
    # SK: basic food list 10 -> 5 % on 2025-01-01 (Crowe SK).
    ("SK", "staple_food", "2025-01-01", "10", "5"),
    # LV: fresh fruit, berries and vegetables 5 % to the end of 2023, 12 % from 2024 (agrobitenews).
    ("LV", "staple_food", "2024-01-01", "5", "12"),
    # HR: the 5 % list widened to meat, fish, eggs, fruit, vegetables on 2022-04-01; bread and
    # milk were already 5 % (vatcompliance.co; CMS), so the rate does not change.
    ("HR", "staple_food", "2022-04-01", "5", "5"),
    # No list below `food`: staple_food follows food (PL 0 % shield, SE cut, CZ and RO mergers).
    ("PL", "staple_food", "2022-02-01", "5", "0"),
    ("PL", "staple_food", "2024-04-01", "0", "5"),
    ("SE", "staple_food", "2026-04-01", "12", "6"),
    ("SE", "staple_food", "2028-01-01", "6", "12"),
    ("CZ", "staple_food", "2024-01-01", "15", "12"),
    ("RO", "staple_food", "2025-08-01", "9", "11"),
]

# (country, category, rate_percent) on TODAY -- reduced categories in a handful of states.
CATEGORIES_TODAY = [
    ("AT", "books", "10"), ("AT", "food", "10"), ("AT", "medical", "10"),
    ("BE", "food", "6"), ("BG", "books", "9"), ("CZ", "books", "0"),
    ("DE", "books", "7"), ("DE", "food", "7"), ("DE", "medical", "19"),
    ("DK", "books", "25"), ("ES", "books", "4"), ("ES", "food", "10"),
    ("FR", "books", "5.5"), ("FR", "food", "5.5"), ("FR", "medical", "10"),
    ("GR", "food", "13"), ("HR", "food", "25"), ("HU", "food", "27"),
    ("IE", "books", "0"), ("IE", "food", "0"), ("IE", "childrens_clothing", "0"),
    ("IT", "books", "4"), ("IT", "food", "10"), ("LU", "childrens_clothing", "3"),
    ("MT", "food", "0"), ("NL", "food", "9"), ("PL", "books", "5"), ("PL", "food", "5"),
    ("PT", "food", "6"), ("SE", "books", "6"), ("SE", "food", "6"), ("SE", "medical", "25"),
    ("SI", "food", "9.5"),
    # staple_food on TODAY: the lowest food-rate list where there is one (HU 5 % list, IT 4 %,
    # LV 12 %), else the food rate (CY's temporary 0 % baskets are not followed: README).
    ("AT", "staple_food", "4.9"), ("BG", "staple_food", "20"), ("CY", "staple_food", "5"),
    ("DE", "staple_food", "7"), ("ES", "staple_food", "4"), ("FR", "staple_food", "5.5"),
    ("HR", "staple_food", "5"), ("HU", "staple_food", "5"), ("IE", "staple_food", "0"),
    ("IT", "staple_food", "4"), ("LV", "staple_food", "12"), ("PT", "staple_food", "6"),
    ("SE", "staple_food", "6"), ("SK", "staple_food", "5"),
]

# (postal code, category, rate_percent) on TODAY for Portugal's autonomous regions: Azores
# 16/9/4 from 2021-07-01 (vatupdate); Madeira 22/12/5, reduced 5 -> 4 % from 2024-10-01
# (economias.pt; capitalizar.pt).
PT_REGIONS = [
    ("9500-150", "general", "16"),  # Ponta Delgada, Azores
    ("9700-011", "books", "4"),  # Angra do Heroismo, Azores
    ("9900 014", "food", "4"),  # Horta, Azores (space removed before matching)
    ("9000-001", "general", "22"),  # Funchal, Madeira
    ("9000001", "food", "4"),  # Funchal, Madeira, written without the hyphen
    ("9400-000", "medical", "4"),  # Porto Santo, Madeira
    ("1000-001", "general", "23"),  # Lisbon: mainland rate
    ("9500-150", "staple_food", "4"),  # Azores: Lista I, as food
    ("9000-001", "staple_food", "4"),  # Madeira: Lista I, as food
]

# (date, postal code, category, rate_percent): Madeira's reduced-rate change, both sides.
PT_REGION_CHANGES = [
    ("2024-09-30", "9000-001", "food", "5"),
    ("2024-10-01", "9000-001", "food", "4"),
    ("2021-07-01", "9500-150", "general", "16"),
    # The mainland "IVA zero" basket is not modelled in the regions (not confirmed there).
    ("2023-06-01", "1000-001", "staple_food", "0"),
    ("2023-06-01", "9000-001", "staple_food", "5"),
    ("2023-06-01", "9500-150", "staple_food", "4"),
]

# (country, postal code) outside the EU VAT territory (Art. 6 VAT Directive).
OUTSIDE = [
    ("ES", "35001"), ("ES", "38001"), ("ES", "51001"), ("ES", "52001"),
    ("FI", "22100"), ("DE", "27498"), ("GR", "63086"),
    ("IT", "23041"), ("IT", "22061"), ("FR", "97100"), ("FR", "97150"),
    ("FR", "97400"), ("FR", "97600"), ("AX", "22100"), ("RE", "97400"),
]


def _order(country: str, category: str, day: str, postal_code: str = "00000") -> dict:
    return {
        "order_id": f"T-{country}-{category}-{day}",
        "placed_at": f"{day}T12:00:00+00:00",
        "channel": "online",
        "currency": "EUR",
        "seller": {"id": "S-1", "country": "CN"},
        "ship_from": country,
        "ship_to": {"country": country, "postal_code": postal_code},
        "buyer": {"id": "B-1"},
        "lines": [{"sku": "X", "quantity": 1, "unit_price": "100.00", "category": category}],
        "shipping": "0",
    }


def _quote(country: str, category: str, day: str, postal_code: str = "00000") -> dict:
    return ENGINE.quote(_order(country, category, day, postal_code)).model_dump(mode="json")


def _vat(rate: str) -> str:
    """VAT on a unit price of 100.00: the rate itself, to the cent."""
    return f"{Decimal(rate):.2f}"


def _before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def _assert_collected(d: dict, tax_country: str, rate: str) -> None:
    assert d["collect"] is True
    assert d["scheme"] == "EU_OSS"
    assert d["reason"] == "DEEMED_SUPPLIER_LOCAL_STOCK"
    assert d["tax_country"] == tax_country
    assert d["lines"][0]["rate_percent"] == rate
    assert d["lines"][0]["vat"] == _vat(rate)


@pytest.mark.parametrize(
    ("country", "rate"), STANDARD_TODAY, ids=[f"{c}-general-{TODAY}" for c, _ in STANDARD_TODAY]
)
def test_standard_rate_today(country, rate):
    _assert_collected(_quote(country, "general", TODAY), country, rate)


def test_every_member_state_has_a_standard_rate_case():
    assert len({c for c, _ in STANDARD_TODAY}) == 27


_CHANGE_CASES = [
    case
    for country, category, day, old, new in CHANGES
    for case in ((country, category, _before(day), old), (country, category, day, new))
]


@pytest.mark.parametrize(
    ("country", "category", "day", "rate"),
    _CHANGE_CASES,
    ids=[f"{c}-{cat}-{day}" for c, cat, day, _ in _CHANGE_CASES],
)
def test_rate_changes_both_sides(country, category, day, rate):
    _assert_collected(_quote(country, category, day), country, rate)


@pytest.mark.parametrize(
    ("country", "category", "rate"),
    CATEGORIES_TODAY,
    ids=[f"{c}-{cat}-{TODAY}" for c, cat, _ in CATEGORIES_TODAY],
)
def test_category_rates_today(country, category, rate):
    _assert_collected(_quote(country, category, TODAY), country, rate)


@pytest.mark.parametrize(
    ("postal_code", "category", "rate"),
    PT_REGIONS,
    ids=[f"PT-{p.replace(' ', '')}-{cat}-{TODAY}" for p, cat, _ in PT_REGIONS],
)
def test_portuguese_regions_today(postal_code, category, rate):
    # The regional rate applies, but the tax is Portuguese VAT: tax_country stays "PT".
    _assert_collected(_quote("PT", category, TODAY, postal_code), "PT", rate)


@pytest.mark.parametrize(
    ("day", "postal_code", "category", "rate"),
    PT_REGION_CHANGES,
    ids=[f"PT-{p}-{cat}-{day}" for day, p, cat, _ in PT_REGION_CHANGES],
)
def test_portuguese_region_changes(day, postal_code, category, rate):
    _assert_collected(_quote("PT", category, day, postal_code), "PT", rate)


@pytest.mark.parametrize(
    ("country", "postal_code"), OUTSIDE, ids=[f"{c}-{p}-outside" for c, p in OUTSIDE]
)
def test_special_territories_outside_vat(country, postal_code):
    d = _quote(country, "general", TODAY, postal_code)
    assert d["collect"] is False
    assert d["reason"] == "SPECIAL_TERRITORY"
    assert d["lines"][0]["rate_percent"] == "0"
    assert d["lines"][0]["vat"] == "0.00"


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("ES", "28001"), ("FI", "00100"), ("DE", "10115"), ("IT", "23030"), ("FR", "75001")],
    ids=["ES-28001-taxed", "FI-00100-taxed", "DE-10115-taxed", "IT-23030-taxed", "FR-75001-taxed"],
)
def test_ordinary_postcodes_are_taxed(country, postal_code):
    d = _quote(country, "general", TODAY, postal_code)
    assert d["collect"] is True
    assert d["tax_country"] == country


def test_monaco_is_taxed_as_france():
    d = ENGINE.quote(
        {**_order("MC", "books", TODAY, "98000"), "ship_from": "FR"}
    ).model_dump(mode="json")
    _assert_collected(d, "FR", "5.5")


# Dates around every staple_food change and a few plain ones: the property below is checked on
# each of them that falls inside the tax area's series.
_STAPLE_CHECK_DAYS = [
    "2018-07-01", "2020-04-01", "2021-07-01", "2022-02-01", "2022-04-01", "2022-07-09",
    "2023-01-01", "2023-04-18", "2023-06-01", "2024-01-04", "2024-01-05", "2024-04-01",
    "2024-10-01", "2025-01-01", "2025-08-01", "2025-10-25", "2026-04-01", "2026-07-01", TODAY, "2028-01-01",
    "2028-04-01",
]


@pytest.mark.parametrize("area", ENGINE.book.tax_areas(), ids=ENGINE.book.tax_areas())
def test_staple_food_is_never_taxed_above_food(area):
    """Every tax area has a staple_food series from its food series' start, never above food.

    A staple list is a list of foodstuffs with a *lower* rate; a staple rate above the food rate
    on any date would be a data error (a wrong row or a shifted date).
    """
    book = ENGINE.book
    staple = book.rate_lines.get((area, "staple_food"))
    food = book.rate_lines[(area, "food")]
    assert staple, f"{area} has no staple_food series"
    start = food[0][1].valid_from
    assert staple[0][1].valid_from == start
    days = [d for d in map(date.fromisoformat, _STAPLE_CHECK_DAYS) if d >= start]
    assert days
    for day in days:
        staple_rate = book.rate(area, "staple_food", day).rate_percent
        food_rate = book.rate(area, "food", day).rate_percent
        assert staple_rate <= food_rate, f"{area} {day}: staple {staple_rate} > food {food_rate}"
