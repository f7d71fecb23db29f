"""The petitioner-identity index: which petitions one petitioner sent (to find repeats)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, insert, select

from gateway.domain.case import CaseState
from gateway.store import tables as t
from gateway.store.base import _Repository


class IdentityRepository(_Repository):
    def index_identity(self, petition_id: str, key: str) -> None:
        self.c.execute(
            insert(t.petition_identities).values(petition_id=petition_id, identity_key=key)
        )

    def answered_with_identity(
        self, key: str, *, excluding: str, answered: Sequence[CaseState], limit: int
    ) -> list[tuple[str, str, str]]:
        """The same petitioner's other petitions that have an answered case, newest first, at
        most ``limit``: (petition_id, title, content). One query, however prolific they are."""
        p, ids, cases = t.petitions, t.petition_identities, t.cases
        rows = self.c.execute(
            select(p.c.petition_id, p.c.title, p.c.content)
            .join(ids, ids.c.petition_id == p.c.petition_id)
            .where(
                ids.c.identity_key == key,
                ids.c.petition_id != excluding,
                exists().where(
                    cases.c.petition_id == p.c.petition_id,
                    cases.c.state.in_([s.value for s in answered]),
                ),
            )
            .order_by(p.c.received_at.desc())
            .limit(limit)
        )
        return [(r.petition_id, r.title, r.content) for r in rows]
