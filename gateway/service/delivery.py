"""Gửi: deliver one outbound document to its agency through the agency's adapter.

The database records every step before the message is settled: SENDING (and the attempt) before
the adapter is called, then DELIVERED with evidence, RETRYING with the next time, or FAILED with
the reason — and, in the same transaction, the message's dead-letter record, so a crash before
the broker is told cannot leave a FAILED delivery that ``gateway dlq`` does not list. The caller
acks, retries or dead-letters the message according to the result, after the commit. A
redelivered message for a settled delivery changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from adapters.base import AdapterResponse, OutboundDocument
from gateway.domain import circuit as breaker
from gateway.domain.audit import AuditAction
from gateway.domain.calendar import deadline_from
from gateway.domain.deadlines import ClockStart
from gateway.domain.delivery import FINAL, Delivery, DeliveryState, compute_backoff
from gateway.domain.documents import Receipt, sha256_hex
from gateway.errors import (
    DeliveryError,
    ErrorCode,
    Exchanged,
    GatewayError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from gateway.service import dead_letters
from gateway.service.deadlines import clock_policy
from gateway.service.receipts import check_agency_receipt, keep_agency_receipt
from gateway.service.services import Services
from gateway.store.agencies import AdapterRecord
from gateway.store.documents import StoredDocument
from gateway.store.exchanges import Exchange
from gateway.store.uow import UnitOfWork
from gateway.transport.base import Message

HANDLER = "deliver"
NO_ADAPTER_RETRY_SECONDS = 30.0


class Settle(StrEnum):
    ACK = "ack"
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True)
class Result:
    settle: Settle
    delay: float = 0.0
    reason: str = ""
    code: ErrorCode = ErrorCode.DELIVERY_PERMANENT
    """Why a DEAD result is dead (stored with its dead letter as a code, not parsed back)."""


def deliver(svc: Services, delivery_id: str, message: Message) -> Result:
    """Deliver ``delivery_id``, asked for by ``message`` (its id de-duplicates; it is the dead
    letter if the delivery fails for good)."""
    message_id = message.message_id
    started = _start_attempt(svc, delivery_id, message_id)
    if isinstance(started, Result):
        return started
    delivery, document, adapter_record = started
    outbound = OutboundDocument(
        delivery.delivery_id, delivery.organ_id, document.doc_key, document.sha256, document.body
    )
    response: AdapterResponse | None = None
    try:
        if svc.adapters.is_inbox(adapter_record.kind):  # pull: nothing is sent
            return _to_inbox(svc, delivery, document, adapter_record, message_id)
        adapter = svc.adapter_for(adapter_record)
        response = adapter.deliver(outbound)
        receipt = check_agency_receipt(
            svc,
            response.body,
            organ_id=delivery.organ_id,
            doc_key=document.doc_key,
            sha256=document.sha256,
        )
    except TransientDeliveryError as e:
        return _transient(svc, delivery, e, adapter_record, message)
    except DeliveryError as e:
        if response is not None and response.envelopes and e.envelopes is None:
            e.envelopes = response.envelopes
        return _fail(svc, delivery, e, adapter_record, message)
    except GatewayError as e:  # e.g. the stored adapter configuration no longer builds
        return _fail(
            svc, delivery, PermanentDeliveryError(str(e), code=e.code), adapter_record, message
        )
    return _delivered(svc, delivery, document, response, receipt, message_id, adapter_record)


def _start_attempt(
    svc: Services, delivery_id: str, message_id: str
) -> Result | tuple[Delivery, StoredDocument, AdapterRecord]:
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.processed.seen(message_id):
            return Result(Settle.ACK, reason="already processed")
        delivery = uow.deliveries.get(delivery_id, for_update=True)
        if delivery is None:
            return Result(Settle.DEAD, reason=f"no delivery {delivery_id}")
        if delivery.state in FINAL:
            return Result(Settle.ACK, reason=f"delivery already {delivery.state.value}")
        record = uow.adapters.enabled_for(delivery.organ_id)
        if record is None:
            uow.deliveries.update(
                delivery_id,
                at=at,
                last_error="no enabled adapter",
                next_attempt_at=at + timedelta(seconds=NO_ADAPTER_RETRY_SECONDS),
            )
            uow.commit()
            return Result(
                Settle.RETRY,
                NO_ADAPTER_RETRY_SECONDS,
                f"no enabled adapter for {delivery.organ_id}",
            )
        if delivery.state is DeliveryState.INBOX:
            return Result(Settle.ACK, reason="already in the agency's inbox")
        document = uow.documents.get(delivery.document_id)
        if document is None:
            return Result(Settle.DEAD, reason=f"delivery {delivery_id} has no document")
        current = uow.circuits.get(record.adapter_id, for_update=True)
        gate = breaker.admit(current, at, probe_lease=svc.delivery_policy.adapter_timeout * 2)
        if not gate.allowed:  # the agency system is failing: keep the message queued
            return Result(
                Settle.RETRY,
                max(gate.wait_seconds, 0.1),
                f"circuit open for adapter {record.adapter_id} ({delivery.organ_id})",
            )
        if gate.circuit != current:
            uow.circuits.save(gate.circuit, at=at)
            uow.audit.record(
                AuditAction.ADAPTER_CIRCUIT_PROBE,
                actor="worker",
                at=at,
                organ_id=delivery.organ_id,
                adapter_id=record.adapter_id,
            )
        attempts = delivery.attempts + 1
        uow.deliveries.update(delivery_id, at=at, state=DeliveryState.SENDING, attempts=attempts)
        uow.commit()
    return replace(delivery, state=DeliveryState.SENDING, attempts=attempts), document, record


def _delivered(
    svc: Services,
    delivery: Delivery,
    document: StoredDocument,
    response: AdapterResponse,
    receipt: Receipt | None,
    message_id: str,
    record: AdapterRecord,
) -> Result:
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        _keep_exchange(uow, delivery, record, "delivered", response.envelopes, at)
        _circuit_outcome(uow, record, at, None)
        evidence_id = (
            None
            if receipt is None
            else keep_agency_receipt(
                svc,
                uow,
                receipt,
                response.body,
                organ_id=delivery.organ_id,
                petition_id=document.petition_id,
                case_id=delivery.case_id,
                at=at,
            )
        )
        uow.deliveries.update(
            delivery.delivery_id,
            at=at,
            state=DeliveryState.DELIVERED,
            delivered_at=at,
            last_error=None,
            evidence_document_id=evidence_id,
            evidence={
                "status": response.status,
                "elapsed_ms": round(response.elapsed_ms, 1),
                "content_type": response.content_type,
                "response_sha256": sha256_hex(response.body),
                "signed_receipt": receipt is not None,
            },
        )
        _start_clock(svc, uow, delivery.case_id, at)
        uow.processed.mark(message_id, HANDLER, at=at)
        uow.audit.record(
            AuditAction.DELIVERY_DELIVERED,
            actor="worker",
            at=at,
            petition_id=document.petition_id,
            case_id=delivery.case_id,
            document_id=document.document_id,
            organ_id=delivery.organ_id,
            sha256=document.sha256,
            attempts=delivery.attempts,
            receipt_id=evidence_id,
            response=response.status,
        )
        uow.commit()
    return Result(Settle.ACK)


def _start_clock(svc: Services, uow: UnitOfWork, case_id: int, at: datetime) -> None:
    """The agency has the petition: its 20-working-day period starts (unless a status already
    started one)."""
    record = uow.cases.get(case_id)
    if record is None or record.clock_start_at is not None:
        return
    policy = clock_policy(svc)
    if policy.start == ClockStart.SYSTEM_RECEIPT:  # count from the petition's intake instead
        petition = uow.petitions.get(record.case.petition_id)
        at = petition.petition.received_at if petition else at
    deadline = deadline_from(at, svc.calendar, svc.zone, policy.period_days)
    uow.cases.set_deadline(
        case_id,
        clock_start_at=at,
        due_date=deadline.due_date,
        due_at=deadline.due_at,
        calendar_version=deadline.calendar_version,
    )


def _transient(
    svc: Services,
    delivery: Delivery,
    error: TransientDeliveryError,
    record: AdapterRecord,
    message: Message,
) -> Result:
    if delivery.attempts >= svc.delivery_policy.max_attempts:
        exhausted = PermanentDeliveryError(
            f"gave up after {delivery.attempts} attempts; last error: {error.message}",
            code=ErrorCode.DELIVERY_EXHAUSTED,
            envelopes=error.envelopes,
        )
        return _fail(svc, delivery, exhausted, record, message, transient=error.message)
    delay = compute_backoff(
        delivery.attempts,
        base=svc.delivery_policy.retry_base_seconds,
        cap=svc.delivery_policy.retry_cap_seconds,
    )
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        _keep_exchange(uow, delivery, record, "transient", error.envelopes, at)
        _circuit_outcome(uow, record, at, error.message)
        uow.deliveries.update(
            delivery.delivery_id,
            at=at,
            state=DeliveryState.RETRYING,
            last_error=error.message[:2000],
            next_attempt_at=at + timedelta(seconds=delay),
        )
        uow.audit.record(
            AuditAction.DELIVERY_RETRYING,
            actor="worker",
            at=at,
            case_id=delivery.case_id,
            document_id=delivery.document_id,
            organ_id=delivery.organ_id,
            attempts=delivery.attempts,
            delay_s=round(delay, 2),
            error=error.message[:500],
        )
        uow.commit()
    return Result(Settle.RETRY, delay, error.message)


def _fail(
    svc: Services,
    delivery: Delivery,
    error: DeliveryError,
    record: AdapterRecord,
    message: Message,
    *,
    transient: str | None = None,
) -> Result:
    at = svc.clock.now()
    reason = f"{error.code.value}: {error.message}"
    with svc.store.unit_of_work() as uow:
        _keep_exchange(uow, delivery, record, "permanent", error.envelopes, at)
        # a permanent answer is about this document: the agency system itself is reachable
        _circuit_outcome(uow, record, at, transient)
        uow.deliveries.update(
            delivery.delivery_id,
            at=at,
            state=DeliveryState.FAILED,
            last_error=error.message[:2000],
            failure_code=error.code.value,
        )
        uow.audit.record(
            AuditAction.DELIVERY_FAILED,
            actor="worker",
            at=at,
            case_id=delivery.case_id,
            document_id=delivery.document_id,
            organ_id=delivery.organ_id,
            attempts=delivery.attempts,
            code=error.code.value,
            error=error.message[:500],
        )
        dead_letters.add(uow, message, reason, code=error.code, at=at)
        uow.commit()
    return Result(Settle.DEAD, reason=reason, code=error.code)


def _to_inbox(
    svc: Services,
    delivery: Delivery,
    document: StoredDocument,
    record: AdapterRecord,
    message_id: str,
) -> Result:
    """Pull agencies: the document waits in the agency's inbox; its deadline clock starts only
    when the agency acknowledges it (see :mod:`gateway.service.inbox`)."""
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        uow.deliveries.update(
            delivery.delivery_id, at=at, state=DeliveryState.INBOX, last_error=None
        )
        uow.processed.mark(message_id, HANDLER, at=at)
        uow.audit.record(
            AuditAction.DELIVERY_IN_INBOX,
            actor="worker",
            at=at,
            petition_id=document.petition_id,
            case_id=delivery.case_id,
            document_id=document.document_id,
            organ_id=delivery.organ_id,
            sha256=document.sha256,
            adapter_id=record.adapter_id,
        )
        uow.commit()
    return Result(Settle.ACK)


def _keep_exchange(
    uow: UnitOfWork,
    delivery: Delivery,
    record: AdapterRecord,
    outcome: str,
    envelopes: Exchanged | None,
    at: datetime,
) -> None:
    """The exact envelopes of this attempt, as delivery evidence (SOAP, and any adapter that
    captures them)."""
    if envelopes is not None:
        uow.exchanges.add(
            Exchange(
                delivery.delivery_id,
                delivery.attempts,
                record.kind,
                outcome,
                envelopes.request,
                envelopes.response,
                at,
            )
        )


def _circuit_outcome(
    uow: UnitOfWork, record: AdapterRecord, at: datetime, transient_error: str | None
) -> None:
    current = uow.circuits.get(record.adapter_id, for_update=True)
    if transient_error is None:
        if current != breaker.succeeded(current):
            uow.circuits.save(breaker.succeeded(current), at=at)
            uow.audit.record(
                AuditAction.ADAPTER_CIRCUIT_CLOSED,
                actor="worker",
                at=at,
                organ_id=record.organ_id,
                adapter_id=record.adapter_id,
            )
        return
    settings = breaker.BreakerSettings.from_config(record.config)  # checked when it was saved
    after = breaker.failed(current, at, transient_error[:500], settings)
    uow.circuits.save(after, at=at)
    if after.state is breaker.CircuitState.OPEN and current.state is not breaker.CircuitState.OPEN:
        uow.audit.record(
            AuditAction.ADAPTER_CIRCUIT_OPENED,
            actor="worker",
            at=at,
            organ_id=record.organ_id,
            adapter_id=record.adapter_id,
            failures=after.failures,
            cooldown_s=settings.cooldown_seconds,
        )
