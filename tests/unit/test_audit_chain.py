"""The hash chain's canonical form and links, and when a seal is due (pure, no database)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.domain.audit import (
    GENESIS,
    Seal,
    canonical,
    digest,
    event_hash,
    follow,
    link,
    normalised_details,
    seal_due,
    timestamp,
)

AT = datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=UTC)
EVENT = dict(
    seq=7,
    at=AT,
    actor="gateway",
    action="document.signed",
    petition_id="p-1",
    case_id=3,
    document_id="d-1",
    organ_id="000.00.00.G17",
    sha256="ab" * 32,
    details={"kind": "transfer", "doc_key": "Văn bản 1"},
)


def test_the_canonical_form_is_the_same_whatever_the_order_of_details_or_the_time_zone():
    hanoi = timezone(timedelta(hours=7))
    other = {
        **EVENT,
        "at": AT.astimezone(hanoi),
        "details": {"doc_key": "Văn bản 1", "kind": "transfer"},
    }
    assert canonical(**other) == canonical(**EVENT)  # type: ignore[arg-type]
    assert canonical(**EVENT).startswith(b'["pakn-audit-1",7,"2026-03-02T08:30:00.123456+00:00"')  # type: ignore[arg-type]


def test_the_canonical_form_accepts_the_timestamp_as_exported_in_a_bundle():
    as_text = {**EVENT, "at": timestamp(AT)}
    assert canonical(**as_text) == canonical(**EVENT)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "field,value",
    [
        ("seq", 8),
        ("at", AT + timedelta(microseconds=1)),
        ("actor", "worker"),
        ("action", "document.received"),
        ("petition_id", "p-2"),
        ("case_id", 4),
        ("document_id", "d-2"),
        ("organ_id", "000.00.00.G18"),
        ("sha256", "cd" * 32),
        ("details", {"kind": "transfer", "doc_key": "Văn bản 2"}),
    ],
)
def test_changing_any_field_changes_the_event_hash(field, value):
    original = event_hash(GENESIS, **EVENT)  # type: ignore[arg-type]
    assert event_hash(GENESIS, **{**EVENT, field: value}) != original  # type: ignore[arg-type]


def test_an_event_hash_links_the_previous_hash_and_the_digest_of_its_content():
    content = canonical(**EVENT)  # type: ignore[arg-type]
    expected = hashlib.sha256(bytes(32) + hashlib.sha256(content).digest()).hexdigest()
    assert event_hash(GENESIS, **EVENT) == expected  # type: ignore[arg-type]
    assert event_hash("11" * 32, **EVENT) != expected  # type: ignore[arg-type]


def test_following_a_path_of_digests_reaches_the_same_hash_as_chaining_the_events():
    prev, digests = GENESIS, []
    for seq in range(1, 6):
        content = canonical(**{**EVENT, "seq": seq})  # type: ignore[arg-type]
        digests.append((seq, digest(content).hex()))
        prev = link(prev, digest(content))
    assert follow(GENESIS, digests) == prev
    swapped = [digests[1], digests[0], *digests[2:]]
    assert follow(GENESIS, swapped) != prev


def test_details_that_are_not_plain_json_are_refused_when_recorded():
    with pytest.raises(TypeError):
        normalised_details({"when": AT})
    with pytest.raises(ValueError):
        normalised_details({"ratio": float("nan")})
    assert normalised_details({"n": (1, 2)}) == {"n": [1, 2]}


def seal_at(seq: int, at: datetime) -> Seal:
    return Seal(1, seq, "00" * 32, at, "11" * 32, b"")


def test_the_first_seal_is_due_as_soon_as_there_is_an_event():
    assert seal_due(0, None, AT, every_events=100, every_minutes=10) is False
    assert seal_due(1, None, AT, every_events=100, every_minutes=10) is True


def test_a_seal_is_due_after_n_new_events_or_t_minutes_with_anything_new():
    last = seal_at(50, AT)
    # event 51 is the last seal's own audit.sealed event: nothing new
    assert not seal_due(51, last, AT + timedelta(hours=1), every_events=10, every_minutes=10)
    assert not seal_due(60, last, AT + timedelta(minutes=1), every_events=10, every_minutes=10)
    assert seal_due(61, last, AT + timedelta(minutes=1), every_events=10, every_minutes=10)
    assert seal_due(52, last, AT + timedelta(minutes=10), every_events=10, every_minutes=10)
