"""The audit trail's pure core: the hash chain, the seal schedule, and checking a chain.

Standard library only (and :mod:`gateway.errors`). For event number ``seq``::

    digest(event) = SHA-256(canonical(event))
    hash(event)   = SHA-256(bytes.fromhex(prev_hash) || digest(event))

with ``prev_hash`` the previous event's hash (:data:`GENESIS` before the first). ``canonical`` is
compact JSON (UTF-8, sorted keys) of ``["pakn-audit-1", seq, at, actor, action, petition_id,
case_id, document_id, organ_id, sha256, details]``, ``at`` in UTC as ISO 8601 with microseconds.

Hashing the digest rather than the event lets a bundle prove that a petition's events lead to a
seal by carrying only the digests of the events in between — never other petitions' content.

Reading and appending the chain is the store's (:mod:`gateway.store.audit_log`,
:mod:`gateway.store.seals`); sealing, the trail, the evidence bundle and verification are use
cases (:mod:`gateway.service.audit`); a bundle is verified offline by :mod:`gateway.audit.offline`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from gateway.errors import ErrorCode, IntegrityBroken

FORMAT = "pakn-audit-1"
GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""


class AuditAction(StrEnum):
    """Every action the audit trail records, named once (the stored value is the string)."""

    ADAPTER_ADDED = "adapter.added"
    ADAPTER_CHANGED = "adapter.changed"
    ADAPTER_CIRCUIT_CLOSED = "adapter.circuit_closed"
    ADAPTER_CIRCUIT_OPENED = "adapter.circuit_opened"
    ADAPTER_CIRCUIT_PROBE = "adapter.circuit_probe"
    ADAPTER_DISABLED = "adapter.disabled"
    ADAPTER_ENABLED = "adapter.enabled"
    ADAPTER_REMOVED = "adapter.removed"
    ADAPTER_TESTED = "adapter.tested"

    AGENCY_ADDED = "agency.added"
    AGENCY_CHANGED = "agency.changed"
    AGENCY_TOKEN_ISSUED = "agency.token_issued"  # noqa: S105 — an action name, not a secret

    AUDIT_EXPORTED = "audit.exported"
    AUDIT_SEALED = "audit.sealed"

    CASE_CHANGE_AGREED = "case.change_agreed"
    CASE_CHANGE_REFUSED = "case.change_refused"
    CASE_CHANGE_REQUESTED = "case.change_requested"
    CASE_CHANGED = "case.changed"
    CASE_RETURNED = "case.returned"
    CASE_UNCHANGED = "case.unchanged"

    CERTIFICATE_IMPORTED = "certificate.imported"
    CERTIFICATE_REVOKED = "certificate.revoked"

    DEAD_LETTER_REPLAYED = "dead_letter.replayed"

    DEADLINE_OVERDUE = "deadline.overdue"
    DEADLINE_REMINDER = "deadline.reminder"

    DELIVERY_ACKNOWLEDGED = "delivery.acknowledged"
    DELIVERY_DELIVERED = "delivery.delivered"
    DELIVERY_FAILED = "delivery.failed"
    DELIVERY_IN_INBOX = "delivery.in_inbox"
    DELIVERY_QUEUED = "delivery.queued"
    DELIVERY_RETRYING = "delivery.retrying"

    DOCUMENT_RECEIVED = "document.received"
    DOCUMENT_REJECTED = "document.rejected"
    DOCUMENT_SIGNED = "document.signed"

    MESSAGE_DEAD_LETTERED = "message.dead_lettered"

    PETITION_ESCALATED = "petition.escalated"
    PETITION_MARKED_USEFUL = "petition.marked_useful"
    PETITION_RECEIVED = "petition.received"
    PETITION_REROUTED = "petition.rerouted"
    PETITION_ROUTED = "petition.routed"
    PETITION_RULE_MATCHED = "petition.rule_matched"

    RECEIPT_ISSUED = "receipt.issued"

    REPORT_ISSUED = "report.issued"

    USER_ADDED = "user.added"
    USER_CHANGED = "user.changed"  # role, disabled, password reset
    USER_LOGGED_IN = "user.logged_in"
    USER_TOKEN_ISSUED = "user.token_issued"  # noqa: S105 (an action name)
    USER_TOKEN_REVOKED = "user.token_revoked"  # noqa: S105 (an action name)
    BACKUP_MADE = "backup.made"
    BACKUP_RESTORED = "backup.restored"
    ESCALATION_DECIDED = "escalation.decided"
    MAINTENANCE_STARTED = "maintenance.started"
    MAINTENANCE_ENDED = "maintenance.ended"
    EXPERT_INVITED = "expert.invited"
    EXPERT_OPINION = "expert.opinion"


SEALED = AuditAction.AUDIT_SEALED
"""The action of the event that records a seal in the chain."""

_sha256 = hashlib.sha256
_encode = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode
"""One encoder, built once: ``json.dumps`` with options builds a new one on every call."""


def timestamp(at: datetime) -> str:
    """``at`` in UTC, ISO 8601 with microseconds (naive means UTC)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    elif at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.isoformat(timespec="microseconds")


