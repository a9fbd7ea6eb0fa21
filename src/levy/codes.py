"""Codes of the checkout contract (v1): schemes, reasons and warnings.

These enums are the single source of the contract's codes. Renaming or dropping a member breaks
integrators (``shared/contract.md``); adding one is allowed.

``Scheme`` is derived from the regime modules: each ``levy/regimes/<name>.py`` declares its
schemes once, as the keys of its ``FILINGS`` mapping, and this module reads those keys from the
modules' source (without importing them: they import this module). A new regime module is a
new scheme; nothing here is edited.
"""

import ast
from enum import StrEnum
from pathlib import Path

REGIMES_DIR = Path(__file__).with_name("regimes")


def declared_schemes(regimes_dir: Path = REGIMES_DIR) -> dict[str, str]:
    """``{scheme code: regime module name}`` from every regime module's ``FILINGS`` keys.

    Modules are read in name order, keys in the order written.

    Raises:
        TypeError: a regime module without a ``FILINGS`` mapping of string keys, or two modules
            declaring one scheme.
    """
    found: dict[str, str] = {}
    for path in sorted(regimes_dir.glob("[!_]*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        keys = None
        for node in tree.body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else getattr(node, "target", None)
            if isinstance(target, ast.Name) and target.id == "FILINGS" and isinstance(node.value, ast.Dict):
                keys = node.value.keys
        if keys is None or not keys or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
            raise TypeError(f"regime module {path.name} must declare FILINGS = {{'SCHEME_CODE': FilingFacts(...), ...}}")
        for key in keys:
            if key.value in found:
                raise TypeError(f"scheme {key.value} declared by both {found[key.value]} and {path.stem}")
            found[key.value] = path.stem
    return found


Scheme = StrEnum("Scheme", {code: code for code in declared_schemes()}, module=__name__)
Scheme.__doc__ = """The collection scheme under which the platform charges the tax (``collect`` true).

One member per key of a regime module's ``FILINGS`` (``EU_IOSS``, ``EU_OSS``, ``UK_MARKETPLACE``...)."""


class Reason(StrEnum):
    """Why the platform collects or not: exactly one per decision."""

    DEEMED_SUPPLIER_IMPORT = "DEEMED_SUPPLIER_IMPORT"
    DEEMED_SUPPLIER_LOCAL_STOCK = "DEEMED_SUPPLIER_LOCAL_STOCK"
    OFFLINE_PAYMENT = "OFFLINE_PAYMENT"
    DESTINATION_NOT_COVERED = "DESTINATION_NOT_COVERED"
    SPECIAL_TERRITORY = "SPECIAL_TERRITORY"
    ABOVE_THRESHOLD = "ABOVE_THRESHOLD"
    B2B_VALID_VAT_NUMBER = "B2B_VALID_VAT_NUMBER"
    EXEMPTION_CERTIFICATE = "EXEMPTION_CERTIFICATE"
    EXCISE_GOODS = "EXCISE_GOODS"
    SELLER_LIABLE = "SELLER_LIABLE"

    @property
    def collects(self) -> bool:
        """Whether a decision with this reason has the platform collect the tax."""
        return self in _COLLECTING


_COLLECTING = frozenset({Reason.DEEMED_SUPPLIER_IMPORT, Reason.DEEMED_SUPPLIER_LOCAL_STOCK})


class WarningCode(StrEnum):
    """Facts worth a look that did not change the outcome."""

    VAT_NUMBER_INVALID = "VAT_NUMBER_INVALID"
    """The buyer's VAT number fails its checksum or format: VAT is collected."""
    VAT_NUMBER_OTHER_COUNTRY = "VAT_NUMBER_OTHER_COUNTRY"
    """The buyer's VAT number is valid, but for another country than the destination."""
    EXEMPTION_NOT_IN_FORCE = "EXEMPTION_NOT_IN_FORCE"
    """The exemption voucher's validity does not cover ``placed_at`` (expired or not yet valid)."""
    EXEMPTION_OTHER_COUNTRY = "EXEMPTION_OTHER_COUNTRY"
    """The exemption voucher is for another country than the destination."""
    HS_CODE_MISSING = "HS_CODE_MISSING"
    """A charge keyed on the tariff line (the EU flat duty) met a line without ``hs_code``: that
    line counted as its own tariff line (contract v1.1)."""
    FX_RATE_STALE = "FX_RATE_STALE"
    """The ECB rate used is more than 3 ECB business days older than ``placed_at``'s date."""
