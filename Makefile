# Two entry points for a fresh machine: `make demo` and `make test`.
# Each installs exactly the committed lock (uv.lock) into .venv, never a fresh resolution:
# uv itself comes hash-pinned from requirements/uv.txt into .tools/, then `uv sync --locked`
# refuses to run when pyproject.toml and uv.lock disagree. `make lock` refreshes the lock on purpose.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
# uv must use this machine's Python (never download one) and the project's .venv.
UV_ENV := UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=$(VENV)

.PHONY: demo test lock lock-check bench bench-ledger bench-reports bench-service clean examples notebooks

$(UV): requirements/uv.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --no-deps --require-hashes -r requirements/uv.txt
	touch $(UV)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV_ENV) $(UV) sync --locked --group test --python $(PYTHON)
	touch $(STAMP)

# Re-resolve on purpose (a dependency change commits pyproject.toml and uv.lock together).
lock: $(UV)
	$(UV_ENV) $(UV) lock --python $(PYTHON)

# Fails when pyproject.toml changed and uv.lock did not follow.
lock-check: $(UV)
	$(UV_ENV) $(UV) lock --check --python $(PYTHON)

DEMO_DB := build/demo-ledger.db
LEDGER  := $(BIN)/levy

demo: $(STAMP)
	$(BIN)/levy demo examples/orders.jsonl
	@echo "== ledger: commit the paid sample batch into a fresh $(DEMO_DB) (6 payments refused on purpose)"
	@mkdir -p build && rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(LEDGER) commit examples/paid_orders.jsonl --db $(DEMO_DB) > build/demo-commit.jsonl || [ $$? -eq 2 ]
	@grep '"status":"refused"' build/demo-commit.jsonl | cut -c1-190
	@echo "== escrow life cycle: shipped, completed, closed; disputes settled by refunds; a cancellation"
	$(LEDGER) event AE-2026-036602 shipped   --at 2026-10-08T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-036602 completed --at 2026-10-20T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-036602 closed    --at 2026-10-21T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-050324 shipped   --at 2026-10-08T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-050324 dispute   --at 2026-10-14T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) refund AE-2026-050324 --amount 20.00 --refund-id R-DEMO-1 --at 2026-10-16T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-050324 completed --at 2026-10-25T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-070951 shipped   --at 2026-10-12T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-070951 dispute   --at 2026-10-18T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) refund AE-2026-070951 --lines TEA-9677-LONGJ-250=2 --refund-id R-DEMO-2 --at 2026-10-19T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) refund AE-2026-123926 --full --refund-id R-DEMO-3 --at 2026-10-25T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-123926 closed    --at 2026-10-26T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-183655 shipped   --at 2026-11-02T09:00:00+00:00 --db $(DEMO_DB)
	@echo "== a dispute two days after shipping is refused (rule: from 5 days after the shipping date)"
	$(LEDGER) event AE-2026-183655 dispute   --at 2026-11-04T09:00:00+00:00 --db $(DEMO_DB) || [ $$? -eq 2 ]
	$(LEDGER) replay AE-2026-050324 --db $(DEMO_DB)
	$(LEDGER) totals --db $(DEMO_DB)
	@echo "== returns: September 2026 (the monthly IOSS) and 2026-Q3 (the quarterly schemes), checked against the"
	@echo "   ledger to the cent before writing. The sample batch is mostly Oct/Nov 2026, so the ledger also gets the"
	@echo "   golden Aug-Sep month the tests use"
	$(LEDGER) commit tests/golden/ledger/paid_orders.jsonl --db $(DEMO_DB) > build/demo-commit-golden.jsonl
	@echo "== both platforms (examples/platform_orders.jsonl): coupons taxed after the discount, gift certificates"
	@echo "   as tenders, an AliExpress Western Union payment under 20 USD refused"
	$(LEDGER) commit examples/platform_orders.jsonl --db $(DEMO_DB) > build/demo-commit-platforms.jsonl || [ $$? -eq 2 ]
	@cut -c1-200 build/demo-commit-platforms.jsonl
	$(LEDGER) event AE-2026-900001 shipped   --at 2026-09-04T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) event AE-2026-900001 completed --at 2026-09-10T09:00:00+00:00 --db $(DEMO_DB)
	@echo "   AliExpress buyer protection: a dispute 14 days after the buyer confirmed receipt is still open"
	$(LEDGER) event AE-2026-900001 dispute   --at 2026-09-24T09:00:00+00:00 --db $(DEMO_DB)
	$(LEDGER) refund AE-2026-900001 --amount 5.95 --refund-id R-DEMO-P1 --at 2026-09-25T09:00:00+00:00 --db $(DEMO_DB)
	@echo "   a cancellation paid by gift certificate and card goes back to both in proportion"
	$(LEDGER) refund AE-2026-900003 --amount 10.00 --refund-id R-DEMO-GC --at 2026-09-06T09:00:00+00:00 --db $(DEMO_DB)
	@rm -rf build/reports
	$(LEDGER) report --period 2026-09 --db $(DEMO_DB) --out build/reports
	$(LEDGER) report --period 2026-Q3 --db $(DEMO_DB) --out build/reports
	@echo "   $$(ls -d build/reports/*/* | wc -l) return folders in build/reports/<scheme>/<period>/, each with a README,"
	@echo "   by-country, corrections and by-currency as CSV and Parquet, a workbook (.xlsx) and a chart (.png):"
	@ls -d build/reports/*/* | sed 's|^|     |'
	@echo "== filing calendar from 2026-12-01: what is due, with the ledger's activity and the ECB rate each needs"
	$(LEDGER) calendar --from 2026-12-01 --months 3 --db $(DEMO_DB) --out build/reports
	@echo "   AE-2026-900001 (seller coupon) and AE-2026-900002 (platform coupon) enter the IOSS return with goods of"
	@echo "   EUR 50.00, 60.00 less the coupon, plus the EUR 3.00 duty their VAT also falls on (Art. 78(a)): the DE"
	@echo "   and FR rows of the EU_IOSS 2026-09 by-country return"
	@echo "== October 2026 converts at the ECB rate of Monday 2026-11-02 (Art. 366(2)); with the packaged history"
	@echo "   alone (it ends 2026-10-30) the report stops, exit 1, naming the day and the levy fx fix; nothing written"
	LEVY_DATA_DIR=$(CURDIR)/build/demo-fx-none $(LEDGER) report --period 2026-10 --db $(DEMO_DB) --out build/reports || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Compliance review notebooks, executed on a fresh sample ledger and written as HTML (code
# hidden) for reviewers: build/notebooks/*.html. The tests execute the same notebooks.
notebooks: $(STAMP)
	$(BIN)/levy review html --out build/notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_quote.py

bench-ledger: $(STAMP)
	$(BIN)/python benchmarks/bench_ledger.py

bench-reports: $(STAMP)
	$(UV_ENV) $(UV) sync --locked --group test --group bench --python $(PYTHON)
	@rm -f $(STAMP)  # the next make demo/test drops the bench group again
	$(BIN)/python benchmarks/bench_reports.py

bench-service: $(STAMP)
	$(BIN)/python benchmarks/bench_service.py

examples: $(STAMP)
	$(BIN)/python scripts/make_examples.py

clean:
	rm -rf $(VENV) $(TOOLS) build dist .pytest_cache .hypothesis
