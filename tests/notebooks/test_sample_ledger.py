"""The sample ledger the notebooks review is ``make demo``'s, plus the corrections it lacks."""

from __future__ import annotations

import re
from pathlib import Path

from levy import review

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def demo_steps() -> list[tuple[str, ...]]:
    """The event and refund commands of the Makefile's ``demo`` target that must succeed (those
    ending in ``|| [ $$? -eq 2 ]`` show a refusal), as :data:`levy.review.SAMPLE_STEPS` writes them."""
    text = MAKEFILE.read_text(encoding="utf-8")
    demo = text[text.index("\ndemo:"):]
    demo = demo[: demo.index("\n\n")]
    steps = []
    for line in demo.splitlines():
        if "|| [" in line:
            continue
        if m := re.search(r"\$\(LEDGER\) event (\S+) (\w+)\s+--at (\S+)", line):
            steps.append(("event", m[1], m[2], m[3]))
        elif m := re.search(r"\$\(LEDGER\) refund (\S+) (--amount \S+|--lines \S+|--full) --refund-id (\S+) --at (\S+)", line):
            how = m[2].replace("--amount ", "amount=").replace("--full", "full")
            how = re.sub(r"--lines (\S+)=(\d+)", r"lines=\1:\2", how)
            steps.append(("refund", m[1], m[3], how, m[4]))
    return steps


def sample_order_ids() -> set[str]:
    """The orders of the sample ledger: the paid sample batch and the golden month."""
    ids = set()
    for path in (review.SAMPLE_ORDERS, review.SAMPLE_MONTH):
        ids |= set(re.findall(r'"order_id": ?"([^"]+)"', Path(path).read_text(encoding="utf-8")))
    return ids


def test_sample_steps_are_make_demos_then_two_corrections():
    # make demo also commits examples/platform_orders.jsonl (issue 19's platforms) and steps its
    # orders through their life cycle; the sample ledger holds the sample batch and the golden month
    # only, so it takes make demo's steps on those orders, in the Makefile's order.
    ids = sample_order_ids()
    assert "AE-2026-900001" not in ids and "AE-2026-036602" in ids
    steps = [s for s in demo_steps() if s[1] in ids]
    assert len(steps) == 13
    assert list(review.SAMPLE_STEPS[: len(steps)]) == steps
    extra = review.SAMPLE_STEPS[len(steps):]
    assert [(s[0], s[2]) for s in extra] == [("refund", "R-SAMPLE-4"), ("refund", "R-SAMPLE-5")]


def test_sample_ledger_holds_october_refunds_and_corrections(sql):
    refunds = sql("SELECT r.refund_id, strftime('%Y-%m', o.paid_on), r.refunded_on FROM refunds r "
                  "JOIN orders o USING (order_id) ORDER BY r.refund_id")
    assert refunds == [
        ("R-DEMO-1", "2026-10", "2026-10-16"), ("R-DEMO-2", "2026-10", "2026-10-19"),
        ("R-DEMO-3", "2026-10", "2026-10-25"), ("R-SAMPLE-4", "2026-07", "2026-10-05"),
        ("R-SAMPLE-5", "2026-07", "2026-10-09"),
    ]
