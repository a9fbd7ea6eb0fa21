"""VIES (VAT Information Exchange System): buyers' VAT numbers against the EU register.

``client`` asks VIES about one number (``valid`` / ``invalid`` / ``unknown``, never ``invalid``
for an outage); ``sweep`` checks the ledger's B2B orders off the quote path and stores each
answer (:mod:`levy.ledger.evidence`); ``report`` lists the B2B orders whose number is not
registered, with the tax that should have been collected; ``cli`` is ``levy vies``.
"""
