# Two entry points for a fresh machine: `make demo` and `make test`.
# Each bootstraps .venv from pyproject.toml by itself (no global installs).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench bench-ledger bench-reports bench-service clean examples notebooks

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $(STAMP)

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
	@echo "== monthly returns: September 2026, checked against the ledger to the cent before writing. The sample"
	@echo "   batch is mostly Oct/Nov 2026, so the ledger also gets the golden Aug-Sep month the tests use"
	$(LEDGER) commit tests/golden/ledger/paid_orders.jsonl --db $(DEMO_DB) > build/demo-commit-golden.jsonl
	@rm -rf build/reports
	$(LEDGER) report --period 2026-09 --db $(DEMO_DB) --out build/reports
	@echo "   $$(ls build/reports | wc -l) files in build/reports/ (by-country, corrections, by-currency CSV per scheme; xlsx; parquet; PNG)"
	@echo "== October 2026 converts at the ECB rate of Monday 2026-11-02 (Art. 366(2)); with the packaged history"
	@echo "   alone (it ends 2026-10-30) the report stops, exit 1, naming the day and the levy fx fix; nothing written"
	LEVY_DATA_DIR=$(CURDIR)/build/demo-fx-none $(LEDGER) report --period 2026-10 --db $(DEMO_DB) --out build/reports/2026-10 || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Compliance review notebooks, executed on a fresh sample ledger and written as HTML (code
# hidden) for reviewers: build/notebooks/*.html. The tests execute the same notebooks.
notebooks: $(STAMP)
	$(BIN)/python -m levy.review html --out build/notebooks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_quote.py

bench-ledger: $(STAMP)
	$(BIN)/python benchmarks/bench_ledger.py

bench-reports: $(STAMP)
	$(BIN)/python -m pip install --quiet --group bench
	$(BIN)/python benchmarks/bench_reports.py

bench-service: $(STAMP)
	$(BIN)/python benchmarks/bench_service.py

examples: $(STAMP)
	$(BIN)/python scripts/make_examples.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
