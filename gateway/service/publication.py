"""Công khai, kết thúc: VPCP publishes a petition's replies, then closes it.

Both go through the case transition table: publishing needs a replied case, closing a replied
or published one; anything else is an IllegalTransition (409) and changes nothing. The directive
requires handling results to be made public, so a replied case is closed unpublished only with
an operator's reason, recorded in the audit trail.

Publishing writes what the public pages show (``public_replies``): the category, title, content
and the agency's reply text, each masked for personal data (gateway/domain/privacy.py, the
petitioner's own identity, and whatever else the operator names), with the signer, time and
SHA-256 of the agency's signed original. The operator sees exactly that text first
(:func:`publication_preview`, ``petition publish --preview``).
"""

from __future__ import annotations

from datetime import datetime

from gateway.domain.audit import AuditAction
from gateway.domain.case import CaseState, can_move, move
from gateway.domain.petition import Petition
from gateway.domain.publication import PublicReply, ReplyPage, ReplyQuery, masked
from gateway.errors import IllegalTransition, InputInvalid, NotFound
from gateway.service.queries import edoc_content
from gateway.service.routing import refresh_petition_status
from gateway.service.services import Services
from gateway.store.petitions import CaseRecord
from gateway.store.uow import UnitOfWork

MAX_MASKS = 50


def publication_preview(
    svc: Services, petition_id: str, *, mask: tuple[str, ...] = ()
) -> list[PublicReply]:
    """What publishing the petition now would show the public, one entry per replied case,
    masked as it would be (nothing is changed)."""
    extra = _masks(mask)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
        if record is None:
            raise NotFound(f"no petition {petition_id}")
        return [
            _public_reply(uow, record.petition, c, extra, at=at, actor="")
            for c in uow.cases.for_petition(petition_id)
            if c.case.state is CaseState.REPLIED
        ]


def publish_petition(
    svc: Services, petition_id: str, *, actor: str, mask: tuple[str, ...] = ()
) -> list[int]:
    """Publish every replied case of the petition, masked (``mask``: further text the operator
    wants hidden, besides what the rules find). Returns the case ids published."""
    return _move_cases(svc, petition_id, CaseState.PUBLISHED, actor=actor, mask=_masks(mask))


def close_petition(
    svc: Services, petition_id: str, *, actor: str, unpublished_reason: str = ""
) -> list[int]:
    """Close every replied or published case of the petition. A replied case not yet published
    needs ``unpublished_reason`` (why its reply is not made public), else IllegalTransition."""
    return _move_cases(
        svc, petition_id, CaseState.CLOSED, actor=actor, unpublished_reason=unpublished_reason
    )


def _move_cases(
    svc: Services,
    petition_id: str,
    target: CaseState,
    *,
    actor: str,
    unpublished_reason: str = "",
    mask: tuple[str, ...] = (),
) -> list[int]:
    reason = unpublished_reason.strip()
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        petition = uow.petitions.get(petition_id)
        if petition is None:
            raise NotFound(f"no petition {petition_id}")
        cases = uow.cases.for_petition(petition_id)
        movable = [c for c in cases if can_move(c.case.state, target)]
        if not movable:
            states = ", ".join(sorted({c.case.state.value for c in cases})) or "no cases"
            raise IllegalTransition(
                f"petition {petition_id} cannot be {target.value}: its cases are {states}",
                target=target.value,
            )
        unpublished = [c for c in movable if c.case.state is CaseState.REPLIED]
        if target is CaseState.CLOSED and unpublished and not reason:
            raise IllegalTransition(
                f"petition {petition_id} has replies that were never published: publish them "
                "first, or give the reason for not publishing them",
                target=target.value,
            )
        for record in movable:
            moved = move(record.case, target, at=at)
            note = ""
            if target is CaseState.CLOSED and record.case.state is CaseState.REPLIED:
                note = f"closed without publishing: {reason}"
            uow.cases.save(moved)
            if target is CaseState.PUBLISHED:
                uow.public.put(
                    _public_reply(uow, petition.petition, record, mask, at=at, actor=actor)
                )
            uow.audit.record(
                AuditAction.CASE_CHANGED,
                actor=actor,
                at=at,
                petition_id=petition_id,
                case_id=record.case.case_id,
                organ_id=record.case.organ_id,
                previous=record.case.state.value,
                state=target.value,
                note=note,
            )
        refresh_petition_status(uow, petition_id, at=at)
        uow.commit()
    return [c.case.case_id for c in movable]


PUBLIC_FIELDS = (
    "case_id",
    "organ_id",
    "category",
    "title",
    "content",
    "reply_text",
    "received_at",
    "replied_at",
    "published_at",
    "reply_sha256",
    "signed_by",
)
"""What the public sees of a published reply, in this order (the open data's columns)."""


def public_replies(svc: Services, query: ReplyQuery) -> ReplyPage:
    """The published replies that match ``query`` (one page), newest first."""
    with svc.store.unit_of_work() as uow:
        return uow.public.search(query)


def public_reply(svc: Services, case_id: int) -> PublicReply:
    with svc.store.unit_of_work() as uow:
        found = uow.public.get(case_id)
    if found is None:
        raise NotFound(f"no published reply {case_id}")
    return found


def published_organs(svc: Services) -> list[str]:
    with svc.store.unit_of_work() as uow:
        return uow.public.organs()


def public_view(reply: PublicReply) -> dict[str, object]:
    """A published (or previewed) reply as JSON-ready data: what the public sees, the fields of
    PUBLIC_FIELDS in their order (times in ISO 8601)."""
    values = {name: getattr(reply, name) for name in PUBLIC_FIELDS}
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _masks(mask: tuple[str, ...]) -> tuple[str, ...]:
    extra = tuple(m.strip() for m in mask if m.strip())
    if len(extra) > MAX_MASKS or any(len(m) > 500 for m in extra):
        raise InputInvalid(f"at most {MAX_MASKS} texts to mask, each at most 500 characters")
    if any(len(m) < 3 for m in extra):
        raise InputInvalid("a text to mask has at least 3 characters")
    return extra


def _public_reply(
    uow: UnitOfWork,
    petition: Petition,
    record: CaseRecord,
    extra: tuple[str, ...],
    *,
    at: datetime,
    actor: str,
) -> PublicReply:
    stored = uow.documents.get(record.reply_document_id) if record.reply_document_id else None
    if stored is None:  # a replied case always has its reply: a broken store is not published
        raise IllegalTransition(
            f"case {record.case.case_id} has no stored reply to publish", target="published"
        )
    text = edoc_content(stored.body) or ""
    who = petition.petitioner
    return PublicReply(
        case_id=record.case.case_id,
        petition_id=petition.petition_id,
        organ_id=record.case.organ_id,
        category=petition.category.value,
        title=masked(petition.title, who, extra),
        content=masked(petition.content, who, extra),
        reply_text=masked(text, who, extra),
        received_at=petition.received_at,
        replied_at=stored.created_at,
        reply_document_id=stored.document_id,
        reply_sha256=stored.sha256,
        signed_by=stored.signer or "",
        published_at=at,
        published_by=actor,
    )
