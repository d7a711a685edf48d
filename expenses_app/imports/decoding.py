"""Bytes to text: the four encodings statements come in, detected and overridable.

Detection is exact rather than statistical: a BOM decides; else UTF-16 shows
as NUL bytes in every other position; else text that is valid UTF-8 is
UTF-8 (other encodings almost never are); else cp1252, which reads every byte
but five, and latin-1 for those. The mapping form lets the user change it,
with the first lines shown decoded so a wrong choice is visible.
"""

from __future__ import annotations

import codecs

ENCODINGS = ("utf-8", "utf-16", "cp1252", "latin-1")
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}
_SAMPLE = 4096


class DecodeError(ValueError):
    """The bytes are not text in the chosen encoding; the message is for users."""


def detect_encoding(data: bytes) -> str:
    """The likeliest of ENCODINGS for `data`."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(data):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def _utf16_without_bom(data: bytes) -> str | None:
    """`utf-16-le`/`-be` when every other byte of the start is NUL (ASCII text in UTF-16)."""
    sample = data[:_SAMPLE]
    if len(sample) < 4 or len(sample) % 2:
        return None
    if sample[1::2].count(0) >= len(sample) // 2 * 0.9 and 0 not in sample[0::2]:
        return "utf-16-le"
    if sample[0::2].count(0) >= len(sample) // 2 * 0.9 and 0 not in sample[1::2]:
        return "utf-16-be"
    return None


def decode_text(data: bytes, encoding: str) -> str:
    """`data` as text in `encoding` (one of ENCODINGS), without its BOM."""
    if encoding == "utf-8":
        codec = "utf-8-sig"
    elif encoding == "utf-16":
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            codec = "utf-16"
        else:
            codec = _utf16_without_bom(data) or "utf-16-le"
    elif encoding in ENCODINGS:
        codec = encoding
    else:
        raise DecodeError(f"Unknown encoding “{encoding}”.")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(
            f"The file is not {ENCODING_LABELS[encoding]} text "
            f"(byte {exc.start + 1} cannot be read): choose another encoding."
        ) from None


def looks_binary(text: str) -> bool:
    """Whether decoded text is really a binary file (NUL or many other control characters)."""
    sample = text[:_SAMPLE]
    if "\x00" in sample:
        return True
    controls = sum(1 for char in sample if ord(char) < 32 and char not in "\t\r\n\f")
    return controls > max(4, len(sample) // 100)
