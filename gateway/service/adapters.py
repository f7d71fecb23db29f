"""Administering adapters: add, show, enable, disable, edit, remove and test them.

Every change is an audit event (with secrets masked) in the same transaction as the change.
A configuration is checked before it is saved (for SOAP: the WSDL is loaded and the operation
looked up), so a bad one leaves nothing behind. Running workers pick changes up without a
restart: they read the enabled adapter per delivery, and ``Services.adapter_for`` rebuilds an
instance whose ``updated_at`` changed.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from adapters.base import Adapter, OutboundDocument
from gateway.domain.audit import AuditAction
from gateway.domain.circuit import Circuit
from gateway.domain.documents import BusinessDocType, sha256_hex
from gateway.errors import ErrorCode, InputInvalid, NotFound
from gateway.service.receipts import check_agency_receipt
from gateway.service.services import Services
from gateway.store.agencies import AdapterRecord
from gateway.store.agency_access import AgencyToken
from gateway.store.uow import UnitOfWork
from schemas import edxml

TEST_NOTATION = "VPCP-TEST"
"""The notation of connection-test documents (an agency system may file them away unread)."""
TOKEN_PREFIX = "pakn_"  # noqa: S105 — a prefix, not a secret


@dataclass(frozen=True)
class Added:
    adapter_id: int
    diagnosis: str
    token: str | None = None
    """A new pull-inbox token: shown once, stored only as its SHA-256."""


@dataclass(frozen=True)
class AdapterView:
    record: AdapterRecord
    config: dict[str, Any]
    """Secrets masked."""
    circuit: Circuit
    tokens: list[AgencyToken]
    broken: str | None = None


@dataclass(frozen=True)
class TestReport:
    adapter_id: int
    kind: str
    check: str
    check_ms: float
    round_trip: str | None = None
    round_trip_ms: float | None = None


def redacted(svc: Services, kind: str, config: dict[str, Any]) -> dict[str, Any]:
    """Secrets masked (every value, for a kind whose code is not installed or does not load)."""
    return svc.adapters.redact(kind, config)


def _require_agency(uow: UnitOfWork, organ_id: str) -> None:
    if uow.agencies.get(organ_id) is None:
        raise NotFound(
            f"unknown agency {organ_id}: add it first with "
            f"`gateway agency add {organ_id} --name …`",
            code=ErrorCode.UNKNOWN_AGENCY,
        )


def add(
    svc: Services,
    organ_id: str,
    kind: str,
    config: dict[str, Any],
    *,
    enabled: bool = False,
    actor: str = "cli",
) -> Added:
    """Configure how documents reach agency ``organ_id``, after checking the configuration
    against the agency system (see :meth:`AdapterRegistry.check`). A pull agency gets its first
    inbox token (shown once).

    Raises:
        NotFound(UNKNOWN_AGENCY): the agency is not registered.
        InputInvalid: the kind or the configuration is not usable (nothing is saved).
    """
    with svc.store.unit_of_work() as uow:
        _require_agency(uow, organ_id)
    diagnosis = svc.adapters.check(kind, config)
    at = svc.clock.now()
    token = None
    with svc.store.unit_of_work() as uow:
        _require_agency(uow, organ_id)
        adapter_id = uow.adapters.add(organ_id, kind, config, enabled=enabled, at=at)
        uow.audit.record(
            AuditAction.ADAPTER_ADDED,
            actor=actor,
            at=at,
            organ_id=organ_id,
            adapter_id=adapter_id,
            kind=kind,
            enabled=enabled,
            config=redacted(svc, kind, config),
        )
        if svc.adapters.is_inbox(kind):
            token = TOKEN_PREFIX + secrets.token_urlsafe(32)
            token_id = uow.tokens.add(organ_id, token, at=at)
            uow.audit.record(
                AuditAction.AGENCY_TOKEN_ISSUED,
                actor=actor,
                at=at,
                organ_id=organ_id,
                token_id=token_id,
            )
        uow.commit()
    return Added(adapter_id, diagnosis, token)


def issue_token(
    svc: Services, organ_id: str, *, revoke_old: bool = True, actor: str = "cli"
) -> tuple[str, int]:
    """A new inbox token for a pull agency (shown once). Returns it and how many old tokens
    were revoked."""
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        _require_agency(uow, organ_id)
        pull = [r for r in uow.adapters.for_organ(organ_id) if svc.adapters.is_inbox(r.kind)]
        if not pull:
            raise InputInvalid(
                f"agency {organ_id} has no pull adapter: tokens are for "
                f"pull agencies (gateway adapter add {organ_id} --kind pull)"
            )
        revoked = uow.tokens.revoke_all(organ_id, at=at) if revoke_old else 0
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = uow.tokens.add(organ_id, token, at=at)
        uow.audit.record(
            AuditAction.AGENCY_TOKEN_ISSUED,
            actor=actor,
            at=at,
            organ_id=organ_id,
            token_id=token_id,
            revoked=revoked,
        )
        uow.commit()
    return token, revoked


def resolve(svc: Services, organ_id: str, adapter_id: int | None = None) -> AdapterRecord:
    """The agency's adapter: the one with ``adapter_id``, or its only one."""
    with svc.store.unit_of_work() as uow:
        _require_agency(uow, organ_id)
        records = uow.adapters.for_organ(organ_id)
    if adapter_id is not None:
        for record in records:
            if record.adapter_id == adapter_id:
                return record
        raise NotFound(f"agency {organ_id} has no adapter {adapter_id}")
    if not records:
        raise NotFound(f"agency {organ_id} has no adapter: gateway adapter add {organ_id} --kind …")
    if len(records) > 1:
        ids = ", ".join(str(r.adapter_id) for r in records)
        raise InputInvalid(f"agency {organ_id} has several adapters ({ids}): choose one with --id")
    return records[0]


