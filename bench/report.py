"""The results table (Markdown) with ratios to the baseline and the targets checked."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
from typing import TYPE_CHECKING

from . import load

if TYPE_CHECKING:
    from .run import DatabaseRun, Page

MB = 1024 * 1024
BASELINE_ROWS = 50
LIST_MIN = 0.7
OTHER_MIN = 0.5
OTHER_PAGES = ("dashboard", "budgets", "reports")
TAIL_MAX = 3.0
GROWTH_MAX = 1.3
PG_MAX = 1.5
EXPORT_RSS_MAX = 30 * MB
IMPORT_MAX_S = 2.0
DEMO_MAX_S = 30.0
REPEAT_TITLE = (
    "### Repeat views: the app as served (its page cache answers a repeated view of "
    "unchanged data; SQL is the statements of such a view)"
)
RENDERED_TITLE = (
    "### Every view rendered: the same app with `PAGE_CACHE_BYTES=0` (SQL is the statements "
    "of a view that renders the page)"
)


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def baseline(run: DatabaseRun) -> load.Load:
    """The mean of the baseline's runs before and after the app's."""
    return load.Load(
        requests_per_s=statistics.fmean(b.requests_per_s for b in run.baseline),
        p50_ms=statistics.fmean(b.p50_ms for b in run.baseline),
        p99_ms=statistics.fmean(b.p99_ms for b in run.baseline),
        requests=sum(b.requests for b in run.baseline),
        errors=sum(b.errors for b in run.baseline),
    )


def _min_ratio(name: str) -> float | None:
    if name.startswith("list"):
        return LIST_MIN
    return OTHER_MIN if name in OTHER_PAGES else None


def _page_rows(pages: list[Page], base: load.Load) -> list[str]:
    rows = [
        "| page | req/s | × base | p50 ms | × base | p99 ms | p99/p50 | SQL | worker RSS MB "
        "| errors | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| baseline (50 rows, 1 query) | {base.requests_per_s:.1f} | 1.00 | {base.p50_ms:.1f} "
        f"| 1.00 | {base.p99_ms:.1f} | {base.p99_ms / base.p50_ms:.1f} | 1 | | {base.errors} | |",
    ]
    for page in pages:
        f = page.load
        throughput = f.requests_per_s / base.requests_per_s
        tail = f.p99_ms / f.p50_ms
        minimum = _min_ratio(page.name)
        checks = [f"p99 ≤ 3×p50 {_mark(tail <= TAIL_MAX)}"]
        if minimum is not None:
            checks.insert(0, f"≥ {minimum}× {_mark(throughput >= minimum)}")
        if f.errors:
            checks.append("ERRORS")
        rows.append(
            f"| {page.name} | {f.requests_per_s:.1f} | {throughput:.2f} | {f.p50_ms:.1f} "
            f"| {f.p50_ms / base.p50_ms:.2f} | {f.p99_ms:.1f} | {tail:.1f} | {page.sql} "
            f"| {page.rss / MB:.0f} | {f.errors} | {'; '.join(checks)} |"
        )
    return rows


def _one_off_rows(run: DatabaseRun, base: load.Load) -> list[str]:
    base_rows_s = base.requests_per_s * BASELINE_ROWS
    export, imported = run.export, run.imported
    export_rate = export.rows / export.seconds
    import_rate = imported.rows / imported.seconds
    rows = [
        "",
        "| task | rows | seconds | rows/s | × base rows/s | worker RSS growth MB | targets |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| CSV export (streamed) | {export.rows:,} | {export.seconds:.2f} | {export_rate:,.0f} "
        f"| {export_rate / base_rows_s:.2f} | {export.rss_growth / MB:.1f} "
        f"| growth < 30 MB {_mark(export.rss_growth < EXPORT_RSS_MAX)} |",
        f"| CSV import | {imported.rows:,} | {imported.seconds:.2f} | {import_rate:,.0f} "
        f"| {import_rate / base_rows_s:.2f} | | < 2 s {_mark(imported.seconds < IMPORT_MAX_S)} |",
    ]
    if run.small_list:
        large = next(p.load for p in run.rendered if p.name == "list: first page")
        growth = large.p50_ms / run.small_list.p50_ms
        rows += [
            "",
            f"List first page, every view rendered, p50: {large.p50_ms:.1f} ms with "
            f"{run.data.total_rows:,} expenses "
            f"({run.data.user_rows:,} the user's) vs {run.small_list.p50_ms:.1f} ms with 1,000: "
            f"{growth:.2f}× (target ≤ {GROWTH_MAX}×: {_mark(growth <= GROWTH_MAX)}); "
            f"{run.small_list.requests_per_s:.1f} req/s at 1,000.",
        ]
    return rows


def _pg_rows(sqlite: DatabaseRun, pg: DatabaseRun) -> list[str]:
    rows = ["", "## PostgreSQL vs SQLite (p50)", ""]
    rows += [
        "| page | views | SQLite ms | PostgreSQL ms | × | target |",
        "|---|---|---:|---:|---:|---|",
    ]
    for views, lite_pages, pg_pages in (
        ("repeat", sqlite.pages, pg.pages),
        ("rendered", sqlite.rendered, pg.rendered),
    ):
        for lite, post in zip(lite_pages, pg_pages, strict=True):
            ratio = post.load.p50_ms / lite.load.p50_ms
            rows.append(
                f"| {lite.name} | {views} | {lite.load.p50_ms:.1f} | {post.load.p50_ms:.1f} "
                f"| {ratio:.2f} | ≤ {PG_MAX}× {_mark(ratio <= PG_MAX)} |"
            )
    return rows


def render(runs: list[DatabaseRun], demo_seconds: float, seconds: int, total: float) -> str:
    """The whole results.md text."""
    uname = platform.uname()
    lines = [
        "# Benchmark results",
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {uname.node} ({uname.machine}, "
        f"{os.cpu_count()} cores, {platform.python_version()}, {_memory()}), load average "
        f"{os.getloadavg()[0]:.2f} at the end; gunicorn -w 2 (sync), wrk -t{load.THREADS} "
        f"-c{load.CONNECTIONS}, {seconds} s per page; whole run {total:.0f} s.",
        "The machine is shared: compare ratios to the baseline (measured before and after the "
        "app's pages, averaged), not absolute figures.",
    ]
    for run in runs:
        base = baseline(run)
        kind = "PostgreSQL" if run.data.url.startswith("postgres") else "SQLite"
        lines += ["", f"## {kind} ({run.data.total_rows:,} expenses, "
                  f"{run.data.user_rows:,} for the measured user)", ""]  # fmt: skip
        lines += [REPEAT_TITLE, ""] + _page_rows(run.pages, base)
        lines += ["", RENDERED_TITLE, ""] + _page_rows(run.rendered, base)
        lines += _one_off_rows(run, base)
        spread = [b.requests_per_s for b in run.baseline]
        lines.append(f"\nBaseline req/s before and after: {spread[0]:.1f}, {spread[-1]:.1f}.")
    if len(runs) > 1:
        lines += _pg_rows(runs[0], runs[1])
    rate = 100_000 / demo_seconds
    lines += [
        "",
        f"`flask demo-data`, 100,000 rows into a fresh SQLite database: {demo_seconds:.1f} s "
        f"({rate:,.0f} rows/s, {rate / (baseline(runs[0]).requests_per_s * BASELINE_ROWS):.2f}"
        f"× base rows/s); target < 30 s: {_mark(demo_seconds < DEMO_MAX_S)}.",
        "",
    ]
    return "\n".join(lines)


def _memory() -> str:
    with open("/proc/meminfo") as meminfo:
        kb = int(meminfo.readline().split()[1])
    return f"{kb / MB:.0f} GB RAM"
