"""Tiếp nhận: a petition arrives from a portal (or the CLI)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from gateway.domain.audit import AuditAction
from gateway.domain.petition import Category, Petition, Petitioner, nfc
from gateway.errors import IdempotencyConflict, InputInvalid, StoreConflict
from gateway.service.escalations import check_repeat, detect_repeat
from gateway.service.routing import route_by_configured_rules, route_in
from gateway.service.services import Services
from gateway.store.base import new_id

MAX_TITLE = 500
MAX_CONTENT = 100_000
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


@dataclass(frozen=True)
class NewPetition:
    category: Category
    title: str
    content: str
    petitioner: Petitioner
    portal: str = "nguoidan"
    client_ref: str | None = None
    """The portal's own id for the submission: resubmitting it returns the same petition."""
    route_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submitted:
    petition_id: str
    created: bool


def _clean(cmd: NewPetition) -> NewPetition:
    title, content = nfc(cmd.title).strip(), nfc(cmd.content).strip()
    if not title or len(title) > MAX_TITLE:
        raise InputInvalid(f"title must be 1–{MAX_TITLE} characters")
    if not content or len(content) > MAX_CONTENT:
        raise InputInvalid(f"content must be 1–{MAX_CONTENT} characters")
    p = cmd.petitioner
    if not nfc(p.name).strip():
        raise InputInvalid("petitioner name is required")
    petitioner = replace(
        p,
        name=nfc(p.name).strip(),
        address=nfc(p.address).strip(),
        id_number=p.id_number.strip(),
        phone=p.phone.strip(),
        email=p.email.strip(),
    )
    if petitioner.email and not EMAIL.fullmatch(petitioner.email):
        raise InputInvalid("petitioner email is not an e-mail address")
    if cmd.client_ref is not None and not 0 < len(cmd.client_ref) <= 128:
        raise InputInvalid("client_ref must be 1–128 characters")
    return replace(
        cmd,
        title=title,
        content=content,
        petitioner=petitioner,
        route_to=tuple(dict.fromkeys(o.strip() for o in cmd.route_to)),
    )


def _earlier(svc: Services, cmd: NewPetition) -> Submitted | None:
    """The petition already recorded under this client_ref, if any. The same submission again
    answers with it; a different one under the same client_ref is refused, never merged."""
    if not cmd.client_ref:
        return None
    with svc.store.unit_of_work() as uow:
        existing = uow.petitions.id_for_client_ref(cmd.client_ref)
        record = uow.petitions.get(existing) if existing else None
    if record is None:
        return None
    p = record.petition
    if (p.category, p.title, p.content, p.petitioner, p.portal) != (
        cmd.category,
        cmd.title,
        cmd.content,
        cmd.petitioner,
        cmd.portal,
    ):
        raise IdempotencyConflict(
            "this client_ref was already used for a different petition; use a new client_ref "
            "for a new submission"
        )
    return Submitted(p.petition_id, created=False)


def submit_petition(svc: Services, cmd: NewPetition) -> Submitted:
    """Record a petition (and route it, if the target agencies are given) in one transaction."""
    cmd = _clean(cmd)
    if cmd.portal not in svc.intake_policy.portals:
        raise InputInvalid(
            f"unknown portal; configured portals: {', '.join(svc.intake_policy.portals)}"
        )
    if (earlier := _earlier(svc, cmd)) is not None:
        return earlier
    at = svc.clock.now()
    petition = Petition(
        new_id(),
        cmd.category,
        cmd.title,
        cmd.content,
        cmd.petitioner,
        at,
        cmd.portal,
        cmd.client_ref,
    )
    repeat = check_repeat(svc, petition)
    try:
        with svc.store.unit_of_work() as uow:
            uow.petitions.add(petition, status="received")
            uow.audit.record(
                AuditAction.PETITION_RECEIVED,
                actor=f"portal:{cmd.portal}",
                at=at,
                petition_id=petition.petition_id,
                category=cmd.category.value,
            )
            detect_repeat(uow, petition, repeat, at=at)
            if cmd.route_to:
                route_in(svc, uow, petition, cmd.route_to, actor=f"portal:{cmd.portal}", at=at)
            else:
                route_by_configured_rules(svc, uow, petition, at=at)
            uow.commit()
    except StoreConflict:
        if (earlier := _earlier(svc, cmd)) is not None:  # the same submission raced us
            return earlier
        raise
    return Submitted(petition.petition_id, created=True)
