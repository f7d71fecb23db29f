"""Niêm phong: the gateway's signed seal of the audit chain head, and the loop that makes them.

A seal is a small XML document (``urn:vn:gov:vpcp:pakn:audit-seal:1``) naming the issuer, the
sealed event's ``seq`` and hash, the time, and the previous seal's SHA-256, signed like every
gateway document (enveloped XML-DSig, ``Reference URI=""``, so ``xmlsec1`` verifies it too). It is
stored with its exact bytes in ``audit_seals`` and recorded in the chain itself as an
``audit.sealed`` event carrying its digest — replacing a seal breaks that event's record.

Sealing reads a committed head (any committed head is a valid point to seal: the chain only
grows), signs outside any transaction, and stores the seal in a short one: it never holds up the
message flow. :class:`AuditSealer` seals every N events or T minutes (``GATEWAY_AUDIT_SEAL_*``).
RFC 3161 timestamping of seals is not implemented.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy import Connection, func, insert, select

from gateway.audit.chain import timestamp
from gateway.errors import ErrorCode, GatewayError, IntegrityBroken, StoreConflict
from gateway.service.context import Services
from gateway.store import tables as t
from gateway.store.audit_log import read_head
from schemas import xml
from signing import Verifier

SEAL_NS = "urn:vn:gov:vpcp:pakn:audit-seal:1"
SEALED = "audit.sealed"

log = logging.getLogger("gateway.audit")


@dataclass(frozen=True)
class Seal:
    seal_id: int
    seq: int
    head_hash: str
    sealed_at: datetime
    sha256: str
    body: bytes


@dataclass(frozen=True)
class SealContent:
    """What a seal document says (read from the signed content only)."""

    issuer: str
    seq: int
    head_hash: str
    sealed_at: str
    previous: str


def seal_document(
    issuer: str, seq: int, head_hash: str, sealed_at: datetime, previous: str
) -> etree._Element:
    root = etree.Element(f"{{{SEAL_NS}}}AuditSeal", nsmap={None: SEAL_NS})
    for name, value in (
        ("Issuer", issuer),
        ("Seq", str(seq)),
        ("HeadHash", head_hash),
        ("SealedAt", timestamp(sealed_at)),
        ("PreviousSeal", previous),
    ):
        etree.SubElement(root, f"{{{SEAL_NS}}}{name}").text = value
    return root


def read_seal(body: bytes, verifier: Verifier, *, at: datetime) -> SealContent:
    """Verify a seal's signature (at ``at``) and read what it signs.

    Raises:
        IntegrityBroken(AUDIT_SEAL_INVALID): not a validly signed seal, or signed by a
            certificate not bound to the issuer it names.
    """
    try:
        verified = verifier.verify(xml.parse(body), at=at)
        root = verified.signed_root
        if root.tag != f"{{{SEAL_NS}}}AuditSeal":
            raise IntegrityBroken(
                f"not an audit seal: {root.tag}", code=ErrorCode.AUDIT_SEAL_INVALID
            )

        def text(name: str) -> str:
            return root.findtext(f"{{{SEAL_NS}}}{name}") or ""

        content = SealContent(
            text("Issuer"),
            int(text("Seq")),
            text("HeadHash"),
            text("SealedAt"),
            text("PreviousSeal"),
        )
        verified.require_organ(content.issuer)
    except IntegrityBroken:
        raise
    except (GatewayError, ValueError) as e:
        raise IntegrityBroken(
            f"the seal does not verify: {e}", code=ErrorCode.AUDIT_SEAL_INVALID
        ) from e
    return content


def seals(connection: Connection, *, upto: int | None = None) -> list[Seal]:
    query = select(t.audit_seals).order_by(t.audit_seals.c.seq)
    if upto is not None:
        query = query.where(t.audit_seals.c.seq <= upto)
    return [
        Seal(r.seal_id, int(r.seq), r.head_hash, r.sealed_at, r.sha256, bytes(r.body))
        for r in connection.execute(query)
    ]


def last_seal(connection: Connection) -> Seal | None:
    row = connection.execute(
        select(t.audit_seals).order_by(t.audit_seals.c.seq.desc()).limit(1)
    ).first()
    return (
        Seal(row.seal_id, int(row.seq), row.head_hash, row.sealed_at, row.sha256, bytes(row.body))
        if row
        else None
    )


def seal_due(
    head_seq: int, last: Seal | None, now: datetime, *, every_events: int, every_minutes: float
) -> bool:
    """Whether to seal now: N events since the last seal, or T minutes with anything new.

    The last seal's own ``audit.sealed`` event does not count as new.
    """
    if last is None:
        return head_seq > 0
    new_events = head_seq - last.seq - 1
    if new_events <= 0:
        return False
    return new_events >= every_events or now - last.sealed_at >= timedelta(minutes=every_minutes)


def seal_now(svc: Services, *, force: bool = False) -> Seal | None:
    """Seal the committed chain head if a seal is due (always, with ``force``, if there is
    anything unsealed). Returns the new seal, or None."""
    now = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        seq, head_hash = read_head(uow._connection, lock=False)
        last = last_seal(uow._connection)
    settings = svc.settings
    if force:
        due = seq > 0 and (last is None or seq - last.seq - 1 > 0)
    else:
        due = seal_due(
            seq,
            last,
            now,
            every_events=settings.audit_seal_events,
            every_minutes=settings.audit_seal_minutes,
        )
    if not due:
        return None
    previous = last.sha256 if last else ""
    body = svc.signer.sign(seal_document(svc.organ_id, seq, head_hash, now, previous))
    digest = hashlib.sha256(body).hexdigest()
    try:
        with svc.store.unit_of_work() as uow:
            seal_id = uow._connection.execute(
                insert(t.audit_seals)
                .values(
                    seq=seq,
                    head_hash=head_hash,
                    sealed_at=now,
                    sha256=digest,
                    body=body,
                )
                .returning(t.audit_seals.c.seal_id)
            ).scalar_one()
            uow.audit.record(
                SEALED,
                actor="gateway",
                at=now,
                sha256=digest,
                seal_id=int(seal_id),
                sealed_seq=seq,
                head_hash=head_hash,
            )
            uow.commit()
    except StoreConflict:  # another sealer sealed this very head first
        return None
    return Seal(int(seal_id), seq, head_hash, now, digest, body)


def seal_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(t.audit_seals)).scalar_one())


class AuditSealer:
    """Seals the chain every N events or T minutes; failures are logged and retried, never
    raised into the message flow."""

    def __init__(self, svc: Services, *, poll_seconds: float = 5.0) -> None:
        self.svc = svc
        self.poll_seconds = poll_seconds

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.poll_seconds):
            try:
                seal = seal_now(self.svc)
            except Exception:  # keep sealing later: the chain itself is already safe
                log.exception(
                    "sealing the audit chain failed; retrying in %.0fs", self.poll_seconds
                )
                continue
            if seal is not None:
                log.info("audit chain sealed at seq %d", seal.seq)
