"""moto's server app behind a fault-injecting WSGI middleware, on 127.0.0.1 (never 0.0.0.0).

`FaultyMoto` runs `DomainDispatcherApplication(create_backend_app)` (what ThreadedMotoServer
serves) wrapped in `FaultMiddleware`, on werkzeug's threaded server in a daemon thread. The
middleware only touches ECR calls (JSON protocol, ``X-Amz-Target: AmazonEC2ContainerRegistry_*``):

- **small pages**: ``maxResults`` in a request is capped at `page_size`, so a small registry is
  listed over many pages and faults land *mid-pagination*;
- **throttling**: each attempt is answered ``400 ThrottlingException`` with probability
  `throttle` (default 0.3);
- **connection resets**: each attempt is cut (TCP RST, no response) with probability `reset`;
- **500 mid-pagination**: the first attempt of every request that carries a ``nextToken`` is
  answered ``500 ServerException``;
- **persistent faults**: `always_fail(operation, repository)` answers 500 to every attempt.

Decisions are deterministic for a seed whatever the thread scheduling: the n-th attempt of a given
request body draws from ``Random(f"{seed}/{body}/{n}")``. `counts` tallies what was injected.
"""

from __future__ import annotations

import io
import json
import logging
import random
import socket
import struct
import threading
from collections import Counter
from typing import Any

ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921."


class FaultMiddleware:
    def __init__(self, app: Any, seed: int = 0) -> None:
        self.app = app
        self.seed = seed
        self.enabled = False
        self.page_size = 5
        self.throttle = 0.3
        self.reset = 0.05
        self.mid_page_500 = True
        self.persistent: set[tuple[str, str | None]] = set()
        self.delay = 0.0  # seconds added to every ECR answer (to stretch a run for kill tests)
        self.counts: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def always_fail(self, operation: str, repository: str | None = None) -> None:
        self.persistent.add((operation, repository))

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith(ECR_TARGET):
            return self.app(environ, start_response)
        operation = target[len(ECR_TARGET) :]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = {}
        if isinstance(body.get("maxResults"), int) and self.page_size:
            body["maxResults"] = min(body["maxResults"], self.page_size)
            raw = json.dumps(body).encode()
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        if self.delay:
            threading.Event().wait(self.delay)
        if self.enabled:
            fault = self._decide(operation, body, raw)
            if fault == "reset":
                return self._reset(environ, start_response)
            if fault == "throttle":
                return self._error(start_response, "400 Bad Request", "ThrottlingException")
            if fault in ("500", "persistent"):
                return self._error(start_response, "500 Internal Server Error", "ServerException")
        return self.app(environ, start_response)

    def _decide(self, operation: str, body: dict[str, Any], raw: bytes) -> str | None:
        if (operation, body.get("repositoryName")) in self.persistent or (
            operation,
            None,
        ) in self.persistent:
            self._count("persistent")
            return "persistent"
        key = f"{operation}:{raw.decode(errors='replace')}"
        with self._lock:
            n = self._attempts[key]
            self._attempts[key] += 1
        rng = random.Random(f"{self.seed}/{key}/{n}")
        if self.mid_page_500 and body.get("nextToken") and n == 0:
            self._count("500")
            return "500"
        draw = rng.random()
        if draw < self.reset:
            self._count("reset")
            return "reset"
        if draw < self.reset + self.throttle:
            self._count("throttle")
            return "throttle"
        self._count("ok")
        return None

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1

    @staticmethod
    def _error(start_response: Any, status: str, code: str) -> list[bytes]:
        payload = json.dumps({"__type": code, "message": f"injected {code}"}).encode()
        start_response(
            status,
            [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", code),
                ("Content-Length", str(len(payload))),
            ],
        )
        return [payload]

    @staticmethod
    def _reset(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        sock = environ.get("werkzeug.socket")
        if sock is not None:  # SO_LINGER 0: close() sends a TCP RST, the client sees a reset
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        start_response("500 Internal Server Error", [("Content-Length", "0")])
        return []


class FaultyMoto:
    """moto over HTTP on 127.0.0.1:<free port>, behind `FaultMiddleware` (`.faults`)."""

    def __init__(self, seed: int = 0) -> None:
        from moto.server import DomainDispatcherApplication, create_backend_app

        self.faults = FaultMiddleware(DomainDispatcherApplication(create_backend_app), seed)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        from werkzeug.serving import make_server

        for name in ("werkzeug", "moto"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self._server = make_server("127.0.0.1", 0, self.faults, threaded=True)
        self._server.handle_error = lambda request, address: None  # a reset we caused: quiet
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)
