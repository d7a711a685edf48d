"""Serve an app with gunicorn on a free 127.0.0.1 port, log in through the real form, read RSS."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from .dataset import ROOT, app_env

WORKERS = 2
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`gunicorn -w 2` running `target` (e.g. "wsgi:app") against one database."""

    def __init__(self, target: str, url: str, extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = app_env(url) | (extra_env or {})
        command = [
            sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{self.port}",
            "--timeout", "120", "--log-level", "warning", target,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with status {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if len(self.worker_pids()) == WORKERS:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- HTTP as a logged-in browser would do it ---------------------------------

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post_form(self, form_path: str, fields: dict[str, str], action: str | None = None) -> int:
        token = CSRF.search(self.get(form_path)).group(1)
        data = urllib.parse.urlencode(fields | {"csrf_token": token}).encode()
        with self.opener.open(self.base + (action or form_path), data, timeout=120) as response:
            return response.status

    def login(self, login: str, password: str) -> str:
        """Log in through the form, in a new session (the later requests of `get`,
        `post_form` and the probes are that user's); the Cookie header that carries it."""
        self.jar.clear()
        self.post_form("/auth/login", {"login": login, "password": password})
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.jar)
        if "session" not in cookies:
            raise RuntimeError("login failed: no session cookie")
        return cookies

    # --- memory ----------------------------------------------------------------

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_status(self, field: str) -> list[int]:
        """A /proc status field (VmRSS, VmHWM) of each worker, in bytes."""
        values = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    values.append(int(line.split()[1]) * 1024)
        return values

    def reset_peaks(self) -> None:
        """Reset the workers' peak RSS (VmHWM) so a later read is the peak of what follows."""
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")
