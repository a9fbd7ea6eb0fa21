"""FX store (ECB files imported by finance, overriding the packaged history where present).

``store`` keeps the imports (SQLite under ``LEVY_DATA_DIR``), ``download`` fetches the ECB's
history for ``levy fx update``, ``cli`` is the ``levy fx`` command group. Quotes read the store
once, when an ``Engine`` is built (:func:`levy.fx.default_rates`).
"""

from levy.fxstore.store import FxStore, ImportRecord, ImportResult, data_dir

__all__ = ["FxStore", "ImportRecord", "ImportResult", "data_dir"]