def canonical(
    seq: int,
    at: datetime | str,
    actor: str,
    action: str,
    petition_id: str | None,
    case_id: int | None,
    document_id: str | None,
    organ_id: str | None,
    sha256: str | None,
    details: Mapping[str, Any],
) -> bytes:
    """The exact bytes an event's digest is computed over."""
    when = at if isinstance(at, str) else timestamp(at)
    return _encode(
        [
            FORMAT,
            seq,
            when,
            actor,
            action,
            petition_id,
            case_id,
            document_id,
            organ_id,
            sha256,
            details,
        ]
    ).encode("utf-8")


def digest(canonical_bytes: bytes) -> bytes:
    return _sha256(canonical_bytes).digest()


def link(prev_hash: str, event_digest: bytes) -> str:
    """The hash of an event whose digest is ``event_digest``, following ``prev_hash``."""
    return _sha256(bytes.fromhex(prev_hash) + event_digest).hexdigest()


def event_hash(
    prev_hash: str,
    seq: int,
    at: datetime | str,
    actor: str,
    action: str,
    petition_id: str | None,
    case_id: int | None,
    document_id: str | None,
    organ_id: str | None,
    sha256: str | None,
    details: Mapping[str, Any],
) -> str:
    return link(
        prev_hash,
        digest(
            canonical(
                seq, at, actor, action, petition_id, case_id, document_id, organ_id, sha256, details
            )
        ),
    )


def normalised_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """``details`` as they will read back from any database's JSON column (a JSON round trip).

    Raises:
        ValueError: a value JSON cannot carry (NaN, infinity).
        TypeError: a value that is not JSON (a datetime, bytes…).
    """
    result: dict[str, Any] = json.loads(json.dumps(dict(details), allow_nan=False))
    return result


def follow(prev_hash: str, digests: list[tuple[int, str]]) -> str:
    """Walk a path of ``(seq, digest hex)`` from ``prev_hash``; the hash reached at its end."""
    current = prev_hash
    for _seq, hexdigest in digests:
        current = link(current, bytes.fromhex(hexdigest))
    return current


# -- stored events and seals ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChainedEvent:
    """An event as the chain holds it: its content, its predecessor's hash and its own."""

    seq: int
    at: datetime
    actor: str
    action: str
    petition_id: str | None
    case_id: int | None
    document_id: str | None
    organ_id: str | None
    sha256: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Seal:
    """A stored seal of the chain head: the signed seal document's exact bytes and digest."""

    seal_id: int
    seq: int
    head_hash: str
    sealed_at: datetime
    sha256: str
    body: bytes


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


# -- verification: what a check finds, and the chain pass ----------------------------------------


