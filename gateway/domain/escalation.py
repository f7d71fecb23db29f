"""Chuyển lên VPCP: when a petition goes up to the Government Office, and how repeats are found.

Escalation is kept apart from the case state: a field of its own (level, reason, time) raised by

- two or more agencies returning the same petition as not competent, or agencies disagreeing;
- a repeat petition after a reply (same petitioner identity, similar content);
- an operator marking the matter as within the authority of the Government or Prime Minister.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher
from enum import IntEnum, StrEnum


class EscalationLevel(IntEnum):
    VPCP = 1  # Văn phòng Chính phủ coordinates the agencies
    GOVERNMENT = 2  # thẩm quyền của Chính phủ, Thủ tướng Chính phủ


class EscalationReason(StrEnum):
    AGENCIES_RETURNED = "agencies_returned"  # ≥2 agencies returned it as not competent
    AGENCIES_DISAGREE = "agencies_disagree"  # the agencies' answers contradict each other
    REPEAT_AFTER_REPLY = "repeat_after_reply"  # the petitioner keeps petitioning after a reply
    GOVERNMENT_AUTHORITY = "government_authority"  # within the Government's / PM's authority


LEVEL: dict[EscalationReason, EscalationLevel] = {
    EscalationReason.AGENCIES_RETURNED: EscalationLevel.VPCP,
    EscalationReason.AGENCIES_DISAGREE: EscalationLevel.VPCP,
    EscalationReason.REPEAT_AFTER_REPLY: EscalationLevel.VPCP,
    EscalationReason.GOVERNMENT_AUTHORITY: EscalationLevel.GOVERNMENT,
}

OPERATOR_REASONS = frozenset(
    {EscalationReason.GOVERNMENT_AUTHORITY, EscalationReason.AGENCIES_DISAGREE}
)
"""Reasons an operator may raise by hand (disagreement is also detected, below)."""

RETURNS_TO_ESCALATE = 2


@dataclass(frozen=True)
class Escalation:
    petition_id: str
    level: EscalationLevel
    reason: EscalationReason
    detail: str
    raised_by: str
    raised_at: datetime
    related_petition_id: str | None = None


def escalation(
    petition_id: str,
    reason: EscalationReason,
    *,
    detail: str,
    raised_by: str,
    at: datetime,
    related_petition_id: str | None = None,
) -> Escalation:
    return Escalation(
        petition_id, LEVEL[reason], reason, detail, raised_by, at, related_petition_id
    )


def returns_call_for_escalation(returning_agencies: Iterable[str]) -> bool:
    """Two different agencies said "not competent": VPCP has to settle who is."""
    return len(set(returning_agencies)) >= RETURNS_TO_ESCALATE


# -- repeat petitions ----------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[^\w]+")


def normalise_text(text: str) -> str:
    """Vietnamese text for comparison: NFC, case-folded, đ→d, tone and vowel marks removed,
    punctuation and runs of spaces collapsed. "Phản ánh" and "PHAN  ANH." compare equal."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    bare = bare.replace("đ", "d")
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def similarity(a: str, b: str) -> float:
    """0..1: how alike two petitions' texts are, after :func:`normalise_text`."""
    left, right = normalise_text(a), normalise_text(b)
    if not left or not right:
        return 0.0
    words = SequenceMatcher(None, left.split(), right.split(), autojunk=False).ratio()
    shared = set(left.split()) & set(right.split())
    overlap = len(shared) / min(len(set(left.split())), len(set(right.split())))
    return float(max(words, overlap * words**0.5))


def identity_key(kind: str, id_number: str, name: str, phone: str) -> str | None:
    """A one-way key for "the same petitioner": the ID number (CCCD / tax code) when given, else
    name + phone. Only the SHA-256 is stored (never the values in clear): pseudonymous, since
    a 12-digit ID number can be brute-forced from its unkeyed digest."""
    id_part = "".join(ch for ch in id_number if ch.isalnum()).upper()
    if id_part:
        material = f"{kind}|id|{id_part}"
    else:
        phone_part = "".join(ch for ch in phone if ch.isdigit())
        if not phone_part or not name.strip():
            return None
        material = f"{kind}|np|{normalise_text(name)}|{phone_part}"
    return hashlib.sha256(material.encode()).hexdigest()


def is_repeat(content: str, earlier_content: str, threshold: float) -> bool:
    return similarity(content, earlier_content) >= threshold


DISAGREEMENT_BELOW = 0.5
"""Two agencies' replies to one petition less alike than this go to VPCP for review."""


def replies_disagree(reply: str, other_reply: str, threshold: float = DISAGREEMENT_BELOW) -> bool:
    """Agencies answering the same petition differently: the machine cannot judge who is
    right, so a clearly different answer is flagged for VPCP (agencies_disagree)."""
    return similarity(reply, other_reply) < threshold
