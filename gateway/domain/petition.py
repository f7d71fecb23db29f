"""Phản ánh, kiến nghị (PAKN): a petition from a citizen or a business."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Category(StrEnum):
    """What the petition is about (the two directives' three kinds)."""

    CONDUCT = "conduct"  # officials' slow, vexatious or unlawful conduct
    POLICY = "policy"  # unsuitable, inconsistent or unlawful mechanisms, policies, procedures
    PROPOSAL = "proposal"  # proposals and initiatives for new regulations


class PetitionerKind(StrEnum):
    CITIZEN = "citizen"  # người dân
    BUSINESS = "business"  # doanh nghiệp


def nfc(text: str) -> str:
    """Vietnamese text is stored and compared in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True)
class Petitioner:
    """Who petitions. Personal data: never logged, never in public output."""

    kind: PetitionerKind
    name: str
    id_number: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""

    def __repr__(self) -> str:  # keep personal data out of tracebacks and logs
        return f"Petitioner(kind={self.kind.value!r}, <personal data withheld>)"


@dataclass(frozen=True)
class Petition:
    """A petition as received on the system (the clock of the directive starts here)."""

    petition_id: str
    category: Category
    title: str
    content: str
    petitioner: Petitioner = field(repr=False)
    received_at: datetime
    portal: str = "nguoidan"
    client_ref: str | None = None


@dataclass(frozen=True)
class PetitionQuery:
    """A search of petitions (every field optional), newest first, one page at a time."""

    petition_id: str = ""  # an id, or its beginning
    organ_id: str = ""  # has a case at this agency (with ``overdue``: overdue there)
    status: str = ""
    category: str = ""
    portal: str = ""
    since: datetime | None = None  # received at or after
    until: datetime | None = None  # received before
    overdue: bool = False  # a case past its due time, still awaiting the agency
    escalated: bool = False
    offset: int = 0
    limit: int = 50
