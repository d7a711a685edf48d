"""Receipts: accepted by content, size-limited, downloadable only by their owner."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from expenses_app.expenses.receipts import display_name
from expenses_app.extensions import db
from expenses_app.models import Expense, Receipt

from .conftest import count_queries, csrf_token, login
from .factories import category_id, make_expense, make_user

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
MB = 1024 * 1024


def form(app, user_id, upload: tuple[bytes, str] | None = None, **changes):
    data = {
        "amount": "10.00",
        "date": "2026-04-01",
        "category_id": str(category_id(app, user_id, "Shopping")),
        "description": "Shoes",
        "payment_method": "cash",
        "tags": "",
        "notes": "",
    }
    if upload is not None:
        data["receipt"] = FileStorage(io.BytesIO(upload[0]), upload[1])
    data.update(changes)
    return data


def post_form(client, url, data):
    """POST `data` as multipart/form-data, encoded in memory.

    The test client would spool a large body to a temporary file it never
    closes (a ResourceWarning, an error under `filterwarnings = error`).
    """
    fields = dict(data, csrf_token=csrf_token(client, url))
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def receipts(app) -> list[Receipt]:
    with app.app_context():
        return list(db.session.scalars(select(Receipt)))


def expense_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Expense.id)))


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (PNG, "photo.png", "image/png"),
        (JPEG, "scan.jpeg", "image/jpeg"),
        (WEBP, "pic.webp", "image/webp"),
        (PDF, "invoice.pdf", "application/pdf"),
        (PDF, "invoice.jpg", "application/pdf"),
    ],
)
def test_receipt_type_comes_from_the_content(app, client, logged_in, content, name, content_type):
    response = post_form(client, "/expenses/new", form(app, logged_in.id, (content, name)))
    assert response.status_code == 302
    (receipt,) = receipts(app)
    assert receipt.content_type == content_type
    assert receipt.filename == name and receipt.size == len(content)
    assert receipt.ledger_id == logged_in.id


@pytest.mark.parametrize(
    ("content", "name"),
    [(HTML, "receipt.png"), (SVG, "receipt.svg"), (b"<?php system($_GET[1]); ?>", "a.jpg")],
)
def test_other_content_is_refused_whatever_its_name(app, client, logged_in, content, name):
    response = post_form(client, "/expenses/new", form(app, logged_in.id, (content, name)))
    assert response.status_code == 422
    assert 'id="receipt-error"' in response.get_data(as_text=True)
    assert expense_count(app) == 0 and receipts(app) == []


def test_empty_file_is_refused(app, client, logged_in):
    response = post_form(client, "/expenses/new", form(app, logged_in.id, (b"", "empty.png")))
    assert response.status_code == 422
    assert "The file is empty." in response.get_data(as_text=True)
    assert expense_count(app) == 0 and receipts(app) == []


@pytest.mark.parametrize("size", [5 * MB + 1, int(5.5 * MB), 7 * MB])
def test_receipt_over_5_mb_is_413_and_saves_nothing(app, client, logged_in, size):
    content = PDF + b"0" * (size - len(PDF))
    response = post_form(client, "/expenses/new", form(app, logged_in.id, (content, "big.pdf")))
    assert response.status_code == 413
    assert expense_count(app) == 0 and receipts(app) == []


def test_receipt_of_exactly_5_mb_is_accepted(app, client, logged_in):
    content = PDF + b"0" * (5 * MB - len(PDF))
    response = post_form(client, "/expenses/new", form(app, logged_in.id, (content, "max.pdf")))
    assert response.status_code == 302
    assert receipts(app)[0].size == 5 * MB


def _expense_with_receipt(app, client, user, content=PNG, name="photo.png") -> uuid.UUID:
    response = post_form(client, "/expenses/new", form(app, user.id, (content, name)))
    assert response.status_code == 302
    return uuid.UUID(response.headers["Location"].rsplit("/", 1)[1])


def test_owner_downloads_the_receipt_as_an_attachment(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in, PDF, "Facture été.pdf")
    response = client.get(f"/expenses/{expense_id}/receipt")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Facture%20%C3%A9t%C3%A9.pdf" in disposition
    assert 'filename="Facture _t_.pdf"' in disposition
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]
    # The view's own policy, not the pages' one as well.
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'; sandbox"]


def test_detail_links_the_receipt(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in)
    html = client.get(f"/expenses/{expense_id}").get_data(as_text=True)
    assert f'href="/expenses/{expense_id}/receipt"' in html and "photo.png" in html


def test_other_user_and_anonymous_cannot_download(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in)
    anonymous = app.test_client()
    response = anonymous.get(f"/expenses/{expense_id}/receipt")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    other = app.test_client()
    login(other, make_user(app, "snoop"))
    response = other.get(f"/expenses/{expense_id}/receipt")
    assert response.status_code == 404 and PNG not in response.data


def test_expense_without_receipt_has_no_download(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id)
    assert client.get(f"/expenses/{expense_id}/receipt").status_code == 404


def test_edit_replaces_and_removes_the_receipt(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in)
    html = client.get(f"/expenses/{expense_id}/edit").get_data(as_text=True)
    assert "Current receipt: photo.png" in html and 'name="remove_receipt"' in html

    data = form(app, logged_in.id, (PDF, "new.pdf"), version="1")
    assert post_form(client, f"/expenses/{expense_id}/edit", data).status_code == 302
    (receipt,) = receipts(app)
    assert receipt.filename == "new.pdf" and receipt.content_type == "application/pdf"

    data = form(app, logged_in.id, version="2", remove_receipt="y")
    assert post_form(client, f"/expenses/{expense_id}/edit", data).status_code == 302
    assert receipts(app) == []
    assert client.get(f"/expenses/{expense_id}/receipt").status_code == 404


def test_edit_without_a_new_file_keeps_the_receipt(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in)
    data = form(app, logged_in.id, version="1", description="Boots")
    assert post_form(client, f"/expenses/{expense_id}/edit", data).status_code == 302
    assert [r.filename for r in receipts(app)] == ["photo.png"]


def test_edit_with_refused_file_keeps_the_old_receipt(app, client, logged_in):
    expense_id = _expense_with_receipt(app, client, logged_in)
    data = form(app, logged_in.id, (HTML, "evil.png"), version="1")
    assert post_form(client, f"/expenses/{expense_id}/edit", data).status_code == 422
    assert [r.filename for r in receipts(app)] == ["photo.png"]


def test_list_page_marks_receipts_without_loading_their_bytes(app, client, logged_in):
    _expense_with_receipt(app, client, logged_in)
    with count_queries(app) as statements:
        html = client.get("/expenses/").get_data(as_text=True)
    assert "has a receipt" in html
    assert not any("receipts.data" in statement for statement in statements)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
        ("..", "receipt.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        (None, "receipt.pdf"),
        ("é" * 300 + ".pdf", ("é" * 300 + ".pdf")[-255:]),
    ],
)
def test_original_names_are_metadata_only(original, expected):
    assert display_name(original, "application/pdf") == expected
