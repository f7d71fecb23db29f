"""The audit trail is hash-chained, append-only, sealed — and tampering is found and pinpointed.

Every test runs on SQLite and PostgreSQL. Tampering goes straight to the database with the
append-only triggers bypassed, as an intruder with administrator rights would.
"""

from __future__ import annotations

import hashlib
from itertools import pairwise

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gateway.audit.seal_document import seal_document
from gateway.domain.audit import event_hash
from gateway.errors import ErrorCode
from gateway.service.audit.seal import seal_now
from gateway.service.audit.verify import verify_trail
from gateway.service.services import Services
from tests.integration.audit_support import event_row, overwrite_event, populate, tampering


def first_problem(svc: Services) -> tuple[str, int | None, str | None, str]:
    report = verify_trail(svc)
    assert not report.ok, "tampering went unnoticed"
    p = report.problems[0]
    return p.code, p.seq, p.document_id, p.what


def seqs_of(svc: Services, action: str) -> list[int]:
    with svc.store.engine.connect() as c:
        return list(
            c.execute(
                text("SELECT seq FROM audit_events WHERE action = :a ORDER BY seq"), {"a": action}
            ).scalars()
        )


def test_every_event_is_chained_in_order_and_the_untouched_trail_verifies(svc):
    populate(svc)
    seal_now(svc, force=True)
    with svc.store.engine.connect() as c:
        rows = c.execute(text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()
        head = c.execute(text("SELECT seq, hash FROM audit_chain_head")).one()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.prev_hash == p.hash for p, r in pairwise(rows))
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].hash)
    report = verify_trail(svc)
    assert report.ok, report.problems
    assert report.events == len(rows) and report.seals == 1 and report.documents == 3


def test_the_database_refuses_to_update_or_delete_audit_events_and_seals(svc):
    populate(svc, 1)
    seal_now(svc, force=True)
    for statement in (
        "UPDATE audit_events SET actor = 'intruder' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 1",
        "UPDATE audit_seals SET head_hash = 'x'",
        "DELETE FROM audit_seals",
    ):
        with svc.store.engine.connect() as c, pytest.raises(DBAPIError, match="append-only"):
            c.begin()
            c.exec_driver_sql(statement)
    assert verify_trail(svc).ok


def test_a_unit_of_work_that_does_not_commit_leaves_no_event_and_the_head_unmoved(svc, settings):
    populate(svc, 1)
    with svc.store.engine.connect() as c:
        before = c.execute(text("SELECT seq, hash FROM audit_chain_head")).one()
    with svc.store.unit_of_work() as uow:
        uow.audit.record("operator.note", actor="cli", at=svc.clock.now(), note="never kept")
    with svc.store.engine.connect() as c:
        assert c.execute(text("SELECT seq, hash FROM audit_chain_head")).one() == before
        assert (
            c.execute(
                text("SELECT count(*) FROM audit_events WHERE action = 'operator.note'")
            ).scalar_one()
            == 0
        )


def test_one_byte_changed_in_a_stored_document_is_found_and_named(svc):
    populate(svc)
    with svc.store.engine.begin() as c:
        doc_id, body = c.execute(
            text("SELECT document_id, body FROM documents ORDER BY created_at LIMIT 1 OFFSET 1")
        ).one()
        body = bytes(body)
        i = body.index(b"Subject>") + len(b"Subject>")
        altered = body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1 :]
        c.execute(
            text("UPDATE documents SET body = :b WHERE document_id = :d"),
            {"b": altered, "d": doc_id},
        )
    code, _seq, document_id, what = first_problem(svc)
    assert (code, document_id) == (ErrorCode.DOCUMENT_TAMPERED, doc_id)
    assert "altered" in what


def test_a_document_replaced_together_with_its_recorded_digest_is_caught_by_the_chain(svc):
    populate(svc)
    with svc.store.engine.begin() as c:
        doc_id, body = c.execute(text("SELECT document_id, body FROM documents LIMIT 1")).one()
        forged = bytes(body).replace(b"Subject>", b"Subject>X", 1)
        c.execute(
            text("UPDATE documents SET body = :b, sha256 = :s WHERE document_id = :d"),
            {"b": forged, "s": hashlib.sha256(forged).hexdigest(), "d": doc_id},
        )
    code, _seq, document_id, what = first_problem(svc)
    assert (code, document_id) == (ErrorCode.DOCUMENT_TAMPERED, doc_id)
    assert "audit chain recorded another SHA-256" in what


def test_an_event_edited_in_the_database_is_found_at_its_seq(svc):
    populate(svc)
    target = seqs_of(svc, "petition.routed")[1]
    with tampering(svc) as c:
        c.execute(
            text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = :s"), {"s": target}
        )
    code, seq, _doc, what = first_problem(svc)
    assert (code, seq) == (ErrorCode.AUDIT_CHAIN_BROKEN, target)
    assert "edited" in what


