"""What the public sees of a petition: its published replies, masked for personal data when they
were published, with what lets anyone check the agency's signed original (signer, time, SHA-256).
The petitioner's identity is never part of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain import privacy
from gateway.domain.petition import Petitioner


@dataclass(frozen=True)
class PublicReply:
    case_id: int
    petition_id: str
    organ_id: str
    category: str
    title: str
    content: str
    reply_text: str
    received_at: datetime
    replied_at: datetime
    reply_document_id: str
    reply_sha256: str  # of the agency's signed original, as received
    signed_by: str
    published_at: datetime
    published_by: str

    @property
    def search_text(self) -> str:
        """What a search matches: title, content and reply, casefolded."""
        return privacy.nfc(f"{self.title}\n{self.content}\n{self.reply_text}").casefold()


@dataclass(frozen=True)
class ReplyQuery:
    """A search of the published replies (every field optional)."""

    text: str = ""
    organ_id: str = ""
    category: str = ""
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class ReplyPage:
    items: list[PublicReply]
    total: int


def known_identity(petitioner: Petitioner) -> tuple[str, ...]:
    """The petitioner's own identity fields, masked wherever they occur in published text."""
    return (
        petitioner.name,
        petitioner.id_number,
        petitioner.phone,
        petitioner.email,
        petitioner.address,
    )


def masked(text: str, petitioner: Petitioner, extra: tuple[str, ...] = ()) -> str:
    """``text`` as it may be published: personal data found by the rules, the petitioner's own
    identity and what the operator asked to mask (``extra``), each replaced by a label."""
    return privacy.mask(text, known=(*known_identity(petitioner), *extra))
