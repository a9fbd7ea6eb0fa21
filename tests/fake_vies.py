"""A fake VIES REST API on 127.0.0.1 for the tests (the real one is never called).

``POST /check-vat-number`` answers from ``FakeVies.registry``: ``"registered"`` (valid, with a
name, an address and, when a requester is sent, a consultation number), ``"unregistered"``
(valid: false), ``"MS_UNAVAILABLE"`` and other fault codes (HTTP 200, ``actionSucceed``
false, as VIES sends them), ``("slow", seconds)`` (answers registered after a delay),
``("flaky", n)`` (``MS_UNAVAILABLE`` for the first ``n`` calls, then registered), ``"http500"``.
Numbers not in the registry are unregistered. It counts calls and the most calls in flight per
member state.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeVies:
    def __init__(self, registry: dict | None = None, hold: float = 0.0) -> None:
        self.registry: dict = dict(registry or {})
        self.hold = hold
        """Seconds every answer takes (to make calls overlap)."""
        self.calls: Counter = Counter()
        self.requests: list[dict] = []
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self._lock = threading.Lock()
        self._serial = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                status, reply = fake._answer(self.path, body)
                data = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeVies:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(self, path: str, body: dict) -> tuple[int, dict]:
        if path != "/check-vat-number":
            return 404, {"actionSucceed": False, "errorWrappers": [{"error": "NOT_FOUND"}]}
        country = body["countryCode"]
        number = country + body["vatNumber"]
        with self._lock:
            self.calls[number] += 1
            self.requests.append(body)
            self.in_flight[country] += 1
            self.max_in_flight[country] = max(self.max_in_flight[country], self.in_flight[country])
            self._serial += 1
            serial = self._serial
            call = self.calls[number]
        try:
            if self.hold:
                time.sleep(self.hold)
            behaviour = self.registry.get(number, "unregistered")
            if isinstance(behaviour, tuple) and behaviour[0] == "slow":
                time.sleep(behaviour[1])
                behaviour = "registered"
            if isinstance(behaviour, tuple) and behaviour[0] == "flaky":
                behaviour = "MS_UNAVAILABLE" if call <= behaviour[1] else "registered"
            if behaviour == "http500":
                return 500, {"actionSucceed": False, "errorWrappers": [{"error": "SERVICE_UNAVAILABLE"}]}
            if behaviour not in ("registered", "unregistered"):
                return 200, {"actionSucceed": False,
                             "errorWrappers": [{"error": behaviour, "message": "fake fault"}]}
            registered = behaviour == "registered"
            return 200, {
                "countryCode": country,
                "vatNumber": body["vatNumber"],
                "requestDate": "2026-12-01T10:00:00.000Z",
                "valid": registered,
                "requestIdentifier": f"WAPIAAAA{serial:08d}" if body.get("requesterNumber") else "",
                "name": f"TRADER {number}" if registered else "---",
                "address": "1 MAIN STREET" if registered else "---",
                "traderName": "---", "traderCompanyType": "---", "traderAddress": "---",
            }
        finally:
            with self._lock:
                self.in_flight[country] -= 1
