"""Administration: agencies (their adapters are administered by :mod:`gateway.service.adapters`).
Every change is an audit event."""

from __future__ import annotations

from typing import Any

from gateway.domain.agency import Agency, check_organ_id
from gateway.domain.audit import AuditAction
from gateway.errors import Conflict, ErrorCode, NotFound
from gateway.service import adapters
from gateway.service.services import Services


def add_agency(
    svc: Services, organ_id: str, name: str, *, legacy_sha1: bool = False, actor: str = "cli"
) -> list[str]:
    """Register an agency. Returns warnings (e.g. a non-standard OrganId)."""
    organ_id = organ_id.strip()
    warnings = check_organ_id(organ_id)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.agencies.get(organ_id) is not None:
            raise Conflict(f"agency {organ_id} is already registered")
        uow.agencies.add(Agency(organ_id, name.strip() or organ_id, legacy_sha1), at=at)
        uow.audit.record(
            AuditAction.AGENCY_ADDED, actor=actor, at=at, organ_id=organ_id, legacy_sha1=legacy_sha1
        )
        uow.commit()
    return warnings


def set_legacy_sha1(svc: Services, organ_id: str, legacy_sha1: bool, *, actor: str = "cli") -> bool:
    """Flag (or unflag) an agency whose old e-office software signs with RSA-SHA1.

    Returns whether anything changed (an audit event is recorded only then).

    Raises:
        NotFound(UNKNOWN_AGENCY): the agency is not registered.
    """
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        agency = uow.agencies.get(organ_id)
        if agency is None:
            raise NotFound(f"unknown agency {organ_id}", code=ErrorCode.UNKNOWN_AGENCY)
        if agency.legacy_sha1 == legacy_sha1:
            return False
        uow.agencies.set_legacy_sha1(organ_id, legacy_sha1)
        uow.audit.record(
            AuditAction.AGENCY_CHANGED,
            actor=actor,
            at=at,
            organ_id=organ_id,
            legacy_sha1=legacy_sha1,
        )
        uow.commit()
    return True


def list_agencies(svc: Services) -> list[Agency]:
    with svc.store.unit_of_work() as uow:
        return uow.agencies.all()


def ensure_adapter(
    svc: Services, organ_id: str, kind: str, config: dict[str, Any], *, actor: str
) -> int:
    """Make sure the agency's enabled adapter has this configuration (used by the demo)."""
    with svc.store.unit_of_work() as uow:
        current = uow.adapters.enabled_for(organ_id)
        if current is not None and current.kind == kind:
            if current.config != config:
                at = svc.clock.now()
                uow.adapters.update_config(current.adapter_id, config, at=at)
                uow.audit.record(
                    AuditAction.ADAPTER_CHANGED,
                    actor=actor,
                    at=at,
                    organ_id=organ_id,
                    adapter_id=current.adapter_id,
                    config=svc.adapters.redact(kind, config),
                )
                uow.commit()
            return current.adapter_id
    return adapters.add(svc, organ_id, kind, config, enabled=True, actor=actor).adapter_id
