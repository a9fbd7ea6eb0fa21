"""VIES sweep: check, off the quote path, every B2B order's number that lacks fresh evidence.

Checkout never waits for VIES (a checksum-valid number makes an order B2B at once); the sweep
runs afterwards, in the background, over the committed orders. Each distinct number is checked
once per sweep, at most ``per_state`` calls at a time to one member state (VIES answers
``MS_MAX_CONCURRENT_REQ`` beyond a member state's limit) and ``workers`` in all; an ``unknown``
answer is retried with exponential backoff, and the last answer of each number, whatever it
is, is appended to the ledger with the number of calls it took.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import Engine

from levy.ledger.evidence import b2b_orders, latest_definite, record
from levy.vies.client import DEFAULT_TIMEOUT, DEFAULT_URL, UNKNOWN, VIES_PREFIXES, Answer, check

RECORD_EVERY = 100
"""Answers per ledger transaction: a sweep killed midway keeps what it learnt."""


@dataclass(frozen=True, slots=True)
class SweepSettings:
    url: str = DEFAULT_URL
    timeout: float = DEFAULT_TIMEOUT
    requester: str | None = None
    max_age: timedelta = timedelta(days=30)
    """A definite answer younger than this is fresh: the number is not checked again."""
    per_state: int = 2
    """Calls in flight to one member state at most."""
    workers: int = 8
    attempts: int = 4
    """Calls per number at most (the first and the retries after ``unknown``)."""
    backoff: float = 1.0
    """Seconds before the first retry; doubled before each next one."""
    paid_from: date | None = None
    paid_to: date | None = None


@dataclass(slots=True)
class SweepResult:
    orders: int = 0
    """B2B orders looked at."""
    numbers: int = 0
    """Distinct numbers among them."""
    fresh: int = 0
    """Numbers with fresh evidence: not checked."""
    not_in_vies: int = 0
    """Numbers VIES does not cover (UK, Norway, Switzerland, Australia...)."""
    states: Counter = field(default_factory=Counter)
    """Answers recorded, by state."""
    calls: int = 0

    def as_dict(self) -> dict:
        return {"orders": self.orders, "numbers": self.numbers, "fresh": self.fresh,
                "not_in_vies": self.not_in_vies, "checked": dict(sorted(self.states.items())),
                "calls": self.calls}


def _check_with_retries(number: str, settings: SweepSettings, client: httpx.Client,
                        gate: threading.Semaphore, sleep: Callable[[float], None]) -> tuple[Answer, int]:
    delay = settings.backoff
    for attempt in range(1, settings.attempts + 1):
        with gate:  # the member state's slot is held only during the call, not the backoff
            answer = check(number, url=settings.url, timeout=settings.timeout,
                           requester=settings.requester, client=client)
        if answer.state != UNKNOWN or attempt == settings.attempts:
            return answer, attempt
        sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover


def sweep(db: Engine, settings: SweepSettings = SweepSettings(), *,
          now: datetime | None = None, sleep: Callable[[float], None] = time.sleep) -> SweepResult:
    """Check the numbers of the B2B orders in the ledger ``db`` that lack fresh evidence.

    Args:
        db: the ledger's SQLAlchemy engine (``Ledger(url).db``).
        settings: where VIES is, limits, retries and which orders.
        now: the sweep's clock, for freshness (default: now, UTC).
        sleep: how to wait between retries (tests pass a recorder).
    """
    result = SweepResult()
    by_number: dict[str, int] = Counter()
    for order in b2b_orders(db, paid_from=settings.paid_from, paid_to=settings.paid_to):
        result.orders += 1
        by_number[order.vat_number] += 1
    result.numbers = len(by_number)
    checkable = sorted(n for n in by_number if n[:2] in VIES_PREFIXES)
    result.not_in_vies = result.numbers - len(checkable)
    cutoff = (now or datetime.now(UTC)) - settings.max_age
    known = latest_definite(db, checkable)
    todo = [n for n in checkable if n not in known or known[n].checked_at < cutoff]
    result.fresh = len(checkable) - len(todo)
    gates: dict[str, threading.Semaphore] = defaultdict(lambda: threading.Semaphore(settings.per_state))
    for number in todo:
        gates[number[:2]]  # create every gate before the threads start
    pending: list[tuple[Answer, int]] = []
    limits = httpx.Limits(max_connections=settings.workers, max_keepalive_connections=settings.workers)
    with httpx.Client(timeout=settings.timeout, limits=limits) as client, \
            ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="vies") as pool:
        futures = [pool.submit(_check_with_retries, n, settings, client, gates[n[:2]], sleep) for n in todo]
        for future in as_completed(futures):
            answer, attempts = future.result()
            result.states[answer.state] += 1
            result.calls += attempts
            pending.append((answer, attempts))
            if len(pending) >= RECORD_EVERY:
                record(db, pending)
                pending.clear()
    record(db, pending)
    return result


__all__ = ["SweepResult", "SweepSettings", "sweep"]
