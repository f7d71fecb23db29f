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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum
from itertools import pairwise
from typing import Any


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


class Decision(StrEnum):
    """What VPCP decided on an escalated petition (which ends the escalation)."""

    REROUTE = "reroute"  # chuyển cơ quan có thẩm quyền
    COORDINATE = "coordinate"  # giao cơ quan chủ trì, các cơ quan phối hợp
    CONSULT = "consult"  # lấy ý kiến hiệp hội, chuyên gia, nhà khoa học
    REPORT_TO_PM = "report_to_pm"  # báo cáo Thủ tướng Chính phủ
    NO_FURTHER_ACTION = "no_further_action"  # không có cơ sở xử lý thêm


DECISION_LABELS = {
    Decision.REROUTE: "Chuyển cơ quan có thẩm quyền",
    Decision.COORDINATE: "Giao cơ quan chủ trì, các cơ quan phối hợp",
    Decision.CONSULT: "Lấy ý kiến hiệp hội, chuyên gia, nhà khoa học",
    Decision.REPORT_TO_PM: "Báo cáo Thủ tướng Chính phủ",
    Decision.NO_FURTHER_ACTION: "Không có cơ sở xử lý thêm",
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
    decided_at: datetime | None = None
    decision: str = ""
    decided_by: str = ""
    decision_note: str = ""


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
_NO_MARKS = {cp: None for cp in range(0x3000) if unicodedata.combining(chr(cp))} | {ord("đ"): "d"}
"""Combining marks (tones, vowel hooks) dropped and đ→d, in one C-level pass (str.translate)."""

COMPARED_CHARS = 3000
"""Texts are compared on their first and last 3,000 characters: where a petition says what it is
about and what it asks. The cost of a comparison is bounded whatever a citizen typed (a petition
may hold 100,000 characters, and is compared with up to 200 earlier ones at intake)."""


def normalise_text(text: str) -> str:
    """Vietnamese text for comparison: NFC, case-folded, đ→d, tone and vowel marks removed,
    punctuation and runs of spaces collapsed. "Phản ánh" and "PHAN  ANH." compare equal."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    return " ".join(_NOT_WORD.sub(" ", decomposed.translate(_NO_MARKS)).split())


@dataclass(frozen=True)
class TextProfile:
    """What a comparison needs of one text: its words and its word pairs, as multisets.
    Built once per text in time linear in the text, compared in time linear in the profiles."""

    words: Counter[str]
    pairs: Counter[tuple[str, str]]

    @classmethod
    def of(cls, text: str) -> TextProfile:
        if len(text) > 2 * COMPARED_CHARS:
            text = f"{text[:COMPARED_CHARS]} {text[-COMPARED_CHARS:]}"
        words = normalise_text(text).split()
        return cls(Counter(words), Counter(pairwise(words)))


def _dice(a: Counter[Any], b: Counter[Any]) -> float:
    total = a.total() + b.total()
    return 2 * (a & b).total() / total if total else 0.0


def profile_similarity(a: TextProfile, b: TextProfile) -> float:
    """0..1: shared words and shared word pairs (so order counts, as rewording does not), and a
    short text wholly contained in a longer one scores high ("I petition again: <the text>")."""
    if not a.words or not b.words:
        return 0.0
    words = _dice(a.words, b.words)
    if a.pairs or b.pairs:
        words = (words + _dice(a.pairs, b.pairs)) / 2
    shared = len(a.words.keys() & b.words.keys())
    overlap = shared / min(len(a.words), len(b.words))
    return float(max(words, overlap * words**0.5))


def similarity(a: str, b: str) -> float:
    """0..1: how alike two petitions' texts are, after :func:`normalise_text`."""
    return profile_similarity(TextProfile.of(a), TextProfile.of(b))


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


def is_repeat_of(profile: TextProfile, earlier: TextProfile, threshold: float) -> bool:
    return profile_similarity(profile, earlier) >= threshold


DISAGREEMENT_BELOW = 0.5
"""Two agencies' replies to one petition less alike than this go to VPCP for review."""


def replies_disagree(reply: str, other_reply: str, threshold: float = DISAGREEMENT_BELOW) -> bool:
    """Agencies answering the same petition differently: the machine cannot judge who is
    right, so a clearly different answer is flagged for VPCP (agencies_disagree)."""
    return similarity(reply, other_reply) < threshold


def profiles_disagree(
    reply: TextProfile, other_reply: TextProfile, threshold: float = DISAGREEMENT_BELOW
) -> bool:
    return profile_similarity(reply, other_reply) < threshold
