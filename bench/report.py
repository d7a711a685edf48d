"""The results table (Markdown) with ratios to the baseline and to the reference, and the
targets checked."""

from __future__ import annotations

import statistics

from . import load, reference
from .dataset import SHARED_MEMBERS, USER
from .figures import DatabaseRun, Page, Results
from .statement_import import IMPORT_ROWS, TARGETS, USER_ROWS

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
SHARED_MIN = 0.9  # issue 12: the shared ledger's pages ≥ 0.9 × the single-user ledger's
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


def _page_rows(pages: list[Page], base: load.Load, kind: str, views: str) -> list[str]:
    rows = [
        "| page | req/s | × base | ref × base | × ref | p50 ms | × base | p99 ms | p99/p50 | SQL "
        "| worker RSS MB | errors | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| baseline (50 rows, 1 query) | {base.requests_per_s:.1f} | 1.00 | | | {base.p50_ms:.1f} "
        f"| 1.00 | {base.p99_ms:.1f} | {base.p99_ms / base.p50_ms:.1f} | 1 | | {base.errors} | |",
    ]
    for page in pages:
        f = page.load
        throughput = f.requests_per_s / base.requests_per_s
        tail = f.p99_ms / f.p50_ms
        minimum = _min_ratio(page.name)
        ref_ratio, relative, ref_check = reference.compare(
            throughput, reference.page(kind, views, page.name), "x_base"
        )
        checks = [ref_check, f"p99 ≤ 3×p50 {_mark(tail <= TAIL_MAX)}"]
        if minimum is not None:
            checks.insert(0, f"≥ {minimum}× {_mark(throughput >= minimum)}")
        if f.errors:
            checks.append("ERRORS")
        rows.append(
            f"| {page.name} | {f.requests_per_s:.1f} | {throughput:.2f} | {ref_ratio} | {relative} "
            f"| {f.p50_ms:.1f} | {f.p50_ms / base.p50_ms:.2f} | {f.p99_ms:.1f} | {tail:.1f} "
            f"| {page.sql} | {page.rss / MB:.0f} | {f.errors} | {'; '.join(checks)} |"
        )
    return rows


def _task_row(title: str, probe, base_rows_s: float, ref: dict | None, cells: tuple[str, str]):
    """A one-off task's row: `cells` are its RSS growth and its own target checked."""
    rate = probe.rows / probe.seconds
    ref_ratio, relative, ref_check = reference.compare(rate / base_rows_s, ref, "x_base_rows_s")
    growth, target = cells
    return (
        f"| {title} | {probe.rows:,} | {probe.seconds:.2f} | {rate:,.0f} "
        f"| {rate / base_rows_s:.2f} | {ref_ratio} | {relative} | {growth} "
        f"| {target}; {ref_check} |"
    )


def _one_off_rows(run: DatabaseRun, base: load.Load) -> list[str]:
    base_rows_s = base.requests_per_s * BASELINE_ROWS
    export, imported = run.export, run.imported
    rows = [
        "",
        "| task | rows | seconds | rows/s | × base rows/s | ref × base | × ref "
        "| worker RSS growth MB | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        _task_row(
            "CSV export (streamed)", export, base_rows_s, reference.task(run.kind, "export"),
            (f"{export.rss_growth / MB:.1f}",
             f"growth < 30 MB {_mark(export.rss_growth < EXPORT_RSS_MAX)}"),
        ),
        _task_row(
            "CSV import", imported, base_rows_s, reference.task(run.kind, "import"),
            ("", f"< 2 s {_mark(imported.seconds < IMPORT_MAX_S)}"),
        ),
    ]  # fmt: skip
    if run.small_list:
        rows += ["", _growth_line(run)]
    return rows


def _growth_line(run: DatabaseRun) -> str:
    large = next(p.load for p in run.rendered if p.name == "list: first page")
    growth = large.p50_ms / run.small_list.p50_ms
    ref = reference.database(run.kind).get("list_growth")
    was = f"; reference {ref['ratio']:.2f}×" if ref else ""
    return (
        f"List first page, every view rendered, p50: {large.p50_ms:.1f} ms with "
        f"{run.data.total_rows:,} expenses "
        f"({run.data.user_rows:,} the user's) vs {run.small_list.p50_ms:.1f} ms with 1,000: "
        f"{growth:.2f}× (target ≤ {GROWTH_MAX}×: {_mark(growth <= GROWTH_MAX)}{was}); "
        f"{run.small_list.requests_per_s:.1f} req/s at 1,000."
    )


