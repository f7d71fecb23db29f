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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from gateway.audit.seal_document import read_seal
from gateway.domain.audit import GENESIS, ChainChecker, Problem, Report, Seal
from gateway.errors import ErrorCode, GatewayError, IntegrityBroken, NotFound
from gateway.service.services import Services
from gateway.service.signatures import verify_signed
from gateway.store.documents import StoredDocument
from gateway.store.uow import UnitOfWork

Progress = Callable[[int], None]
"""Called with the number of events checked since the last call."""


def verify_trail(
    svc: Services,
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    documents: bool = True,
    progress: Progress | None = None,
) -> Report:
    with _no_cyclic_gc():
        report = _verify_trail(
            svc, from_seq=from_seq, to_seq=to_seq, documents=documents, progress=progress
        )
    complete = (from_seq is None or from_seq <= 1) and to_seq is None and documents
    with svc.store.unit_of_work() as uow:  # the dashboard shows the last run, and its result
        uow.seals.verified(report, complete=complete, at=svc.clock.now())
        uow.commit()
    return report


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
        all_seals = [s for s in uow.seals.all(upto=to_seq) if from_seq is None or s.seq >= from_seq]
        checker.wanted = {s.seq for s in all_seals}
        for rows in uow.audit.stream(from_seq=from_seq, to_seq=to_seq):
            checker.feed(rows)
            if progress is not None:
                progress(len(rows))
        head_seq, head_hash = uow.audit.head()
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
            _check_documents(svc, uow, checker, report, only=ranged or to_seq is not None)
    return report


def _check_seals(
    svc: Services, checker: ChainChecker, all_seals: list[Seal], report: Report, *, complete: bool
) -> None:
    previous = ""
    for seal in all_seals:
        report.seals += 1

        def bad(what: str, seal: Seal = seal) -> None:
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
    svc: Services, uow: UnitOfWork, checker: ChainChecker, report: Report, *, only: bool
) -> None:
    legacy = {agency.organ_id for agency in uow.agencies.all() if agency.legacy_sha1}
    documents = uow.audit.stored_documents(only=checker.document_digests if only else None)
    for doc in documents:
        report.documents += 1
        problem = check_document(
            svc,
            doc.body,
            doc.sha256,
            doc.created_at,
            legacy=doc.sender in legacy,
            chained=checker.document_digests.get(doc.document_id, set()),
        )
        if problem:
            report.problems.append(
                Problem(ErrorCode.DOCUMENT_TAMPERED.value, problem, document_id=doc.document_id)
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


def verify_stored_document(svc: Services, document_id: str) -> tuple[StoredDocument, str | None]:
    """Re-check one stored document now (its digest against the record and the audit chain's,
    its signature against today's trust): the document and what is wrong with it, or None."""
    with svc.store.unit_of_work() as uow:
        doc = uow.documents.get(document_id)
        if doc is None:
            raise NotFound(f"no document {document_id}")
        agency = uow.agencies.get(doc.sender)
        chained = set(uow.audit.digests_of(document_id))
    legacy = agency is not None and agency.legacy_sha1
    return doc, check_document(
        svc, doc.body, doc.sha256, doc.created_at, legacy=legacy, chained=chained
    )
