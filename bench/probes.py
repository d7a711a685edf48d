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
from expenses_app.reads.privacy import PRIVATE_LABEL

from .dataset import USER
from .server import CSRF, Server

PER_PAGE = 20
IMPORT_ROWS = 10_000
IMPORT_MARK = "bench import "
BUDGETS = (("", "2500.00", "monthly"), ("0", "400.00", "monthly"), ("1", "120.00", "weekly"),
           ("2", "3000.00", "yearly"), ("3", "250.00", "monthly"))  # fmt: skip


# What the shared ledger is measured on (issue 12: the list, dashboard, budgets, reports).
SHARED_PAGES = (
    "dashboard", "list: first page", "list: filtered", "list: text search", "budgets", "reports",
)  # fmt: skip


@dataclass
class Probe:
    seconds: float
    rows: int
    rss_growth: int = 0


def engine(url: str) -> sa.Engine:
    return sa.create_engine(normalise_database_url(url))


def _ledger_facts(url: str, login: str) -> tuple[list[str], str, int, int]:
    """The categories (by name), newest expense id, live expenses and budgets of the ledger
    a login of `login` starts in (their last one: see `ledgers/current.py`)."""
    eng = engine(url)
    with eng.connect() as conn:
        ledger_id = conn.execute(
            sa.text("SELECT last_ledger_id FROM users WHERE username = :u"), {"u": login}
        ).scalar_one()
        ledger = {"l": ledger_id}
        # The default ones: the import probe leaves its new (empty) categories behind, and
        # "Bench imports" would sort first, so a later run's filtered list matched nothing.
        categories = conn.execute(
            sa.text(
                "SELECT id FROM categories WHERE ledger_id = :l AND is_default = :yes"
                " ORDER BY name_key"
            ),
            ledger | {"yes": True},
        ).scalars()
        categories = [str(uuid.UUID(str(c))) for c in categories]
        newest, live = conn.execute(
            sa.text(
                "SELECT (SELECT id FROM expenses WHERE ledger_id = :l AND deleted_at IS NULL"
                " ORDER BY date DESC LIMIT 1),"
                " (SELECT count(*) FROM expenses WHERE ledger_id = :l AND deleted_at IS NULL)"
            ),
            ledger,
        ).one()
        budgets = conn.execute(
            sa.text("SELECT count(*) FROM budgets WHERE ledger_id = :l"), ledger
        ).scalar_one()
    eng.dispose()
    return categories, str(uuid.UUID(str(newest))), live, budgets


def prepare(server: Server, url: str, login: str = USER) -> dict[str, str]:
    """Give the ledger `login` (logged in on `server`) reads a few budgets (through the
    forms, once) and name the pages to load."""
    categories, newest, live, budgets = _ledger_facts(url, login)
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


def prepare_shared(server: Server, url: str, login: str) -> dict[str, str]:
    """`prepare` for the shared ledger's reader (logged in on `server`): the pages the
    issue names (list, dashboard, budgets, reports), after checking that what they load
    is the shared ledger as a member sees it (others' private expenses masked, "Added by")."""
    pages = prepare(server, url, login)
    first = server.get("/expenses/?per_page=100")  # 20 rows may happen to hold no masked one
    for needed in ("Household", "Added by", PRIVATE_LABEL):
        if needed not in first:
            raise RuntimeError(f"the shared ledger's list, read by {login}, lacks {needed!r}")
    return {name: path for name, path in pages.items() if name in SHARED_PAGES}


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
