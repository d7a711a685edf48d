"""OFX/QFX statements, 1.x (SGML, elements left unclosed) and 2.x (XML), bank and card.

A small reader rather than a full OFX library: a statement is a list of
`<STMTTRN>` aggregates, which both versions close, each holding simple
elements (`<TRNAMT>-12.50`, closed or not). Entities are unescaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from .dates import DateError, parse_date
from .numbers import NumberError, parse_signed_cents
from .transactions import MAX_TRANSACTIONS, Transaction, finish

_TRANSACTION = re.compile(
    r"<STMTTRN>(.*?)(?:</STMTTRN>|(?=<STMTTRN>)|(?=</BANKTRANLIST>))", re.IGNORECASE | re.DOTALL
)
_ELEMENT = re.compile(r"<([A-Za-z0-9.]+)>([^<\r\n]*)")
_HEADER_CHARSET = re.compile(r"^CHARSET:\s*(\S+)", re.MULTILINE | re.IGNORECASE)
_XML_ENCODING = re.compile(r"<\?xml[^>]*encoding=[\"']([\w-]+)", re.IGNORECASE)


class OfxError(ValueError):
    """The file is not an OFX statement we can read; the message is for users."""


def is_ofx(head: bytes) -> bool:
    """Whether the start of a file says OFX (1.x header, 2.x processing instruction or tag)."""
    sample = head[:4096].upper()
    return b"OFXHEADER" in sample or b"<OFX>" in sample


def decode_ofx(data: bytes) -> str:
    """The text of an OFX file in the charset it declares (UTF-8, else cp1252)."""
    head = data[:1024].decode("ascii", "replace")
    declared = _XML_ENCODING.search(head)
    charset = _HEADER_CHARSET.search(head)
    candidates = ["utf-8-sig"]
    if declared:
        candidates.insert(0, declared.group(1))
    elif charset and charset.group(1).strip() == "1252":
        candidates.insert(0, "cp1252")
    for codec in [*candidates, "cp1252", "latin-1"]:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    raise OfxError("The OFX file cannot be decoded.")  # pragma: no cover: latin-1 reads all


def read_ofx(data: bytes) -> list[Transaction]:
    """Every transaction of the file, numbered from 1; OfxError when it has none or too many."""
    blocks = _TRANSACTION.findall(decode_ofx(data))
    if not blocks:
        raise OfxError("The OFX file holds no transactions.")
    if len(blocks) > MAX_TRANSACTIONS:
        raise OfxError(f"The file has more than {MAX_TRANSACTIONS:,} transactions: split it.")
    return [_transaction(n, block) for n, block in enumerate(blocks, start=1)]


def _transaction(position: int, block: str) -> Transaction:
    """One `<STMTTRN>` block: money out (a negative TRNAMT) is spent."""
    fields: dict[str, str] = {}
    for tag, value in _ELEMENT.findall(block):
        fields.setdefault(tag.upper(), html.unescape(value.strip()))
    problems: list[str] = []
    tx = Transaction(position)
    tx.date = _date(fields.get("DTPOSTED", ""), problems)
    amount = fields.get("TRNAMT", "").strip()
    try:
        # OFX writes a decimal point; some 1.x banks write a comma instead.
        decimal = "," if re.search(r",\d{1,2}$", amount) else "."
        tx.cents = -parse_signed_cents(amount, decimal)
    except NumberError as exc:
        problems.append(str(exc))
    tx.description = fields.get("NAME") or fields.get("PAYEE") or fields.get("MEMO", "")
    tx.notes = fields.get("MEMO") if fields.get("NAME") and fields.get("MEMO") else None
    tx.reference = fields.get("FITID") or None
    return finish(tx, problems)


def _date(value: str, problems: list[str]) -> dt.date | None:
    """OFX datetimes: `20260504`, `20260504120000.000[-5:EST]`; the day is what counts."""
    try:
        return parse_date(value.strip()[:8], "YYYYMMDD")
    except DateError as exc:
        problems.append(str(exc) if value.strip() else "the date is missing")
        return None
