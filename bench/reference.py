"""The reference figures (`reference.json`: results.md as it stood before issue 11) and the
comparisons of a run with them.

A figure is compared as a ratio to the baseline of its own run, because
absolute figures on a shared machine drift from run to run: `× ref` is this
run's ratio over the reference's, and the target is at least `REF_MIN`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name("reference.json")
REF_MIN = 0.9
VIEWS = (("repeat", "repeat views"), ("rendered", "every view rendered"))
TASKS = (("export", "CSV export"), ("import", "CSV import"))


@functools.cache
def figures() -> dict[str, Any]:
    return json.loads(PATH.read_text())


def database(kind: str) -> dict[str, Any]:
    """The reference figures of "SQLite" or "PostgreSQL" (empty when it has none)."""
    return figures()["databases"].get(kind, {})


def page(kind: str, views: str, name: str) -> dict[str, float] | None:
    """A page's reference figures (req_s, x_base, p50_ms, p99_ms) for "repeat"/"rendered"."""
    return database(kind).get(views, {}).get(name)


def task(kind: str, name: str) -> dict[str, float] | None:
    """The "export" or "import" reference figures (rows, seconds, rows_s, x_base_rows_s)."""
    return database(kind).get(name)


def compare(x_base: float, ref: dict[str, float] | None, key: str) -> tuple[str, str, str]:
    """Table cells for a ratio to the baseline against the reference's `key`:
    the reference ratio, this run's over it, and the target checked."""
    if ref is None:
        return "", "", f"≥ {REF_MIN}× ref: no reference"
    relative = x_base / ref[key]
    mark = "ok" if relative >= REF_MIN else "MISSED"
    return f"{ref[key]:.2f}", f"{relative:.2f}", f"≥ {REF_MIN}× ref {mark}"


def _database_section(kind: str) -> list[str]:
    ref = database(kind)
    if not ref:
        return []
    lines = ["", f"### {kind} (baseline {ref['baseline_req_s']:.1f} req/s)", ""]
    lines += [
        "| page | views | req/s | × base | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for views, _title in VIEWS:
        for name, fig in ref[views].items():
            lines.append(
                f"| {name} | {views} | {fig['req_s']:.1f} | {fig['x_base']:.2f} "
                f"| {fig['p50_ms']:.1f} | {fig['p99_ms']:.1f} |"
            )
    lines += ["", "| task | rows | seconds | rows/s | × base rows/s |", "|---|---:|---:|---:|---:|"]
    for name, title in TASKS:
        fig = ref[name]
        lines.append(
            f"| {title} | {fig['rows']:,} | {fig['seconds']:.2f} | {fig['rows_s']:,} "
            f"| {fig['x_base_rows_s']:.2f} |"
        )
    if "list_growth" in ref:
        growth = ref["list_growth"]
        lines.append(
            f"\nList first page at 1,000,099 vs 1,000 rows (rendered, p50): "
            f"{growth['large_p50_ms']:.1f} vs {growth['small_p50_ms']:.1f} ms, "
            f"{growth['ratio']:.2f}×."
        )
    return lines


def section(kinds: list[str]) -> list[str]:
    """The reference figures themselves, kept in the results next to the comparison."""
    lines = ["", "## Reference figures (`bench/reference.json`)", "", f"{figures()['source']}."]
    for kind in kinds:
        lines += _database_section(kind)
    demo = figures()["demo_data"]
    lines.append(
        f"\n`flask demo-data`, 100,000 rows: {demo['seconds']:.1f} s "
        f"({demo['rows_s']:,} rows/s, {demo['x_base_rows_s']:.2f}× base rows/s)."
    )
    return lines
