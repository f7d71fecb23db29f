"""Appending events to the chain, serialised so that two transactions can never fork it.

A unit of work collects its events (:class:`PendingEvent`) and appends them all just before it
commits, in the same transaction: the chain head row is read — on PostgreSQL with ``SELECT … FOR
UPDATE``, so a concurrent transaction waits for this one's commit; SQLite's ``BEGIN IMMEDIATE``
already serialises writers — each event gets the next ``seq`` and its hash, and the head moves.
Taking the head lock last and holding it only for the commit keeps the chain from becoming a
bottleneck (or a deadlock partner) for the use cases' own row locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from gateway.audit.chain import GENESIS, event_hash, normalised_details
from gateway.store import tables as t

HEAD_ID = 1
APPEND_ONLY_TABLES = ("audit_events", "audit_seals")
"""Tables whose rows the database refuses to UPDATE or DELETE (triggers, migration 0006)."""


@dataclass(frozen=True)
class PendingEvent:
    at: datetime
    actor: str
    action: str
    petition_id: str | None = None
    case_id: int | None = None
    document_id: str | None = None
    organ_id: str | None = None
    sha256: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        action: str,
        *,
        actor: str,
        at: datetime,
        petition_id: str | None,
        case_id: int | None,
        document_id: str | None,
        organ_id: str | None,
        sha256: str | None,
        details: dict[str, Any],
    ) -> PendingEvent:
        """Checked and normalised now, so a bad event fails the use case, not its commit.

        Raises:
            ValueError: naive ``at``; TypeError/ValueError: details that are not plain JSON.
        """
        if at.tzinfo is None:
            raise ValueError("naive datetime given to the audit trail; pass an aware one")
        return cls(
            at.astimezone(UTC),
            actor,
            action,
            petition_id,
            case_id,
            document_id,
            organ_id,
            sha256,
            normalised_details(details),
        )


def read_head(connection: Connection, *, lock: bool) -> tuple[int, str]:
    """The chain head ``(seq, hash)``; with ``lock`` (PostgreSQL) held until commit."""
    query = select(t.audit_chain_head.c.seq, t.audit_chain_head.c.hash).where(
        t.audit_chain_head.c.id == HEAD_ID
    )
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).first()
    if row is None:
        return 0, GENESIS
    return int(row.seq), str(row.hash)


def append(connection: Connection, events: Sequence[PendingEvent]) -> int:
    """Chain ``events`` after the head, in this transaction; the new head's seq."""
    if not events:
        return read_head(connection, lock=False)[0]
    seq, prev = read_head(connection, lock=True)
    first = seq == 0 and prev == GENESIS
    rows = []
    for e in events:
        seq += 1
        current = event_hash(
            prev,
            seq,
            e.at,
            e.actor,
            e.action,
            e.petition_id,
            e.case_id,
            e.document_id,
            e.organ_id,
            e.sha256,
            e.details,
        )
        rows.append(
            {
                "seq": seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "petition_id": e.petition_id,
                "case_id": e.case_id,
                "document_id": e.document_id,
                "organ_id": e.organ_id,
                "sha256": e.sha256,
                "details": e.details,
                "prev_hash": prev,
                "hash": current,
            }
        )
        prev = current
    connection.execute(insert(t.audit_events), rows)
    head = t.audit_chain_head
    if first and connection.execute(select(head.c.id)).first() is None:
        connection.execute(insert(head).values(id=HEAD_ID, seq=seq, hash=prev))
    else:
        connection.execute(update(head).where(head.c.id == HEAD_ID).values(seq=seq, hash=prev))
    return seq
