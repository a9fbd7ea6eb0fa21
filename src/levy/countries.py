"""Countries and their subdivisions (ISO 3166-1 alpha-2 and ISO 3166-2), from pycountry.

The one place Levy asks which codes exist and what a reader calls them: the contract's
validation (``levy.models``), the loaders of ``rates/`` (``levy.ratebook``, ``levy.chargebook``),
explanations (``levy.context``) and the review notebooks all read these functions, never a list
of their own. pycountry ships the ISO 3166 tables (from Debian's iso-codes).

References:
    https://www.iso.org/iso-3166-country-codes.html

>>> is_country("DE"), is_country("XX"), is_subdivision("PT-30")
(True, False, True)
>>> country_name("DE"), country_name("TW"), subdivision_name("PT-30")
('Germany', 'Taiwan', 'Região Autónoma da Madeira')
"""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(c.alpha_2 for c in pycountry.countries)


@lru_cache(maxsize=1)
def subdivision_codes() -> frozenset[str]:
    """Every ISO 3166-2 subdivision code (``PT-30``, ``ES-CN``)."""
    return frozenset(s.code for s in pycountry.subdivisions)


def is_country(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-1 alpha-2 code (upper case)."""
    return code in country_codes()


def is_subdivision(code: str) -> bool:
    """Whether ``code`` is an ISO 3166-2 subdivision code."""
    return code in subdivision_codes()


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """A reader's name for a country code (``DE`` -> ``Germany``); the code itself if unknown."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


@lru_cache(maxsize=512)
def subdivision_name(code: str) -> str:
    """The ISO 3166-2 name of a subdivision (``PT-30``); the code itself if unknown."""
    sub = pycountry.subdivisions.get(code=code)
    return sub.name if sub is not None else code


__all__ = ["country_codes", "country_name", "is_country", "is_subdivision", "subdivision_codes", "subdivision_name"]
