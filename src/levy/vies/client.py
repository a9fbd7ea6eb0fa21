"""VIES client (VAT Information Exchange System, European Commission).

VIES answers whether a member state's register holds a VAT number today. Its REST API takes
``POST {url}/check-vat-number`` with ``{"countryCode", "vatNumber", "requesterMemberStateCode",
"requesterNumber"}`` and answers ``{"valid", "requestDate", "name", "address",
"requestIdentifier", ...}``; the request identifier is the *consultation number*, the proof a tax
administration accepts that the number was checked that day (it is issued only when the
requester's own VAT number is sent). A fault still comes back as HTTP 200, with
``"actionSucceed": false`` and ``"errorWrappers": [{"error": "MS_UNAVAILABLE", ...}]``.

A fault, a timeout or a network error says nothing about the number: it is ``unknown``, never
``invalid`` (an outage must not tax a real business). Only ``"valid": false`` in a successful
answer is ``invalid``, and so is a number whose checksum fails, which is never sent.

References:
    VIES on the Web, technical information (REST API):
    https://ec.europa.eu/taxation_customs/vies/#/technical-information
    Council Implementing Regulation (EU) 282/2011 Art. 18(1)(a): the supplier may treat a
    customer as a taxable person when it has obtained the customer's VAT number and
    confirmation of its validity.

>>> check("DE136695977").state  # a checksum failure: no call made
'invalid'
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import httpx
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import clean

DEFAULT_URL = "https://ec.europa.eu/taxation_customs/vies/rest-api"
"""The Commission's REST endpoint (``--vies-url`` or ``LEVY_VIES_URL`` replace it)."""
DEFAULT_TIMEOUT = 5.0
"""Seconds to wait for an answer before calling the number ``unknown``."""

VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"
STATES = (VALID, INVALID, UNKNOWN)

CHECKSUM_INVALID = "CHECKSUM_INVALID"
"""Our error code for a number stdnum rejects (format or check digit): invalid, no call made."""
NETWORK_ERROR = "NETWORK_ERROR"
TIMEOUT = "TIMEOUT"
BAD_RESPONSE = "BAD_RESPONSE"

VIES_PREFIXES = frozenset(
    ("EL" if code == "gr" else code.upper()) for code in eu_vat.MEMBER_STATES
)
"""Country prefixes VIES answers for: the member states (Greece as ``EL``) and ``XI``
(Northern Ireland, Windsor Framework)."""


class NotInVies(ValueError):
    """The number's prefix is not one VIES covers (a UK, Norwegian, Swiss... number)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One VIES check: the JSON line ``levy vies check`` prints and the ledger stores."""

    vat_number: str
    """The compact number with its VIES prefix (``DE136695976``, ``EL094014201``)."""
    state: str
    """``valid`` (registered), ``invalid`` (not registered, or fails its checksum) or
    ``unknown`` (no answer: outage, limit, timeout, network)."""
    checked_at: str
    """When the check was made (UTC, ISO 8601): VIES's ``requestDate`` when it answered."""
    consultation_number: str | None
    """VIES's ``requestIdentifier``; present only when a requester number was sent."""
    name: str | None
    error: str | None
    """The VIES error code (``MS_UNAVAILABLE``...) or ours (``TIMEOUT``, ``NETWORK_ERROR``,
    ``CHECKSUM_INVALID``, ``BAD_RESPONSE``); ``None`` for a definite answer."""
    address: str | None = None

    @property
    def country(self) -> str:
        return self.vat_number[:2]

    def line(self) -> dict:
        """The ``levy vies check`` output: the brief's seven keys, in order."""
        body = asdict(self)
        body.pop("address")
        return body


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def vies_number(number: str) -> str:
    """The compact number with its VIES prefix (``GR`` written ``EL``), checksum not yet checked.

    Raises:
        NotInVies: the prefix is not a member state's nor ``XI``.
    """
    text = clean(number, " -./,:").upper().strip()
    prefix = "EL" if text[:2] == "GR" else text[:2]
    if prefix not in VIES_PREFIXES:
        raise NotInVies(f"{number!r}: VIES checks numbers of the EU member states and XI "
                        f"(Northern Ireland) only, with their prefix; got prefix {text[:2]!r}")
    return prefix + text[2:]


def _blank(value) -> str | None:
    """VIES writes ``"---"`` for a name or address the member state does not disclose."""
    if not isinstance(value, str) or value.strip() in ("", "---"):
        return None
    return value.strip()


def interpret(number: str, status: int, body: bytes, *, now: str | None = None) -> Answer:
    """Read one VIES reply into an :class:`Answer` (pure: no I/O, for the client and tests)."""
    checked_at = now or _now()
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Answer(number, UNKNOWN, checked_at, None, None, f"{BAD_RESPONSE}: HTTP {status}")
    wrappers = data.get("errorWrappers")
    if data.get("actionSucceed") is False or wrappers:
        codes = [w.get("error") for w in wrappers or [] if isinstance(w, dict) and w.get("error")]
        return Answer(number, UNKNOWN, checked_at, None, None, ",".join(codes) or f"{BAD_RESPONSE}: HTTP {status}")
    user_error = data.get("userError")
    if status != 200 or not isinstance(data.get("valid"), bool) or (
            user_error not in (None, "VALID", "INVALID")):
        # userError carries the SOAP-era fault codes (MS_UNAVAILABLE, IP_BLOCKED...) beside a
        # meaningless "valid": false: no verdict.
        return Answer(number, UNKNOWN, checked_at, None, None, user_error or f"{BAD_RESPONSE}: HTTP {status}")
    request_date = data.get("requestDate")
    return Answer(
        vat_number=number,
        state=VALID if data["valid"] else INVALID,
        checked_at=request_date if isinstance(request_date, str) and request_date else checked_at,
        consultation_number=_blank(data.get("requestIdentifier")),
        name=_blank(data.get("name")),
        error=None,
        address=_blank(data.get("address")),
    )


def check(
    number: str,
    *,
    url: str = DEFAULT_URL,
    timeout: float = DEFAULT_TIMEOUT,
    requester: str | None = None,
    client: httpx.Client | None = None,
) -> Answer:
    """Ask VIES whether ``number`` is registered; never raises for an outage.

    Args:
        number: a VAT number with its country prefix (``DE 136 695 976``, ``EL094014201``).
        url: the REST API's base URL.
        timeout: seconds for connecting, sending and each read; then ``unknown``.
        requester: the platform's own EU VAT number, so that VIES issues a consultation number.
        client: an ``httpx.Client`` to reuse (the sweep shares one).

    Raises:
        NotInVies: the number's prefix is not one VIES covers.
    """
    compact = vies_number(number)
    try:
        eu_vat.validate(compact)
    except ValidationError as exc:
        return Answer(compact, INVALID, _now(), None, None, f"{CHECKSUM_INVALID}: {exc}")
    request = {"countryCode": compact[:2], "vatNumber": compact[2:]}
    if requester:
        own = vies_number(requester)
        request |= {"requesterMemberStateCode": own[:2], "requesterNumber": own[2:]}
    own_client = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        reply = http.post(url.rstrip("/") + "/check-vat-number", json=request, timeout=timeout)
    except httpx.TimeoutException:
        return Answer(compact, UNKNOWN, _now(), None, None, f"{TIMEOUT}: no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return Answer(compact, UNKNOWN, _now(), None, None, f"{NETWORK_ERROR}: {type(exc).__name__}: {exc}")
    finally:
        if own_client:
            http.close()
    return interpret(compact, reply.status_code, reply.content)