def _shared_rows(run: DatabaseRun) -> list[str]:
    """The shared ledger's pages against the same pages of the single-user ledger."""
    data = run.data
    rows = [
        "",
        f"### Shared ledger ({SHARED_MEMBERS} members) ÷ single-user",
        "",
        f"A ledger of {data.shared_rows:,} expenses in the same table, {SHARED_MEMBERS} members "
        f"(owner `{USER}` and 9 others who each added a share, about 1 in 10 of their own "
        f"private), read by the member `{data.shared_reader}` (who added about 8 % of them: "
        "the others' private expenses are masked, every row says who added it), against "
        f"`{USER}`'s own ledger ({data.user_rows:,} expenses, one member); each shared page is "
        f"loaded right after the same single-user page. Target (issue 12): shared req/s "
        f"≥ {SHARED_MIN} × single-user.",
        "",
        "| page | views | single req/s | shared req/s | shared ÷ single | single p50 ms "
        "| shared p50 ms | p50 ÷ | p99/p50 shared | SQL single, shared | errors | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for views, single_pages, shared_pages in (
        ("repeat", run.pages, run.shared_pages),
        ("rendered", run.rendered, run.shared_rendered),
    ):
        single = {page.name: page for page in single_pages}
        for page in shared_pages:
            one, f = single[page.name].load, page.load
            ratio = f.requests_per_s / one.requests_per_s
            rows.append(
                f"| {page.name} | {views} | {one.requests_per_s:.1f} | {f.requests_per_s:.1f} "
                f"| {ratio:.2f} | {one.p50_ms:.1f} | {f.p50_ms:.1f} | {f.p50_ms / one.p50_ms:.2f} "
                f"| {f.p99_ms / f.p50_ms:.1f} | {single[page.name].sql}, {page.sql} | {f.errors} "
                f"| ≥ {SHARED_MIN}× {_mark(ratio >= SHARED_MIN and not f.errors)} |"
            )
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


def _demo_line(results: Results) -> str:
    rate = 100_000 / results.demo_seconds
    x_base = rate / (baseline(results.runs[0]).requests_per_s * BASELINE_ROWS)
    ref_ratio, relative, ref_check = reference.compare(
        x_base, reference.figures()["demo_data"], "x_base_rows_s"
    )
    return (
        f"`flask demo-data`, 100,000 rows into a fresh SQLite database: "
        f"{results.demo_seconds:.1f} s ({rate:,.0f} rows/s, {x_base:.2f}× base rows/s; "
        f"reference {ref_ratio}×, {relative}× ref); target < 30 s: "
        f"{_mark(results.demo_seconds < DEMO_MAX_S)}; {ref_check}."
    )


def _statement_import_rows(results: Results) -> list[str]:
    """Issue 13's figures: each database's medians against the targets."""
    if not results.statement_imports:
        return []
    first = results.statement_imports[0]
    review_max, commit_max = TARGETS["upload to review"], TARGETS["commit"]
    # Measured after the run's end: on its own, not within the `make bench` run above.
    alone = ", on its own after the run above" if first.when > results.machine.when else ""
    rows = [
        "",
        f"## Bank statement import, {IMPORT_ROWS:,}-row CSV (issue 13; measured {first.when} "
        f"UTC by `python -m bench.statement_import`{alone}, median of {first.runs} runs per "
        "database)",
        "",
        "A German giro statement (cp1252, `;`, a preamble) uploaded through the test client "
        f"by a user whose ledger holds {USER_ROWS:,} expenses, in a fresh database: upload, "
        "mapping as pre-filled, review page, then commit of every checked line.",
        "",
        "| database | rows added | upload s | mapping s | review page s | upload → review s "
        "| target | commit s | target |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for figure in results.statement_imports:
        s = figure.seconds
        review, commit = s["upload to review"], s["commit"]
        rows.append(
            f"| {figure.kind} | {figure.rows:,} | {s['upload']:.2f} | {s['mapping']:.2f} "
            f"| {s['review page']:.2f} | {review:.2f} | < {review_max:.0f} s "
            f"{_mark(review < review_max)} | {commit:.2f} | < {commit_max:.0f} s "
            f"{_mark(commit < commit_max)} |"
        )
    return rows


def render(results: Results) -> str:
    """The whole results.md text."""
    m = results.machine
    lines = [
        "# Benchmark results",
        "",
        f"Run {m.when} UTC on {m.node} ({m.arch}, {m.cores} cores, {m.python}, {m.memory}), "
        f"load average {m.load_average:.2f} at the end; gunicorn -w 2 (sync), "
        f"wrk -t{load.THREADS} -c{load.CONNECTIONS}, {results.seconds} s per page; whole run "
        f"{results.total:.0f} s.",
        "The machine is shared: compare ratios to the baseline (measured before and after the "
        "app's pages, averaged), not absolute figures. `× ref` is a ratio to the baseline over "
        "the same ratio in the reference (see its section at the end): target "
        f"≥ {reference.REF_MIN}×.",
    ]
    for run in results.runs:
        base = baseline(run)
        lines += ["", f"## {run.kind} ({run.data.total_rows:,} expenses, "
                  f"{run.data.user_rows:,} for the measured user)", ""]  # fmt: skip
        lines += [REPEAT_TITLE, ""] + _page_rows(run.pages, base, run.kind, "repeat")
        lines += ["", RENDERED_TITLE, ""] + _page_rows(run.rendered, base, run.kind, "rendered")
        if run.shared_pages:
            lines += _shared_rows(run)
        lines += _one_off_rows(run, base)
        spread = [b.requests_per_s for b in run.baseline]
        lines.append(f"\nBaseline req/s before and after: {spread[0]:.1f}, {spread[-1]:.1f}.")
    if len(results.runs) > 1:
        lines += _pg_rows(results.runs[0], results.runs[1])
    lines += ["", _demo_line(results)]
    lines += _statement_import_rows(results)
    lines += reference.section([run.kind for run in results.runs]) + [""]
    return "\n".join(lines)
