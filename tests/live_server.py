"""A real gunicorn serving the app on 127.0.0.1, and a cookie-keeping client for it.

Multi-process tests (concurrent writers, killed workers, `--preload`) use
these: `LiveServer(url, log_path, workers=4)` migrates nothing (point it at a
migrated database, e.g. the `app` fixture's), starts gunicorn on a free port
with a fixed SECRET_KEY shared by every worker, waits for `/health/db`, and
keeps the server's whole output in `log_path` for the test to search.
"""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .conftest import CSRF_RE

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "live-server-secret-key-shared-by-all-workers-0000"
START_TIMEOUT = 40
REQUEST_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`gunicorn -w N wsgi:app` against `database_url`; use as a context manager."""

    def __init__(
        self,
        database_url: str,
        log_path: Path,
        *,
        workers: int = 2,
        preload: bool = False,
        timeout: int = 60,
    ) -> None:
        self.database_url = database_url
        self.log_path = log_path
        self.workers = workers
        self.preload = preload
        self.timeout = timeout
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers)]
        command += ["-b", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout)]
        command += ["--graceful-timeout", "5", "--access-logfile", "-"]
        if self.preload:
            command.append("--preload")
        return [*command, "wsgi:app"]

    def environment(self) -> dict[str, str]:
        # Development settings over plain http: production cookies are Secure and
        # would never come back from a client talking to http://127.0.0.1.
        env = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
        env |= {
            "APP_ENV": "development",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET_KEY,
            "PYTHONUNBUFFERED": "1",
        }
        return env

    def start(self) -> LiveServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=self.environment(), stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._ready():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited at start-up:\n{self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"gunicorn was not ready in time:\n{self.log()}")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + "/health/db", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def worker_pids(self) -> list[int]:
        """The pids of the arbiter's live worker processes."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One browser session against a LiveServer: its own cookies and CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token: str | None = None

    def request(
        self,
        path: str,
        data: dict | list | None = None,
        *,
        body: bytes | None = None,
        content_type: str | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[int, str]:
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            content_type = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=body)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf(self, page: str = "/auth/login") -> str:
        """This session's CSRF token (it stays valid for the whole session)."""
        if self.token is None:
            status, html = self.request(page)
            match = CSRF_RE.search(html)
            assert match, f"no CSRF token on {page} ({status})"
            self.token = match.group(1) or match.group(2)
        return self.token

    def post(self, path: str, data: dict, **kwargs) -> tuple[int, str]:
        return self.request(path, {**data, "csrf_token": self.csrf()}, **kwargs)

    def login(self, login: str, password: str) -> None:
        status, body = self.post("/auth/login", {"login": login, "password": password})
        assert status == 302, (status, body[:500])
        # Logging in starts a new session, and with it a new token.
        self.token = None
        self.csrf("/expenses/new")

    def upload(self, path: str, fields: dict, files: dict[str, tuple[str, bytes]], **kwargs):
        """POST multipart/form-data (`files`: field -> (filename, content))."""
        boundary = "----live-server-boundary-7d9f"
        parts: list[bytes] = []
        for name, value in {**fields, "csrf_token": self.csrf()}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for name, (filename, content) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            path,
            body=b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
            **kwargs,
        )