def test_an_event_deleted_from_the_middle_is_found_where_the_chain_breaks(svc):
    populate(svc)
    target = seqs_of(svc, "document.signed")[0]
    with tampering(svc) as c:
        c.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": target})
    code, seq, _doc, what = first_problem(svc)
    assert (code, seq) == (ErrorCode.AUDIT_CHAIN_BROKEN, target + 1)
    assert f"events {target}…{target} are missing" in what


def test_the_last_events_deleted_are_found_through_the_chain_head(svc):
    populate(svc)
    with tampering(svc) as c:
        last = c.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        c.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": last - 1})
    code, seq, _doc, what = first_problem(svc)
    assert (code, seq) == (ErrorCode.AUDIT_CHAIN_BROKEN, last - 2)
    assert f"names event {last}" in what


def test_two_events_swapped_are_found_at_the_first_of_them(svc):
    populate(svc)
    first = seqs_of(svc, "petition.received")[1]
    with tampering(svc) as c:
        a, b = event_row(c, first), event_row(c, first + 1)
        overwrite_event(c, first, b)
        overwrite_event(c, first + 1, a)
    code, seq, _doc, _what = first_problem(svc)
    assert (code, seq) == (ErrorCode.AUDIT_CHAIN_BROKEN, first)


def test_a_chain_rewritten_consistently_after_an_edit_is_caught_by_the_seal(svc):
    populate(svc)
    seal = seal_now(svc, force=True)
    assert seal is not None
    target = seqs_of(svc, "petition.routed")[0]
    with tampering(svc) as c:
        rows = (
            c.execute(
                text("SELECT seq FROM audit_events WHERE seq >= :s ORDER BY seq"), {"s": target}
            )
            .scalars()
            .all()
        )
        prev = event_row(c, target)["prev_hash"]
        for seq in rows:
            row = event_row(c, seq)
            if seq == target:
                row["actor"] = "someone-else"
            row["prev_hash"] = prev
            row["hash"] = prev = event_hash(
                prev,
                seq,
                row["at"],
                row["actor"],
                row["action"],
                row["petition_id"],
                row["case_id"],
                row["document_id"],
                row["organ_id"],
                row["sha256"],
                row["details"],
            )
            overwrite_event(c, seq, row)
        c.execute(text("UPDATE audit_chain_head SET hash = :h"), {"h": prev})
    assert verify_trail(svc, documents=False).problems[0].seal_id == seal.seal_id
    report = verify_trail(svc)
    codes = {(p.code, p.seal_id) for p in report.problems}
    assert codes == {(ErrorCode.AUDIT_SEAL_INVALID, seal.seal_id)}
    assert "the chain was rewritten" in report.problems[0].what


def test_a_seal_replaced_by_another_validly_signed_one_is_found(svc):
    populate(svc)
    seal = seal_now(svc, force=True)
    assert seal is not None
    forged = svc.signer.sign(seal_document(svc.organ_id, seal.seq, "ab" * 32, seal.sealed_at, ""))
    with tampering(svc) as c:
        c.execute(
            text("UPDATE audit_seals SET body = :b, sha256 = :s, head_hash = :h"),
            {"b": forged, "s": hashlib.sha256(forged).hexdigest(), "h": "ab" * 32},
        )
    report = verify_trail(svc)
    assert not report.ok
    assert {p.code for p in report.problems} == {ErrorCode.AUDIT_SEAL_INVALID}
    assert report.problems[0].seal_id == seal.seal_id
    assert "recorded another seal document" in report.problems[0].what


def test_a_seal_whose_signature_was_broken_is_found(svc):
    populate(svc)
    seal = seal_now(svc, force=True)
    assert seal is not None
    broken = seal.body.replace(b"<HeadHash>", b"<HeadHash>0", 1)
    with tampering(svc) as c:
        c.execute(
            text("UPDATE audit_seals SET body = :b, sha256 = :s"),
            {"b": broken, "s": hashlib.sha256(broken).hexdigest()},
        )
    problems = [p.what for p in verify_trail(svc).problems]
    assert any("does not verify" in w for w in problems), problems


def test_a_range_can_be_verified_alone(svc):
    populate(svc, 4)
    target = seqs_of(svc, "petition.routed")[3]
    with tampering(svc) as c:
        c.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq = :s"), {"s": target})
    assert verify_trail(svc, to_seq=target - 1).ok
    report = verify_trail(svc, from_seq=target - 2, to_seq=target + 1)
    assert [p.seq for p in report.problems] == [target]
    assert report.first_seq == target - 2 and report.last_seq == target + 1
