"""Agencies' own tokens for the pull inbox (only their SHA-256 is stored)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from gateway.store import tables as t
from gateway.store.base import _Repository, new_id


def token_digest(token: str) -> str:
    """Tokens are 256-bit random strings: a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class AgencyToken:
    token_id: str
    organ_id: str
    created_at: datetime
    revoked_at: datetime | None


class TokenRepository(_Repository):
    def add(self, organ_id: str, token: str, *, at: datetime) -> str:
        token_id = new_id()
        self.c.execute(
            insert(t.agency_tokens).values(
                token_id=token_id,
                organ_id=organ_id,
                token_sha256=token_digest(token),
                created_at=at,
            )
        )
        return token_id

    def organ_for(self, token: str) -> str | None:
        """The agency a live token belongs to, or None."""
        return self.c.execute(
            select(t.agency_tokens.c.organ_id).where(
                t.agency_tokens.c.token_sha256 == token_digest(token),
                t.agency_tokens.c.revoked_at.is_(None),
            )
        ).scalar()

    def for_organ(self, organ_id: str) -> list[AgencyToken]:
        rows = self.c.execute(
            select(t.agency_tokens)
            .where(t.agency_tokens.c.organ_id == organ_id)
            .order_by(t.agency_tokens.c.created_at)
        )
        return [AgencyToken(r.token_id, r.organ_id, r.created_at, r.revoked_at) for r in rows]

    def revoke_all(self, organ_id: str, *, at: datetime) -> int:
        done = self.c.execute(
            update(t.agency_tokens)
            .where(t.agency_tokens.c.organ_id == organ_id, t.agency_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(done.rowcount)
