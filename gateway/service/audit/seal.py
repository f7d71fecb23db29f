"""Niêm phong: sealing the audit chain head, and the loop that does it.

A seal (its document: :mod:`gateway.audit.seal_document`) is stored with its exact bytes
(``uow.seals``) and recorded in the chain itself as an ``audit.sealed`` event carrying its digest
— replacing a seal breaks that event's record.

Sealing reads a committed head (any committed head is a valid point to seal: the chain only
grows), signs outside any transaction, and stores the seal in a short one: it never holds up the
message flow. :class:`AuditSealer` seals every N events or T minutes (``GATEWAY_AUDIT_SEAL_*``).
RFC 3161 timestamping of seals is not implemented.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from gateway.audit.seal_document import seal_document
from gateway.domain.audit import SEALED, Seal, seal_due
from gateway.errors import StoreConflict
from gateway.service.services import Services

log = logging.getLogger("gateway.audit")


def seal_now(svc: Services, *, force: bool = False) -> Seal | None:
    """Seal the committed chain head if a seal is due (always, with ``force``, if there is
    anything unsealed). Returns the new seal, or None."""
    now = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        seq, head_hash = uow.audit.head()
        last = uow.seals.last()
    policy = svc.seal_policy
    if force:
        due = seq > 0 and (last is None or seq - last.seq - 1 > 0)
    else:
        due = seal_due(
            seq,
            last,
            now,
            every_events=policy.every_events,
            every_minutes=policy.every_minutes,
        )
    if not due:
        return None
    previous = last.sha256 if last else ""
    body = svc.signer.sign(seal_document(svc.organ_id, seq, head_hash, now, previous))
    digest = hashlib.sha256(body).hexdigest()
    try:
        with svc.store.unit_of_work() as uow:
            seal_id = uow.seals.add(
                seq=seq, head_hash=head_hash, sealed_at=now, sha256=digest, body=body
            )
            uow.audit.record(
                SEALED,
                actor="gateway",
                at=now,
                sha256=digest,
                seal_id=seal_id,
                sealed_seq=seq,
                head_hash=head_hash,
            )
            uow.commit()
    except StoreConflict:  # another sealer sealed this very head first
        return None
    return Seal(seal_id, seq, head_hash, now, digest, body)


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
