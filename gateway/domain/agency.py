"""Cơ quan: a ministry, a province or VPCP itself, known by its OrganId (mã định danh)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain.documents import organ_id_is_standard
from gateway.errors import InputInvalid


@dataclass(frozen=True)
class Agency:
    organ_id: str
    name: str
    legacy_sha1: bool = False
    """Accept RSA-SHA1 signatures from this agency (old e-office software); recorded as such."""
    created_at: datetime | None = None


def check_organ_id(organ_id: str) -> list[str]:
    """Validate an OrganId: empty or oversized is an error, a non-standard shape only a warning."""
    organ_id = organ_id.strip()
    if not organ_id or len(organ_id) > 64 or any(c.isspace() for c in organ_id):
        raise InputInvalid(f"{organ_id!r} is not an OrganId (mã định danh, e.g. 000.00.00.G17)")
    if not organ_id_is_standard(organ_id):
        return [f"OrganId {organ_id} does not follow the ddd.dd.dd.Xdd pattern"]
    return []
