"""Personal data in free text, found and masked before anything is published.

What a public page, an open-data file or a press summary shows of a petition (its title, its
content, the agency's reply) is first passed through :func:`mask`: Vietnamese citizen ID numbers
(12 digits, CCCD) and old ID numbers (9 digits, CMND), phone numbers in their ``+84``/``84``/``0``
forms (mobile and landline, with spaces, dots or dashes between groups), e-mail addresses and
house-number addresses ("số 12 ngõ 34 phố Huế", "số nhà 15A", "12/3 đường Lê Lợi") are replaced
by a label that says what was there; so are the petitioner's own identity fields wherever they
occur, and any further text the operator asks to mask.

The rules lean towards masking: a document number ("Nghị định số 15/2020/NĐ-CP"), a date, an
amount written with thousands separators ("1.500.000 đồng") or a year are not personal data and
stay; a bare run of 9 to 12 digits is masked whatever it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    EMAIL = "email"
    ADDRESS = "address"
    KNOWN = "known"  # the petitioner's own identity, or what the operator asked to mask


LABELS = {
    Kind.ID_NUMBER: "[số định danh đã ẩn]",
    Kind.PHONE: "[số điện thoại đã ẩn]",
    Kind.EMAIL: "[thư điện tử đã ẩn]",
    Kind.ADDRESS: "[địa chỉ đã ẩn]",
    Kind.KNOWN: "[đã ẩn]",
}

_SEP = r"[ .\-]?"
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# +84 / 84 / 0, then 9 (mobile) or 10 (landline) digits in any grouping by spaces, dots, dashes
_PHONE = re.compile(rf"(?<![\w+])(?:\(?\+84\)?{_SEP}|84{_SEP}|0)[1-9](?:{_SEP}\d){{8,9}}(?!\d)")
# 12 (CCCD) or 9 (CMND) digits, bare or in groups separated by spaces (never a thousands
# separator: "100.000.000 đồng" is an amount)
_ID = re.compile(
    r"(?<![\w.,/])"
    r"(?:\d{12}|\d{9}|\d{3} \d{3} \d{6}|\d{4} \d{4} \d{4}|\d{3} \d{3} \d{3})"
    r"(?![\w/]|[.,]\d)"
)
_STREET = r"(?:ngõ|ngách|hẻm|kiệt|đường|phố|tổ|thôn|xóm|ấp|khu phố|khóm|tổ dân phố)"
_NUMBER = r"\d+[a-z]?(?:/\d+[a-z]?)*"
# a house number needs a street after it ("số 15/2020" alone is a document number), except
# after "số nhà" / "nhà số", which are always a house; the street runs to the next , . ; or line
_ADDRESS = re.compile(
    rf"(?:\b(?:số nhà|nhà số)\s*{_NUMBER}(?:[ ,]+{_STREET}\s+[^,.;\n]+)?"
    rf"|(?:\b(?:số|nhà)\s+)?(?<![\w/])"
    rf"{_NUMBER}[ ,]+{_STREET}\s+[^,.;\n]+"
    rf"|\b(?:ngõ|ngách|hẻm|kiệt)\s+{_NUMBER}(?:[ ,]+{_STREET}\s+[^,.;\n]+)?)",
    re.IGNORECASE,
)
_RULES = (
    (Kind.EMAIL, _EMAIL),
    (Kind.PHONE, _PHONE),
    (Kind.ID_NUMBER, _ID),
    (Kind.ADDRESS, _ADDRESS),
)


@dataclass(frozen=True)
class Finding:
    kind: Kind
    start: int
    end: int


def find(text: str, known: Iterable[str] = ()) -> list[Finding]:
    """The personal data in ``text``, as non-overlapping spans (the earliest, then the longest,
    wins). ``known`` are literal strings to find wherever they occur, whatever their case."""
    spans: list[Finding] = []
    for value in sorted({nfc(k).strip() for k in known if k and k.strip()}, key=len, reverse=True):
        if len(value) < 3:  # a two-letter value would mask half the text
            continue
        for m in re.finditer(re.escape(value), text, re.IGNORECASE):
            spans.append(Finding(Kind.KNOWN, m.start(), m.end()))
    for kind, pattern in _RULES:
        spans.extend(Finding(kind, m.start(), m.end()) for m in pattern.finditer(text))
    spans.sort(key=lambda f: (f.start, -(f.end - f.start)))
    chosen: list[Finding] = []
    for span in spans:
        if chosen and span.start < chosen[-1].end:
            if span.end > chosen[-1].end:  # overlapping: one span covers both
                last = chosen[-1]
                chosen[-1] = Finding(last.kind, last.start, span.end)
            continue
        chosen.append(span)
    return chosen


def mask(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with every finding replaced by the label of its kind."""
    text = nfc(text)
    out: list[str] = []
    at = 0
    for f in find(text, known):
        out.append(text[at : f.start])
        out.append(LABELS[f.kind])
        at = f.end
    out.append(text[at:])
    return "".join(out)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
