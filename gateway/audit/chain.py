"""The hash chain: the canonical form of an audit event and the link to its predecessor.

Pure (standard library only). For event number ``seq``::

    digest(event) = SHA-256(canonical(event))
    hash(event)   = SHA-256(bytes.fromhex(prev_hash) || digest(event))

with ``prev_hash`` the previous event's hash (:data:`GENESIS` before the first). ``canonical`` is
compact JSON (UTF-8, sorted keys) of ``["pakn-audit-1", seq, at, actor, action, petition_id,
case_id, document_id, organ_id, sha256, details]``, ``at`` in UTC as ISO 8601 with microseconds.

Hashing the digest rather than the event lets a bundle prove that a petition's events lead to a
seal by carrying only the digests of the events in between — never other petitions' content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

FORMAT = "pakn-audit-1"
GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

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
