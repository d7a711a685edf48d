"""Driving the statement importer through its pages, as a browser would (tests only)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient

from .conftest import csrf_token, post_form

STATEMENTS = Path(__file__).parent / "statements"
_LINE = re.compile(r'<tr data-line="(\d+)" data-status="([a-z_]+)"')
_ROLE = re.compile(r'<select[^>]*name="(role_\d+)"[^>]*>(.*?)</select>', re.DOTALL)
_SELECTED = re.compile(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected')


@dataclass
class Page:
    status: int
    location: str | None
    html: str


def statement(name: str) -> bytes:
    return (STATEMENTS / name).read_bytes()


def upload(client: FlaskClient, name: str, data: bytes | None = None):
    """POST the file to /imports/new; the response (302 to the import on success)."""
    content = statement(name) if data is None else data
    return client.post(
        "/imports/new",
        data={
            "file": (io.BytesIO(content), name),
            "csrf_token": csrf_token(client, "/imports/new"),
        },
        content_type="multipart/form-data",
    )


def import_id(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"].rstrip("/").split("/imports/")[1].split("/")[0]


def line_statuses(html: str) -> dict[int, str]:
    return {int(line): status for line, status in _LINE.findall(html)}


def mapping_values(html: str) -> dict[str, str]:
    """The mapping form's fields as pre-filled (selects' selected options, inputs' values)."""
    values = {}
    for name, body in re.findall(
        r'<select[^>]*name="([a-z_0-9]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = _SELECTED.search(body)
        values[name] = "" if chosen is None else next(g for g in chosen.groups() if g is not None)
    for name, value in re.findall(r'<input[^>]*name="(skip_lines)"[^>]*value="([^"]*)"', html):
        values[name] = value
    if re.search(r'<input[^>]*checked[^>]*name="has_header"|name="has_header"[^>]*checked', html):
        values["has_header"] = "y"
    return values


def submit_mapping(client: FlaskClient, batch: str, **changes):
    """Post the mapping form as pre-filled, with `changes` (None removes a field)."""
    url = f"/imports/{batch}/mapping"
    values = mapping_values(client.get(url).get_data(as_text=True))
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return post_form(client, url, values)


def review_page(client: FlaskClient, batch: str) -> str:
    response = client.get(f"/imports/{batch}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def commit(client: FlaskClient, batch: str, fields: dict | None = None, *, checked=True):
    """Commit with the review's pre-checked lines (when `checked`) plus `fields`."""
    html = review_page(client, batch)
    data = {}
    if checked:
        for name in re.findall(r'name="(include_\d+)"[^>]*checked', html):
            data[name] = "1"
    for name, body in re.findall(r'<select name="(category_\d+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        data[name] = chosen.group(1) if chosen else ""
    data.setdefault("payment_method", "debit_card")
    data.update(fields or {})
    return post_form(client, f"/imports/{batch}/commit", data, page=f"/imports/{batch}")
