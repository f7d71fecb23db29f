"""The audit log (``uow.audit``): recording events, appending them to the hash chain at commit,
and reading the chain back for the audit use cases.

Appending is serialised so that two transactions can never fork the chain.

A unit of work collects its events (:class:`PendingEvent`) and appends them all just before it
commits, in the same transaction: the chain head row is read — on PostgreSQL with ``SELECT … FOR
UPDATE``, so a concurrent transaction waits for this one's commit; SQLite's ``BEGIN IMMEDIATE``
already serialises writers — each event gets the next ``seq`` and its hash, and the head moves.
Taking the head lock last and holding it only for the commit keeps the chain from becoming a
bottleneck (or a deadlock partner) for the use cases' own row locks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select, update

from gateway.domain.audit import GENESIS, AuditAction, ChainedEvent, event_hash, normalised_details
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


# -- the repository ------------------------------------------------------------------------------

EventRow = tuple[Any, ...]
"""``(seq, at, actor, action, petition_id, case_id, document_id, organ_id, sha256, details,
prev_hash, hash)``: one event as :meth:`AuditRepository.stream` yields it."""

_e = t.audit_events
_CHAIN_COLUMNS = (
    _e.c.seq,
    _e.c.at,
    _e.c.actor,
    _e.c.action,
    _e.c.petition_id,
    _e.c.case_id,
    _e.c.document_id,
    _e.c.organ_id,
    _e.c.sha256,
    _e.c.details,
    _e.c.prev_hash,
    _e.c.hash,
)


@dataclass(frozen=True)
class DocumentDigest:
    """A stored document as verification re-checks it: its exact bytes and recorded SHA-256."""

    document_id: str
    sender: str
    sha256: str
    body: bytes
    created_at: datetime


class AuditRepository:
    """Nhật ký: append-only; written in the same transaction as the change it records."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection
        self._pending: list[PendingEvent] = []

    def record(
        self,
        action: AuditAction,
        *,
        actor: str,
        at: datetime,
        petition_id: str | None = None,
        case_id: int | None = None,
        document_id: str | None = None,
        organ_id: str | None = None,
        sha256: str | None = None,
        **details: Any,
    ) -> None:
        """Record an event; it joins the hash chain when the unit of work commits
        (:meth:`chain`)."""
        self._pending.append(
            PendingEvent.of(
                str(action),  # stored and hashed as its plain string
                actor=actor,
                at=at,
                petition_id=petition_id,
                case_id=case_id,
                document_id=document_id,
                organ_id=organ_id,
                sha256=sha256,
                details=details,
            )
        )

    def chain(self) -> None:
        """Append the recorded events to the chain, in this transaction (just before commit)."""
        pending, self._pending = self._pending, []
        append(self.c, pending)

    def head(self) -> tuple[int, str]:
        """The committed chain head ``(seq, hash)``, unlocked (``(0, GENESIS)`` when empty)."""
        return read_head(self.c, lock=False)

    def count(self, *, from_seq: int | None = None, to_seq: int | None = None) -> int:
        """How many events the chain holds (between two sequence numbers, inclusive)."""
        query = select(func.count()).select_from(t.audit_events)
        if from_seq is not None:
            query = query.where(t.audit_events.c.seq >= from_seq)
        if to_seq is not None:
            query = query.where(t.audit_events.c.seq <= to_seq)
        return int(self.c.execute(query).scalar_one())

    def for_petition(self, petition_id: str) -> list[ChainedEvent]:
        """The events that name ``petition_id`` itself, oldest first."""
        query = select(*_CHAIN_COLUMNS).where(_e.c.petition_id == petition_id).order_by(_e.c.seq)
        return [ChainedEvent(*tuple(row)) for row in self.c.execute(query)]

    def stream(
        self, *, from_seq: int | None = None, to_seq: int | None = None, batch: int = 20_000
    ) -> Iterator[list[EventRow]]:
        """The chain in ``seq`` order, in batches of plain tuples (keyset pagination: constant
        memory however long the chain)."""
        column = _e.c.seq
        after = (from_seq - 1) if from_seq is not None else None
        while True:
            query = select(*_CHAIN_COLUMNS).order_by(column).limit(batch)
            if after is not None:
                query = query.where(column > after)
            if to_seq is not None:
                query = query.where(column <= to_seq)
            rows = [tuple(row) for row in self.c.execute(query)]
            if not rows:
                return
            yield rows
            after = rows[-1][0]

    def concerning(
        self, petition_id: str, *, documents: Collection[str] = (), upto: int | None = None
    ) -> list[ChainedEvent]:
        """The events of ``petition_id``: those naming it or one of its cases (or, if given,
        one of ``documents``), up to event ``upto``, oldest first."""
        query = (
            select(*_CHAIN_COLUMNS)
            .where(self._concerning(petition_id, documents))
            .order_by(_e.c.seq)
        )
        if upto is not None:
            query = query.where(_e.c.seq <= upto)
        return [ChainedEvent(*tuple(row)) for row in self.c.execute(query)]

    def last_seq_concerning(self, petition_id: str) -> int | None:
        """The last event naming ``petition_id`` or one of its cases, or None."""
        row = self.c.execute(
            select(_e.c.seq)
            .where(self._concerning(petition_id, ()))
            .order_by(_e.c.seq.desc())
            .limit(1)
        ).first()
        return int(row.seq) if row is not None else None

    def digests_of(self, document_id: str) -> list[str]:
        """The SHA-256 values the chain recorded for one stored document."""
        rows = self.c.execute(
            select(_e.c.sha256)
            .distinct()
            .where(_e.c.document_id == document_id, _e.c.sha256.is_not(None))
        )
        return [r[0] for r in rows]

    @staticmethod
    def _concerning(petition_id: str, documents: Collection[str]) -> ColumnElement[bool]:
        cases = select(t.cases.c.case_id).where(t.cases.c.petition_id == petition_id)
        conditions = [_e.c.petition_id == petition_id, _e.c.case_id.in_(cases)]
        if documents:
            conditions.append(_e.c.document_id.in_(list(documents)))
        return or_(*conditions)

    def stored_documents(self, *, only: Collection[str] | None = None) -> Iterator[DocumentDigest]:
        """Every stored document (or those of ``only``), oldest first, to re-verify."""
        d = t.documents
        query = select(d.c.document_id, d.c.sender, d.c.sha256, d.c.body, d.c.created_at).order_by(
            d.c.created_at, d.c.document_id
        )
        if only is not None:
            query = query.where(d.c.document_id.in_(list(only)))
        for row in self.c.execute(query):
            yield DocumentDigest(
                row.document_id, row.sender, row.sha256, bytes(row.body), row.created_at
            )