@dataclass(frozen=True)
class Problem:
    code: str
    what: str
    seq: int | None = None
    seal_id: int | None = None
    document_id: str | None = None

    @property
    def where(self) -> str:
        return (
            f"event {self.seq}"
            if self.seq is not None
            else f"seal {self.seal_id}"
            if self.seal_id is not None
            else f"document {self.document_id}"
            if self.document_id
            else "trail"
        )

    def line(self) -> str:
        return f"{self.where}: {self.code}: {self.what}"


@dataclass(frozen=True)
class Verification:
    """One recorded run of the verification: when, how much it checked, what it found."""

    at: datetime
    complete: bool
    events: int
    documents: int
    problems: int

    @property
    def ok(self) -> bool:
        return self.problems == 0


@dataclass
class Report:
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    seals: int = 0
    documents: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "seals": self.seals,
            "documents": self.documents,
            "first_problem": asdict(self.problems[0]) if self.problems else None,
            "problems": [asdict(p) for p in self.problems],
        }

    def raise_if_broken(self) -> None:
        if self.problems:
            first = self.problems[0]
            rest = len(self.problems) - 1
            more = f" (and {rest} more problem(s))" if rest else ""
            raise IntegrityBroken(f"{first.where}: {first.what}{more}", code=ErrorCode(first.code))


class ChainChecker:
    """Checks events fed in ``seq`` order; pure apart from hashing.

    Rows are tuples ``(seq, at, actor, action, petition_id, case_id, document_id, organ_id,
    sha256, details, prev_hash, hash)``, as the store streams them."""

    def __init__(self, report: Report, *, expected_prev: str | None = GENESIS) -> None:
        self.report = report
        self.expected = expected_prev  # None: trust the first event's prev_hash (a range)
        self.last_seq: int | None = None
        self.hashes: dict[int, str] = {}  # seq -> hash, for the seqs someone asked about
        self.wanted: set[int] = set()
        self.sealed_events: dict[int, tuple[int, str | None]] = {}  # seal_id -> (seq, sha256)
        self.document_digests: dict[str, set[str]] = {}

    def feed(self, rows: Iterable[Any]) -> None:
        problems = self.report.problems
        expected, last_seq = self.expected, self.last_seq
        count = 0
        for (
            seq,
            at,
            actor,
            action,
            petition_id,
            case_id,
            document_id,
            organ_id,
            sha256,
            details,
            prev_hash,
            stored_hash,
        ) in rows:
            count += 1
            if expected is not None and prev_hash != expected:
                if last_seq is not None and seq != last_seq + 1:
                    what = (
                        f"events {last_seq + 1}…{seq - 1} are missing (deleted): this "
                        "event does not follow the one before it"
                    )
                elif last_seq is None and seq != 1:
                    what = f"events before {seq} are missing: the chain does not start here"
                else:
                    what = (
                        f"prev_hash does not match event {last_seq}'s hash (events "
                        "reordered, or an earlier one rewritten)"
                    )
                problems.append(Problem(ErrorCode.AUDIT_CHAIN_BROKEN.value, what, seq=seq))
            computed = link(
                prev_hash,
                hashlib.sha256(
                    canonical(
                        seq,
                        at,
                        actor,
                        action,
                        petition_id,
                        case_id,
                        document_id,
                        organ_id,
                        sha256,
                        details,
                    )
                ).digest(),
            )
            if computed != stored_hash:
                problems.append(
                    Problem(
                        ErrorCode.AUDIT_CHAIN_BROKEN.value,
                        "its content does not match its hash (the event was edited)",
                        seq=seq,
                    )
                )
            if seq in self.wanted:
                self.hashes[seq] = stored_hash
            if action == SEALED and isinstance(details, dict) and "seal_id" in details:
                self.sealed_events[int(details["seal_id"])] = (seq, sha256)
            if document_id is not None and sha256 is not None and action != SEALED:
                self.document_digests.setdefault(document_id, set()).add(sha256)
            expected, last_seq = stored_hash, seq
            if self.report.first_seq is None:
                self.report.first_seq = seq
        self.expected, self.last_seq = expected, last_seq
        self.report.events += count
        self.report.last_seq = last_seq
