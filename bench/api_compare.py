"""The expense list through the API against the HTML list, through the test client (issue 16).

`python -m bench.api_compare [--url URL] [--rows N] [--rounds N] [--requests N]`:
a user with N expenses (default 100,000, made with `demo_data` in a fresh
SQLite file under instance/bench/, kept between runs; or the database at
`--url`, which must already hold the user `bench`, or which `--build`
empties and fills: a database of its own), then in interleaved
rounds the same pages as JSON and as HTML (page cache off): CPU ms per GET
(best round; on SQLite the whole cost, the database runs in-process) and
the ratio API ÷ HTML, against the issue's 1.3. Each pair reads the same
page of the same filter with `per_page=50` (the API's default).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from pathlib import Path

from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
USER = "bench"
PASSWORD = "bench password 1234"
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
# name -> query string, each read both ways.
PAGES = {
    "first page": "per_page=50",
    "filtered": "per_page=50&min=5&sort=amount",
    "search": "per_page=50&q=coffee",
    "page 100": "per_page=50&page=100",
}
TARGET = 1.3


def build(url: str, rows: int) -> None:
    """The user `bench` with `rows` expenses (migrating a fresh database first)."""
    from flask_migrate import upgrade

    from expenses_app import create_app
    from expenses_app.auth.passwords import hash_password
    from expenses_app.demo_data import add_demo_expenses, create_demo_user
    from expenses_app.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        user = create_demo_user(USER, hash_password(PASSWORD))
        db.session.flush()
        add_demo_expenses(user.id, rows, rng=random.Random(16))
        db.session.commit()


def reset_schema(url: str) -> None:
    """Drop and recreate the public schema of the PostgreSQL database at `url`."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def clients(app) -> tuple[FlaskClient, dict[str, str], object]:
    """A logged-in browser and the bearer header of a token of the same user."""
    from sqlalchemy import select

    from expenses_app.auth.api_tokens import create_api_token
    from expenses_app.extensions import db
    from expenses_app.models import User

    browser = app.test_client()
    token = CSRF.search(browser.get("/auth/login").data).group(1).decode()
    browser.post("/auth/login", data={"login": USER, "password": PASSWORD, "csrf_token": token})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == USER))
        issued = create_api_token(user_id, name="bench", scope="read", expires="30d")
        db.session.commit()
        return browser, {"Authorization": f"Bearer {issued.token}"}, user_id


def cpu_per_get(client: FlaskClient, path: str, headers: dict, requests: int) -> float:
    """CPU milliseconds per GET of `path` (after one warm-up)."""
    client.get(path, headers=headers)
    begun = time.process_time()
    for _ in range(requests):
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
    return (time.process_time() - begun) * 1000 / requests


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.api_compare")
    parser.add_argument("--url", help="database URL (default: a SQLite file it builds)")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--build", action="store_true", help="with --url: empty that database and build it"
    )
    args = parser.parse_args()
    path = ROOT / "instance" / "bench" / f"api-{args.rows}.db"
    url = args.url or f"sqlite:///{path}"
    os.environ.update(DATABASE_URL=url, PAGE_CACHE_BYTES="0", APP_ENV="development")
    os.environ.setdefault("SECRET_KEY", "bench")
    if args.url and args.build:
        reset_schema(url)
    if args.build or (not args.url and not path.exists()):
        path.parent.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        build(url, args.rows)
        print(f"built {args.rows} rows in {time.perf_counter() - began:.0f} s")
    from expenses_app import create_app

    app = create_app()
    app.config.update(RATELIMIT_ENABLED=False)
    browser, bearer, ledger = clients(app)
    api = app.test_client()
    best = {(name, kind): float("inf") for name in PAGES for kind in ("api", "html")}
    for _ in range(args.rounds):
        for name, query in PAGES.items():
            pairs = (
                ("api", api, f"/api/v1/ledgers/{ledger}/expenses?{query}", bearer),
                ("html", browser, f"/expenses/?{query}", {}),
            )
            for kind, client, page, headers in pairs:
                cost = cpu_per_get(client, page, headers, args.requests)
                best[(name, kind)] = min(best[(name, kind)], cost)
    print(f"{url.rsplit('/', 1)[-1]}; CPU ms per GET, best of {args.rounds} rounds, cache off")
    print(f"{'page':<12} {'API':>8} {'HTML':>8} {'API ÷ HTML':>11}  (target ≤ {TARGET})")
    for name in PAGES:
        api_ms, html_ms = best[(name, "api")], best[(name, "html")]
        ratio = api_ms / html_ms
        mark = "" if ratio <= TARGET else "  MISSED"
        print(f"{name:<12} {api_ms:8.2f} {html_ms:8.2f} {ratio:11.2f}{mark}")


if __name__ == "__main__":
    main()