def views(svc: Services, organ_id: str | None = None) -> list[AdapterView]:
    with svc.store.unit_of_work() as uow:
        records = uow.adapters.for_organ(organ_id) if organ_id else uow.adapters.all()
        circuits = uow.circuits.all()
        tokens = {r.organ_id: uow.tokens.for_organ(r.organ_id) for r in records}
    result = []
    for record in records:
        known = svc.adapters.kinds.get(record.kind)
        broken = "kind not installed" if known is None else (known.error if known.broken else None)
        result.append(
            AdapterView(
                record,
                redacted(svc, record.kind, record.config),
                circuits.get(record.adapter_id, Circuit(record.adapter_id)),
                tokens[record.organ_id],
                broken,
            )
        )
    return result


def set_enabled(svc: Services, record: AdapterRecord, enabled: bool, *, actor: str = "cli") -> bool:
    """Enable or disable an adapter. Returns False when it already was."""
    if record.enabled == enabled:
        return False
    if enabled:
        svc.adapters.get(record.kind)  # a broken kind cannot be enabled
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        uow.adapters.set_enabled(record.adapter_id, enabled, at=at)
        uow.audit.record(
            AuditAction.ADAPTER_ENABLED if enabled else AuditAction.ADAPTER_DISABLED,
            actor=actor,
            at=at,
            organ_id=record.organ_id,
            adapter_id=record.adapter_id,
        )
        uow.commit()
    return True


def edit(
    svc: Services,
    record: AdapterRecord,
    changes: dict[str, Any],
    unset: tuple[str, ...] = (),
    *,
    actor: str = "cli",
) -> str:
    """Change some configuration keys; the result is checked like a new adapter."""
    if not changes and not unset:
        raise InputInvalid("nothing to change: give options to set, or --unset KEY")
    missing = [k for k in unset if k not in record.config]
    if missing:
        raise InputInvalid(f"cannot unset {', '.join(missing)}: not in the configuration")
    config = {k: v for k, v in record.config.items() if k not in unset} | changes
    diagnosis = svc.adapters.check(record.kind, config)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        uow.adapters.update_config(record.adapter_id, config, at=at)
        uow.audit.record(
            AuditAction.ADAPTER_CHANGED,
            actor=actor,
            at=at,
            organ_id=record.organ_id,
            adapter_id=record.adapter_id,
            changed=sorted({*changes, *unset}),
            config=redacted(svc, record.kind, config),
        )
        uow.commit()
    return diagnosis


