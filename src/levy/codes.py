"""Codes of the checkout contract (v1): schemes, reasons and warnings.

These enums are the single source of the contract's codes. Renaming or dropping a member breaks
integrators (``shared/contract.md``); adding one is allowed.
"""

from enum import StrEnum


class Scheme(StrEnum):
    """The collection scheme under which the platform charges the tax (``collect`` true)."""

    EU_IOSS = "EU_IOSS"
    """Imported consignment <= EUR 150 (VAT Directive Art. 14a(1), Art. 369l)."""
    EU_OSS = "EU_OSS"
    """Goods already in the EU sold by a seller not established there (Art. 14a(2))."""
    UK_MARKETPLACE = "UK_MARKETPLACE"
    NO_VOEC = "NO_VOEC"
    CH_PLATFORM = "CH_PLATFORM"
    AU_GST_LVG = "AU_GST_LVG"
    NZ_GST_LVG = "NZ_GST_LVG"
    SG_GST_LVG = "SG_GST_LVG"
    MY_LVG = "MY_LVG"


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
    FX_RATE_STALE = "FX_RATE_STALE"
    """The ECB rate used is more than 3 ECB business days older than ``placed_at``'s date."""
