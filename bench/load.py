"""Load one URL for a fixed time with a fixed number of connections, using wrk."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

THREADS = 2
CONNECTIONS = 4
WARM_UP_SECONDS = 1
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Load:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors


def wrk_path() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    return path


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def _wrk(url: str, seconds: int, cookie: str | None) -> str:
    command = [wrk_path(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    return subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout


def run(url: str, seconds: int, cookie: str | None = None) -> Load:
    """wrk's figures for `url` (cookie: a Cookie header value, for logged-in pages).

    A discarded warm-up second first: workers import the app on their first
    request and every page fills its caches and connection pool once.
    """
    _wrk(url, WARM_UP_SECONDS, cookie)
    out = _wrk(url, seconds, cookie)
    if " 0 requests in" in out:
        raise RuntimeError(f"wrk made no request to {url}:\n{out}")
    percentile = dict(re.findall(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.M))
    if len(percentile) != 2:
        raise RuntimeError(f"no latency percentiles in wrk's output for {url}:\n{out}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Load(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=_ms(percentile["50"]),
        p99_ms=_ms(percentile["99"]),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        errors=errors,
    )