def remove(svc: Services, record: AdapterRecord, *, actor: str = "cli") -> int:
    """Remove an adapter. Removing a pull adapter revokes the agency's inbox tokens.
    Returns how many tokens were revoked."""
    at = svc.clock.now()
    revoked = 0
    with svc.store.unit_of_work() as uow:
        uow.adapters.remove(record.adapter_id)
        uow.circuits.remove(record.adapter_id)
        if svc.adapters.is_inbox(record.kind):
            revoked = uow.tokens.revoke_all(record.organ_id, at=at)
        uow.audit.record(
            AuditAction.ADAPTER_REMOVED,
            actor=actor,
            at=at,
            organ_id=record.organ_id,
            adapter_id=record.adapter_id,
            kind=record.kind,
            config=redacted(svc, record.kind, record.config),
            tokens_revoked=revoked,
        )
        uow.commit()
    return revoked


def connection_check(
    svc: Services, record: AdapterRecord, *, dry_run: bool = False, actor: str = "cli"
) -> TestReport:
    """Check the adapter, then (unless ``dry_run``) deliver a signed test document and verify
    the agency's answer. Raises the adapter's error, with its diagnosis, on failure."""
    started = time.perf_counter()
    adapter: Adapter | None = None
    if svc.adapters.is_inbox(record.kind):  # nothing to reach and nothing to send
        check = svc.adapters.check(record.kind, record.config)
    else:
        adapter = svc.adapters.build(record.kind, record.config)
    outcome = "failed"
    try:
        if adapter is not None:
            check = adapter.check()
            if dry_run and (reached := adapter.probe()) is not None:
                check = f"{check}; {reached}"
        report = TestReport(
            record.adapter_id, record.kind, check, (time.perf_counter() - started) * 1000
        )
        if adapter is not None and not dry_run:
            report = _round_trip(svc, adapter, record, report)
        outcome = "ok"
        return report
    finally:
        if adapter is not None:
            adapter.close()
        at = svc.clock.now()
        with svc.store.unit_of_work() as uow:
            uow.audit.record(
                AuditAction.ADAPTER_TESTED,
                actor=actor,
                at=at,
                organ_id=record.organ_id,
                adapter_id=record.adapter_id,
                dry_run=dry_run,
                outcome=outcome,
            )
            uow.commit()


def _round_trip(
    svc: Services, adapter: Adapter, record: AdapterRecord, report: TestReport
) -> TestReport:
    body, doc_key = _test_document(svc, record.organ_id)
    digest = sha256_hex(body)
    started = time.perf_counter()
    response = adapter.deliver(
        OutboundDocument(str(uuid.uuid4()), record.organ_id, doc_key, digest, body)
    )
    elapsed = (time.perf_counter() - started) * 1000
    receipt = check_agency_receipt(
        svc, response.body, organ_id=record.organ_id, doc_key=doc_key, sha256=digest
    )
    answer = (
        "signed receipt verified (signer bound to the agency, digest matches)"
        if receipt is not None
        else f"answered {response.status} without a signed receipt"
    )
    status = adapter.status(doc_key)
    if status is not None:
        answer += f"; status operation says {status!r}"
    return TestReport(
        report.adapter_id,
        report.kind,
        report.check,
        report.check_ms,
        f"test document {doc_key} delivered: {answer}",
        elapsed,
    )


def _test_document(svc: Services, organ_id: str) -> tuple[bytes, str]:
    with svc.store.unit_of_work() as uow:
        agency = uow.agencies.get(organ_id)
    name = agency.name if agency else organ_id
    local = svc.clock.now().astimezone(svc.zone).replace(microsecond=0, tzinfo=None)
    number = secrets.randbelow(10**9)
    doc_key = f"{svc.organ_id},{local:%Y/%m/%d},{number}/{TEST_NOTATION}"
    root = edxml.encode_edoc(
        edxml.Edoc(
            from_=edxml.Organ(
                svc.organ_id,
                organ_name=svc.identity.organ_name,
                organization_in_charge=svc.identity.organ_name,
            ),
            to=(edxml.Organ(organ_id, organ_name=name, organization_in_charge=name),),
            document_id=doc_key,
            code_number=str(number),
            code_notation=TEST_NOTATION,
            promulgation_place="Hà Nội",
            promulgation_date=local.date(),
            document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Kiểm tra kết nối"),
            subject="Kiểm tra kết nối (không xử lý)",
            content="Văn bản kiểm tra kết nối của cổng PAKN; không cần xử lý.",
            trace=(edxml.TraceHeader(svc.organ_id, local),),
            business=edxml.Business(BusinessDocType.NEW, reason="Kiểm tra kết nối"),
        )
    )
    return svc.signer.sign(root, parent=edxml.header_of(root)), doc_key
