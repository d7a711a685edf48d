"""What a bench run measured, as plain data: kept in bench/results.json beside results.md,
so the report can be rendered again from a saved run (`python -m bench --report FILE`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from .dataset import Dataset
from .load import Load
from .probes import Probe
from .statement_import import StatementImport


@dataclass
class Page:
    name: str
    path: str
    load: Load
    rss: int
    sql: int | None = None


@dataclass
class DatabaseRun:
    data: Dataset
    baseline: list[Load] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    rendered: list[Page] = field(default_factory=list)
    export: Probe | None = None
    imported: Probe | None = None
    small_list: Load | None = None
    # The shared ledger's pages (read by `data.shared_reader`), as served and rendered.
    shared_pages: list[Page] = field(default_factory=list)
    shared_rendered: list[Page] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.data.url.startswith("postgres") else "SQLite"


@dataclass
class Machine:
    """Where and when the run was made (read at its end)."""

    when: str
    node: str
    arch: str
    cores: int | None
    python: str
    memory: str
    load_average: float

    @classmethod
    def now(cls) -> Machine:
        uname = platform.uname()
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
        return cls(
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}", uname.node, uname.machine,
            os.cpu_count(), platform.python_version(), f"{kb / 1024**2:.0f} GB RAM",
            os.getloadavg()[0],
        )  # fmt: skip


@dataclass
class Results:
    runs: list[DatabaseRun]
    demo_seconds: float
    seconds: int  # per page
    total: float  # the whole run's wall time
    machine: Machine
    # Issue 13: the bank statement import, SQLite then PostgreSQL (empty in older files).
    statement_imports: list[StatementImport] = field(default_factory=list)


def _shareable(raw_url: str) -> str:
    """The URL without a password, and a SQLite file named relative to the checkout."""
    url = make_url(raw_url)
    if url.get_backend_name() == "sqlite" and url.database:
        url = url.set(database=os.path.relpath(url.database, Path(__file__).resolve().parents[1]))
    return url.render_as_string(hide_password=True)


def save(results: Results, path: Path) -> None:
    data = dataclasses.asdict(results)
    for run in data["runs"]:
        run["data"]["url"] = _shareable(run["data"]["url"])
    path.write_text(json.dumps(data, indent=1) + "\n")


def _page(raw: dict[str, Any]) -> Page:
    return Page(**(raw | {"load": Load(**raw["load"])}))


def _run(raw: dict[str, Any]) -> DatabaseRun:
    def maybe(kind, value):
        return None if value is None else kind(**value)

    return DatabaseRun(
        data=Dataset(**raw["data"]),
        baseline=[Load(**b) for b in raw["baseline"]],
        pages=[_page(p) for p in raw["pages"]],
        rendered=[_page(p) for p in raw["rendered"]],
        export=maybe(Probe, raw["export"]),
        imported=maybe(Probe, raw["imported"]),
        small_list=maybe(Load, raw["small_list"]),
        shared_pages=[_page(p) for p in raw.get("shared_pages", [])],
        shared_rendered=[_page(p) for p in raw.get("shared_rendered", [])],
    )


def load_results(path: Path) -> Results:
    raw = json.loads(path.read_text())
    return Results(
        runs=[_run(r) for r in raw["runs"]],
        demo_seconds=raw["demo_seconds"],
        seconds=raw["seconds"],
        total=raw["total"],
        machine=Machine(**raw["machine"]),
        statement_imports=[StatementImport(**s) for s in raw.get("statement_imports", [])],
    )
