"""Bulk engine (issue 15): `levy requote` over the bulk order table, `levy audit`."""
