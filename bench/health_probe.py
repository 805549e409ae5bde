"""Poll a health URL at a steady pace from a process of its own; report every latency.

    python bench/health_probe.py http://127.0.0.1:8000/api/health --interval 0.05

A load generator that also times the probe would add its own event-loop lag to every
sample; in its own process the probe measures the server alone. One keep-alive connection
(as a load balancer's probe), one request at a time, the next one `--interval` after the
previous one started (or at once when it took longer). Prints `HEALTH_PROBE_READY` after the
first answer, polls until its standard input closes (or SIGTERM), then prints one JSON line:
`{"latencies_ms": [...], "failures": {"what": count}}` (every attempt's latency, failed ones
included; a failure is an exception, a status other than `--expect`, or, expecting 200, a
body whose `status` is not `ok`). `--expect 404` on an unknown path times a request that
touches no database: the server's event-loop responsiveness alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import threading
import time
from collections import Counter
from types import FrameType
from urllib.parse import urlsplit

READY_LINE = "HEALTH_PROBE_READY"
RESULT_PREFIX = "HEALTH_PROBE_RESULT="


def _probe(connection: http.client.HTTPConnection, path: str, expect: int) -> str | None:
    """One GET; None when it answered as expected, else what went wrong."""
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != expect:
        return f"HTTP {response.status}"
    if expect != 200:
        return None
    status = json.loads(body).get("status")
    return None if status == "ok" else f"status {status!r}"


def poll(
    url: str, interval_s: float, timeout_s: float, stop: threading.Event, expect: int = 200
) -> dict[str, object]:
    parts = urlsplit(url)
    host, port, path = parts.hostname or "127.0.0.1", parts.port or 80, parts.path or "/"
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    connection: http.client.HTTPConnection | None = None
    while not stop.is_set():
        started = time.perf_counter()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(host, port, timeout=timeout_s)
            failure = _probe(connection, path, expect)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failure = type(exc).__name__
            if connection is not None:
                connection.close()
            connection = None
        elapsed = time.perf_counter() - started
        latencies.append(elapsed * 1000)
        if failure is not None:
            failures[failure] += 1
        if len(latencies) == 1:
            sys.stdout.write(READY_LINE + "\n")
            sys.stdout.flush()
        stop.wait(max(0.0, interval_s - elapsed))
    if connection is not None:
        connection.close()
    return {"latencies_ms": latencies, "failures": dict(failures)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between starts")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument(
        "--expect", type=int, default=200, help="expected status (200 also needs status ok)"
    )
    args = parser.parse_args()
    stop = threading.Event()

    def _stop_on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop_on_signal)

    def _stop_at_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=_stop_at_eof, daemon=True).start()
    result = poll(args.url, args.interval, args.timeout, stop, args.expect)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
