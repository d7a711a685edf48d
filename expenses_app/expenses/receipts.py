"""Receipt files: accepted by their content, stored in the database, served as attachments."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

import filetype
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import db
from ..models import RECEIPT_FILENAME_MAX_LENGTH, Expense, Receipt

# Sniffed type -> the extension a download gets when the original name has none.
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
_UNSAFE_IN_NAME = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE_IN_QUOTED = re.compile(r'[^\x20-\x7e]|["\\%]')
# An uploaded file is served only as a download, never rendered in our origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


class ReceiptRejected(ValueError):
    """Why an upload is not an acceptable receipt; the message is for users."""


@dataclass(frozen=True)
class ReceiptUpload:
    """A checked upload: its bytes, the type sniffed from them and a display name."""

    filename: str
    content_type: str
    data: bytes


def read_upload(stream: IO[bytes], original_name: str | None, max_bytes: int) -> ReceiptUpload:
    """Read and check an uploaded receipt.

    The type comes from the bytes (JPEG, PNG, WebP or PDF), never from the
    name or the browser's claim. More than `max_bytes` raises 413, so an
    oversized file is refused as a whole and nothing is saved.
    """
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise RequestEntityTooLarge(
            f"A receipt can be at most {max_bytes // (1024 * 1024)} MB. Nothing was saved."
        )
    if not data:
        raise ReceiptRejected("The file is empty.")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ReceiptRejected("Upload a JPEG, PNG, WebP or PDF file.")
    return ReceiptUpload(display_name(original_name, kind.mime), kind.mime, data)


def display_name(original_name: str | None, content_type: str) -> str:
    """The uploaded name, kept as metadata only: no folders, no control characters."""
    name = re.split(r"[/\\]", original_name or "")[-1]
    name = unicodedata.normalize("NFC", _UNSAFE_IN_NAME.sub("", name)).strip(" .")
    if not name:
        name = f"receipt.{ALLOWED_TYPES[content_type]}"
    return name[-RECEIPT_FILENAME_MAX_LENGTH:]


def store_receipt(expense: Expense, upload: ReceiptUpload) -> Receipt:
    """Save `upload` as the receipt of `expense`, which must have none (e.g. a new expense)."""
    receipt = Receipt(
        ledger_id=expense.ledger_id,
        expense_id=expense.id,
        filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
    )
    db.session.add(receipt)
    return receipt


def replace_receipt(expense: Expense, upload: ReceiptUpload | None, remove: bool) -> None:
    """Remove the receipt of `expense` (loaded with `receipt`) and/or store a new one.

    The old row goes first: the one-receipt-per-expense unique key would
    refuse the new row while the old one exists.
    """
    if (upload is not None or remove) and expense.receipt is not None:
        expense.receipt = None
        db.session.flush()
    if upload is not None:
        store_receipt(expense, upload)


def download_headers(receipt: Receipt) -> dict[str, str]:
    """Headers that make a browser save the file and never run it (RFC 6266 names)."""
    fallback = _UNSAFE_IN_QUOTED.sub("_", receipt.filename) or "receipt"
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(receipt.filename)}"
    return {
        "Content-Disposition": disposition,
        "Content-Security-Policy": DOWNLOAD_CSP,
        "X-Content-Type-Options": "nosniff",
    }
