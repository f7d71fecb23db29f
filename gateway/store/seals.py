"""The signed seals of the audit chain head (``uow.seals``), stored with their exact bytes.

``audit_seals`` is append-only (the database refuses UPDATE and DELETE, migration 0006); a seal's
``seq`` is unique, so two sealers racing for one head cannot both store a seal of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from gateway.domain.audit import Report, Seal, Verification
from gateway.store import tables as t


class SealRepository:
    def __init__(self, connection: Connection) -> None:
        self.c = connection

    def all(self, *, upto: int | None = None) -> list[Seal]:
        """Every seal (of an event up to ``upto``), in ``seq`` order."""
        query = select(t.audit_seals).order_by(t.audit_seals.c.seq)
        if upto is not None:
            query = query.where(t.audit_seals.c.seq <= upto)
        return [_seal(row) for row in self.c.execute(query)]

    def last(self) -> Seal | None:
        row = self.c.execute(
            select(t.audit_seals).order_by(t.audit_seals.c.seq.desc()).limit(1)
        ).first()
        return _seal(row) if row else None

    def count(self) -> int:
        return int(self.c.execute(select(func.count()).select_from(t.audit_seals)).scalar_one())

    def add(
        self, *, seq: int, head_hash: str, sealed_at: datetime, sha256: str, body: bytes
    ) -> int:
        """Store a seal of event ``seq``; its ``seal_id``.

        Raises (as its unit of work ends):
            StoreConflict: that event is already sealed.
        """
        seal_id = self.c.execute(
            insert(t.audit_seals)
            .values(seq=seq, head_hash=head_hash, sealed_at=sealed_at, sha256=sha256, body=body)
            .returning(t.audit_seals.c.seal_id)
        ).scalar_one()
        return int(seal_id)

    def verified(self, report: Report, *, complete: bool, at: datetime) -> None:
        """Record one verification of the chain (its counts, not its problems' details)."""
        self.c.execute(
            insert(t.audit_verifications).values(
                at=at,
                complete=complete,
                events=report.events,
                documents=report.documents,
                problems=len(report.problems),
                first_problem=report.problems[0].what[:2000] if report.problems else None,
            )
        )

    def last_verification(self) -> Verification | None:
        v = t.audit_verifications.c
        row = self.c.execute(select(t.audit_verifications).order_by(v.id.desc()).limit(1)).first()
        if row is None:
            return None
        return Verification(row.at, row.complete, row.events, row.documents, row.problems)


def _seal(row: Any) -> Seal:
    return Seal(
        row.seal_id, int(row.seq), row.head_hash, row.sealed_at, row.sha256, bytes(row.body)
    )
