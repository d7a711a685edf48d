"""Upload: what kind of statement a file is, refused early when it is none or too big."""

from __future__ import annotations

from dataclasses import dataclass

from .csv_reader import detect_layout
from .decoding import DecodeError, decode_text, detect_encoding, looks_binary
from .ofx import OfxError, is_ofx, read_ofx
from .qif import QifError, is_qif, read_records


class UploadError(ValueError):
    """The file cannot be imported at all; the message is for users and nothing is stored."""


@dataclass(frozen=True)
class Upload:
    kind: str
    data: bytes


def inspect_upload(data: bytes, max_bytes: int) -> Upload:
    """The statement's kind (`csv`, `ofx`, `qif`), or UploadError saying why it is refused.

    OFX and QIF are read whole here, so their transaction limit is enforced
    at upload; a CSV's rows are counted at the mapping, once its layout is known.
    """
    if len(data) > max_bytes:
        raise UploadError(f"The file is larger than {_size(max_bytes)}: split it.")
    if not data.strip():
        raise UploadError("The file is empty.")
    try:
        if is_ofx(data):
            read_ofx(data)
            return Upload("ofx", data)
        text = decode_text(data, detect_encoding(data))
    except (OfxError, DecodeError) as exc:
        raise UploadError(str(exc)) from None
    if looks_binary(text):
        raise UploadError("This is not a statement file (it looks like a binary file).")
    if is_qif(text):
        try:
            read_records(text)
        except QifError as exc:
            raise UploadError(str(exc)) from None
        return Upload("qif", data)
    if detect_layout(text) is None:
        raise UploadError(
            "This is not a statement file: use CSV (with a date, an amount and a "
            "description column), OFX, QFX or QIF."
        )
    return Upload("csv", data)


def _size(n_bytes: int) -> str:
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):.3g} MB"
    return f"{n_bytes / 1024:.3g} KB"
