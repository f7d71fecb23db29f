"""Kiểm tra: recompute the audit chain, check every seal and every stored document.

:func:`verify_trail` streams the events in ``seq`` order and, for each, checks that it links to
its predecessor (``prev_hash``) and that its stored hash is the hash of its content. Then:

- the chain head row names the last event (events removed from the end show here);
- every seal in range is validly signed by the gateway, names the hash the chain has at its
  ``seq``, matches its stored digest, and is the seal recorded by its ``audit.sealed`` event;
- every stored document's bytes have their recorded SHA-256 — the one in the documents table and
  the one the chain recorded for it — and its signature verifies (at the time it was stored).

Problems are reported in order; the first one names the first broken event.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from gateway.audit.chain import GENESIS, canonical, link
from gateway.audit.seal import SEALED, read_seal, seals
from gateway.errors import ErrorCode, GatewayError, IntegrityBroken
from gateway.service.context import Services
from gateway.service.signatures import verify_signed
from gateway.store import tables as t
from gateway.store.audit_log import read_head

Progress = Callable[[int], None]
"""Called with the number of events checked since the last call."""

EVENT_COLUMNS = (
    t.audit_events.c.seq,
    t.audit_events.c.at,
    t.audit_events.c.actor,
    t.audit_events.c.action,
    t.audit_events.c.petition_id,
    t.audit_events.c.case_id,
    t.audit_events.c.document_id,
    t.audit_events.c.organ_id,
    t.audit_events.c.sha256,
    t.audit_events.c.details,
    t.audit_events.c.prev_hash,
    t.audit_events.c.hash,
)


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
    """Checks events fed in ``seq`` order; pure apart from hashing."""

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


def stream_events(
    connection: Connection, *, from_seq: int | None, to_seq: int | None, batch: int = 20_000
) -> Iterator[Sequence[Any]]:
    """Events in ``seq`` order, in batches (keyset pagination: constant memory)."""
    column = t.audit_events.c.seq
    after = (from_seq - 1) if from_seq is not None else None
    while True:
        query = select(*EVENT_COLUMNS).order_by(column).limit(batch)
        if after is not None:
            query = query.where(column > after)
        if to_seq is not None:
            query = query.where(column <= to_seq)
        rows = connection.execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def verify_trail(
    svc: Services,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    documents: bool = True,
    progress: Progress | None = None,
) -> Report:
    with _no_cyclic_gc():
        return _verify_trail(
            svc, from_seq=from_seq, to_seq=to_seq, documents=documents, progress=progress
        )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while streaming millions of acyclic rows: its full
    collections, triggered by the allocations alone, would cost a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _verify_trail(
    svc: Services,
    *,
    from_seq: int | None,
    to_seq: int | None,
    documents: bool,
    progress: Progress | None,
) -> Report:
    report = Report()
    ranged = from_seq is not None and from_seq > 1
    checker = ChainChecker(report, expected_prev=None if ranged else GENESIS)
    with svc.store.unit_of_work() as uow:
        connection = uow.connection
        all_seals = [
            s for s in seals(connection, upto=to_seq) if from_seq is None or s.seq >= from_seq
        ]
        checker.wanted = {s.seq for s in all_seals}
        for rows in stream_events(connection, from_seq=from_seq, to_seq=to_seq):
            checker.feed(rows)
            if progress is not None:
                progress(len(rows))
        head_seq, head_hash = read_head(connection, lock=False)
        if to_seq is None and (
            head_seq != (checker.last_seq or 0) or head_hash != (checker.expected or GENESIS)
        ):
            report.problems.append(
                Problem(
                    ErrorCode.AUDIT_CHAIN_BROKEN.value,
                    f"the chain head names event {head_seq}, but the last event is "
                    f"{checker.last_seq} (events removed from the end, or the head rewritten)",
                    seq=checker.last_seq,
                )
            )
        _check_seals(svc, checker, all_seals, report, complete=to_seq is None and not ranged)
        if documents:
            _check_documents(svc, connection, checker, report, only=ranged or to_seq is not None)
    return report


def _check_seals(
    svc: Services, checker: ChainChecker, all_seals: list[Any], report: Report, *, complete: bool
) -> None:
    previous = ""
    for seal in all_seals:
        report.seals += 1

        def bad(what: str, seal: Any = seal) -> None:
            report.problems.append(
                Problem(ErrorCode.AUDIT_SEAL_INVALID.value, what, seq=None, seal_id=seal.seal_id)
            )

        if hashlib.sha256(seal.body).hexdigest() != seal.sha256:
            bad("its bytes do not match its recorded SHA-256 (the seal was replaced)")
        recorded = checker.sealed_events.get(seal.seal_id)
        if recorded is None:
            if complete:
                bad("no audit.sealed event in the chain records this seal")
        elif recorded[1] != hashlib.sha256(seal.body).hexdigest():
            bad(f"event {recorded[0]} recorded another seal document (the seal was replaced)")
        try:
            content = read_seal(seal.body, svc.verifier, at=seal.sealed_at)
        except IntegrityBroken as e:
            bad(e.message)
            continue
        if content.issuer != svc.organ_id:
            bad(f"issued by {content.issuer}, not by this gateway ({svc.organ_id})")
        if content.seq != seal.seq or content.head_hash != seal.head_hash:
            bad("the signed seal names another event or hash than its record")
        chained = checker.hashes.get(content.seq)
        if chained is None:
            bad(f"it seals event {content.seq}, which is not in the chain")
        elif chained != content.head_hash:
            bad(
                f"it seals hash {content.head_hash[:16]}… for event {content.seq}, but the "
                f"chain has {chained[:16]}… there (the chain was rewritten)"
            )
        if complete and content.previous != previous:
            bad("it does not name the previous seal (a seal was removed or replaced)")
        previous = seal.sha256


def _check_documents(
    svc: Services, connection: Connection, checker: ChainChecker, report: Report, *, only: bool
) -> None:
    query = select(
        t.documents.c.document_id,
        t.documents.c.sender,
        t.documents.c.sha256,
        t.documents.c.body,
        t.documents.c.created_at,
    ).order_by(t.documents.c.created_at, t.documents.c.document_id)
    if only:
        query = query.where(t.documents.c.document_id.in_(list(checker.document_digests)))
    legacy = {
        row.organ_id
        for row in connection.execute(
            select(t.agencies.c.organ_id).where(t.agencies.c.legacy_sha1.is_(True))
        )
    }
    for row in connection.execute(query):
        report.documents += 1
        problem = check_document(
            svc,
            bytes(row.body),
            row.sha256,
            row.created_at,
            legacy=row.sender in legacy,
            chained=checker.document_digests.get(row.document_id, set()),
        )
        if problem:
            report.problems.append(
                Problem(ErrorCode.DOCUMENT_TAMPERED.value, problem, document_id=row.document_id)
            )


def check_document(
    svc: Services, body: bytes, recorded: str, at: Any, *, legacy: bool, chained: set[str]
) -> str | None:
    """What is wrong with a stored document, or None."""
    actual = hashlib.sha256(body).hexdigest()
    if actual != recorded:
        return (
            f"its bytes hash to {actual[:16]}…, not the recorded {recorded[:16]}… "
            "(the stored document was altered)"
        )
    if chained - {actual}:
        return (
            "the audit chain recorded another SHA-256 for it "
            f"({sorted(chained - {actual})[0][:16]}…): the document and its digest were "
            "both replaced"
        )
    try:
        verify_signed(svc.trust, body, None, legacy=legacy, at=at)
    except GatewayError as e:
        return f"its signature does not verify: {e}"
    return None
