"""Thư chết: messages that will not be handed out again, recorded in the database.

The database, not the broker, is the record of failures: every dead-lettered message gets a row
(its exact body, queue, code and reason, and the delivery it was about). An operator lists them,
looks at one, and replays one or all: a replay puts a fresh copy in the outbox (the relay
publishes it), gives a failed delivery a fresh set of attempts, and records an audit event — all in
one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime

from gateway.domain.audit import AuditAction
from gateway.domain.delivery import FINAL, DeliveryState
from gateway.errors import Conflict, ErrorCode, NotFound
from gateway.service.services import Services
from gateway.store.base import new_id
from gateway.store.dead_letters import DeadLetterRecord
from gateway.store.uow import UnitOfWork
from gateway.transport.base import Message

__all__ = ["DeadLetterRecord", "add", "get", "give_up", "listing", "record", "replay"]


def _delivery_id(body: bytes) -> str | None:
    try:
        payload = json.loads(body)
        value = payload.get("delivery_id") if isinstance(payload, dict) else None
    except ValueError:
        return None
    return str(value)[:36] if value else None


def add(uow: UnitOfWork, message: Message, reason: str, *, code: ErrorCode, at: datetime) -> None:
    """Record a dead-lettered message inside ``uow`` (idempotent on its message id), so that
    whatever made it dead (a FAILED delivery) commits together with its record. ``code`` is
    stored as given: it is never parsed back out of the reason."""
    delivery_id = _delivery_id(message.body)
    if not uow.dead_letters.add(
        message_id=message.message_id,
        queue=message.queue,
        body=message.body,
        code=code.value,
        reason=reason[:4000],
        delivery_id=delivery_id,
        at=at,
    ):
        return
    uow.audit.record(
        AuditAction.MESSAGE_DEAD_LETTERED,
        actor="worker",
        at=at,
        code=code.value,
        queue=message.queue,
        message_id=message.message_id,
        delivery_id=delivery_id,
    )


def record(svc: Services, message: Message, reason: str, *, code: ErrorCode) -> None:
    """Record a dead-lettered message in its own transaction (idempotent on its message id)."""
    with svc.store.unit_of_work() as uow:
        add(uow, message, reason, code=code, at=svc.clock.now())
        uow.commit()


def give_up(
    svc: Services,
    message: Message,
    reason: str,
    *,
    code: ErrorCode = ErrorCode.DELIVERY_EXHAUSTED,
) -> None:
    """A message handed out too many times without being settled (it kills its consumer, or
    always fails unexpectedly): its delivery, if it names one still open, becomes FAILED with the
    reason, and the message is recorded as dead — in one transaction."""
    at = svc.clock.now()
    delivery_id = _delivery_id(message.body)
    with svc.store.unit_of_work() as uow:
        delivery = uow.deliveries.get(delivery_id, for_update=True) if delivery_id else None
        if delivery is not None and delivery.state not in FINAL:
            uow.deliveries.update(
                delivery.delivery_id,
                at=at,
                state=DeliveryState.FAILED,
                last_error=reason[:2000],
                failure_code=code.value,
            )
            uow.audit.record(
                AuditAction.DELIVERY_FAILED,
                actor="worker",
                at=at,
                case_id=delivery.case_id,
                document_id=delivery.document_id,
                organ_id=delivery.organ_id,
                attempts=delivery.attempts,
                code=code.value,
                error=reason[:500],
            )
        add(uow, message, reason, code=code, at=at)
        uow.commit()


def listing(
    svc: Services, *, include_replayed: bool = False, limit: int = 200
) -> list[DeadLetterRecord]:
    with svc.store.unit_of_work() as uow:
        return uow.dead_letters.listing(include_replayed=include_replayed, limit=limit)


def get(svc: Services, dead_letter_id: int) -> DeadLetterRecord:
    with svc.store.unit_of_work() as uow:
        found = uow.dead_letters.get(dead_letter_id)
    if found is None:
        raise NotFound(f"no dead letter {dead_letter_id}")
    return found


def replay(svc: Services, dead_letter_id: int, *, actor: str = "operator") -> str:
    """Put a fresh copy of a dead letter in the outbox; returns the new message id.

    Raises:
        NotFound: no such dead letter.
        Conflict: it was already replayed.
    """
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        row = uow.dead_letters.get(dead_letter_id, for_update=True)
        if row is None:
            raise NotFound(f"no dead letter {dead_letter_id}")
        if row.replayed_at is not None:
            raise Conflict(
                f"dead letter {dead_letter_id} was already replayed "
                f"(as message {row.replay_message_id})"
            )
        case_id = organ_id = None
        if row.delivery_id:
            case_id, organ_id = _reopen_delivery(uow, row.delivery_id, at)
        message_id = uow.outbox.add(row.queue, row.body, at=at, message_id=new_id())
        uow.dead_letters.mark_replayed(dead_letter_id, at=at, actor=actor, message_id=message_id)
        uow.audit.record(
            AuditAction.DEAD_LETTER_REPLAYED,
            actor=actor,
            at=at,
            case_id=case_id,
            organ_id=organ_id,
            dead_letter_id=dead_letter_id,
            delivery_id=row.delivery_id,
            message_id=row.message_id,
            replay_message_id=message_id,
            code=row.code,
        )
        uow.commit()
    return message_id


def replay_all(svc: Services, *, actor: str = "operator") -> list[str]:
    return [replay(svc, record.id, actor=actor) for record in listing(svc, limit=100_000)]


def _reopen_delivery(
    uow: UnitOfWork, delivery_id: str, at: datetime
) -> tuple[int | None, str | None]:
    """A failed delivery gets a fresh set of attempts."""
    delivery = uow.deliveries.get(delivery_id, for_update=True)
    if delivery is None:
        return None, None
    if delivery.state is DeliveryState.FAILED:
        uow.deliveries.update(
            delivery_id,
            at=at,
            state=DeliveryState.QUEUED,
            attempts=0,
            failure_code=None,
            next_attempt_at=None,
        )
    return delivery.case_id, delivery.organ_id
