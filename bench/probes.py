"""One-off requests of the benchmark: the page list, budgets, CSV export and import."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import time
import urllib.request
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from config import normalise_database_url

from .dataset import USER
from .server import CSRF, Server

PER_PAGE = 20
IMPORT_ROWS = 10_000
IMPORT_MARK = "bench import "
BUDGETS = (("", "2500.00", "monthly"), ("0", "400.00", "monthly"), ("1", "120.00", "weekly"),
           ("2", "3000.00", "yearly"), ("3", "250.00", "monthly"))  # fmt: skip


@dataclass
class Probe:
    seconds: float
    rows: int
    rss_growth: int = 0


def engine(url: str) -> sa.Engine:
    return sa.create_engine(normalise_database_url(url))


def _user_facts(url: str) -> tuple[list[str], str, int, int]:
    """The user's category ids (by name), newest expense id, live expenses, budgets."""
    eng = engine(url)
    with eng.connect() as conn:
        user_id = conn.execute(
            sa.text("SELECT id FROM users WHERE username = :u"), {"u": USER}
        ).scalar_one()
        categories = conn.execute(
            sa.text("SELECT id FROM categories WHERE user_id = :u ORDER BY name_key"),
            {"u": user_id},
        ).scalars()
        categories = [str(uuid.UUID(str(c))) for c in categories]
        newest, live = conn.execute(
            sa.text(
                "SELECT (SELECT id FROM expenses WHERE user_id = :u AND deleted_at IS NULL"
                " ORDER BY date DESC LIMIT 1),"
                " (SELECT count(*) FROM expenses WHERE user_id = :u AND deleted_at IS NULL)"
            ),
            {"u": user_id},
        ).one()
        budgets = conn.execute(
            sa.text("SELECT count(*) FROM budgets WHERE user_id = :u"), {"u": user_id}
        ).scalar_one()
    eng.dispose()
    return categories, str(uuid.UUID(str(newest))), live, budgets


def prepare(server: Server, url: str) -> dict[str, str]:
    """Give the user a few budgets (through the forms, once) and name the pages to load."""
    categories, newest, live, budgets = _user_facts(url)
    if budgets == 0:
        today = dt.date.today()
        for category, amount, period in BUDGETS:
            server.post_form(
                "/budgets/new",
                {
                    "category_id": categories[int(category)] if category else "",
                    "amount": amount,
                    "period": period,
                    "start_date": today.replace(month=1, day=1).isoformat(),
                },
            )
    year_ago = (dt.date.today() - dt.timedelta(days=365)).isoformat()
    return {
        "dashboard": "/",
        "list: first page": "/expenses/",
        "list: filtered": f"/expenses/?category={categories[0]}&start={year_ago}&min=5&sort=amount",
        "list: text search": "/expenses/?q=coffee",
        "list: last page": f"/expenses/?page={math.ceil(live / PER_PAGE)}",
        "expense detail": f"/expenses/{newest}",
        "budgets": "/budgets/",
        "reports": "/reports",
    }


def export(server: Server) -> Probe:
    """Stream the whole CSV export; rows and the workers' peak RSS growth while it ran."""
    before = dict(zip(server.worker_pids(), server.worker_status("VmRSS"), strict=True))
    server.reset_peaks()
    started = time.perf_counter()
    rows = -1  # the header
    with server.opener.open(server.base + "/expenses/export.csv", timeout=300) as response:
        for _line in response:
            rows += 1
    seconds = time.perf_counter() - started
    peaks = dict(zip(server.worker_pids(), server.worker_status("VmHWM"), strict=True))
    growth = max(peaks[pid] - before.get(pid, peaks[pid]) for pid in peaks)
    return Probe(seconds, rows, growth)


def _import_file(today: dt.date) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ("date", "amount", "category", "description", "payment_method", "tags", "notes")
    )
    run = uuid.uuid4().hex[:8]
    for n in range(IMPORT_ROWS):
        date = today - dt.timedelta(days=n % 700)
        category = ("Groceries", "Transport", "Bench imports")[n % 3]
        tags = "bench" if n % 4 == 0 else ""
        writer.writerow(
            (date.isoformat(), f"{1 + n % 250}.{n % 100:02d}", category,
             f"{IMPORT_MARK}{run} {n}", "debit_card", tags, "")
        )  # fmt: skip
    return out.getvalue().encode()


def import_csv(server: Server, url: str) -> Probe:
    """POST 10,000 rows to the import form, then delete them so the dataset stays as built."""
    token = CSRF.search(server.get("/expenses/import")).group(1)
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + _import_file(dt.date.today())
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        server.base + "/expenses/import",
        data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    started = time.perf_counter()
    with server.opener.open(request, timeout=300) as response:  # with the session cookie
        page = response.read().decode()
    seconds = time.perf_counter() - started
    _delete_imported(url)
    if "10,000" not in page and "10000" not in page:
        raise RuntimeError("the import did not report 10,000 imported rows")
    return Probe(seconds, IMPORT_ROWS)


def _delete_imported(url: str) -> None:
    eng = engine(url)
    with eng.begin() as conn:
        marked = "SELECT id FROM expenses WHERE description LIKE :mark"
        params = {"mark": IMPORT_MARK + "%"}
        conn.execute(sa.text(f"DELETE FROM expense_tags WHERE expense_id IN ({marked})"), params)
        conn.execute(sa.text("DELETE FROM expenses WHERE description LIKE :mark"), params)
    eng.dispose()
