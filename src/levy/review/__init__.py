"""Review (helpers of the compliance review notebooks under ``notebooks/``, and their runner).

Compliance reviews Levy's decisions, its reference data and each month's totals in three Jupyter
notebooks (``decision_review``, ``rates_review``, ``monthly_reconciliation``). This module keeps
what they share out of the notebooks, so that each cell reads as a review step:

* names: :func:`area_label` (``Madeira (PT-30)``, ``Germany (DE)``): charts and tables name
  countries, not only codes;
* charts: :func:`chart_style` (matplotlib, rendered headless by the inline backend on Agg);
* rates: :func:`rates_in_force`, :func:`rate_changes`, :func:`stale_sources`,
  :func:`validate_rates` and :func:`break_copy` (the validator shown refusing broken data);
* the ledger: :func:`build_sample_ledger` (``make demo``'s sample plus two corrections of an
  earlier period) and readers of one month for the review: :func:`period_decisions`,
  :func:`period_payments`, :func:`period_refunds`, :func:`rates_applied`; the returns' own
  lines and totals come from ``levy.reports.ledger.open_month``;
* charts of the decisions: :func:`vat_chart`, :func:`reason_chart`, :func:`exemption_chart`
  (:func:`exemption_shares` marks the outliers), :func:`drill_down` for one decision;
* key figures: :func:`key_figures` shows a notebook's figures and attaches them to the output,
  where :func:`read_key_figures` finds them again (tests, the HTML run);
* running: :func:`execute_notebook` has papermill inject the parameters after the cell tagged
  ``parameters`` and execute on the kernel of *this* interpreter (ipykernel's native spec, never
  a kernel from the user's Jupyter configuration); ``levy review html`` (or ``python -m
  levy.review html``) renders the notebooks to HTML for reviewers (``make notebooks``).

The notebooks ship inside this package (``levy/review/notebooks/``, wheel and sdist), with the
sample batch they review by default, so an installed wheel runs ``levy review html`` without
the repository.

Modules: :mod:`~levy.review.areas` (names, styles), :mod:`~levy.review.rates`,
:mod:`~levy.review.ledger` (the sample ledger and one period's readers and charts),
:mod:`~levy.review.run` (key figures, parameters, execution, HTML, the command).

Needs the ``notebooks`` dependency group (papermill, pandas, matplotlib, nbclient, nbconvert,
ipykernel),
imported where used, so ``import levy.review`` itself stays cheap.

References:
    Rates conventions: ``rates/README.md`` (half-open ``[valid_from, valid_to)``, sources).
    Papermill's parameters convention: https://papermill.readthedocs.io/en/latest/usage-parameterize.html
"""

from __future__ import annotations

from levy.review.areas import (  # noqa: F401
    CATEGORIES,
    area_name,
    area_label,
    chart_style,
    table_style,
)
from levy.review.rates import (  # noqa: F401
    rates_in_force,
    rate_changes,
    months_back,
    all_rows,
    stale_sources,
    ending_series,
    standard_rate_chart,
    regime_colors,
    change_timeline_chart,
    Verdict,
    validate_rates,
    Breakage,
    break_copy,
    typical_breakages,
)
from levy.review.ledger import (  # noqa: F401
    PACKAGE_DIR,
    SAMPLE_MONTH,
    SAMPLE_ORDERS,
    SAMPLE_STEPS,
    build_sample_ledger,
    sample_ledger,
    period_bounds,
    money,
    period_decisions,
    vat_in_eur,
    exemption_shares,
    sample_decisions,
    drill_down,
    vat_chart,
    reason_chart,
    exemption_chart,
    rates_applied,
    period_payments,
    period_refunds,
)
from levy.review.run import (  # noqa: F401
    NOTEBOOKS_DIR,
    FIGURES_KEY,
    key_figures,
    read_key_figures,
    parameter_cell_index,
    parameter_names,
    check_parameters,
    inject_parameters,
    execute_notebook,
    render_html,
    notebook_paths,
    main,
)

__all__ = ['Breakage', 'CATEGORIES', 'FIGURES_KEY', 'NOTEBOOKS_DIR', 'PACKAGE_DIR', 'SAMPLE_MONTH', 'SAMPLE_ORDERS', 'SAMPLE_STEPS', 'Verdict', 'all_rows', 'area_label', 'area_name', 'break_copy', 'build_sample_ledger', 'change_timeline_chart', 'chart_style', 'check_parameters', 'drill_down', 'ending_series', 'execute_notebook', 'exemption_chart', 'exemption_shares', 'inject_parameters', 'key_figures', 'main', 'money', 'months_back', 'notebook_paths', 'parameter_cell_index', 'parameter_names', 'period_bounds', 'period_decisions', 'period_payments', 'period_refunds', 'rate_changes', 'rates_applied', 'rates_in_force', 'read_key_figures', 'reason_chart', 'regime_colors', 'render_html', 'sample_decisions', 'sample_ledger', 'stale_sources', 'standard_rate_chart', 'table_style', 'typical_breakages', 'validate_rates', 'vat_chart', 'vat_in_eur']
