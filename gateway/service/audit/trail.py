"""Dòng thời gian: a petition's audit trail as an operator reads it.

Who did what and when, each event's place in the hash chain checked (⛓ ✓/✗), each document's
signature and digest re-verified (signature ✓/✗), and the digests receipts name. Audit events
carry no personal data, so neither does the timeline.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from gateway.domain.audit import event_hash
from gateway.errors import NotFound
from gateway.service.audit.verify import check_document
from gateway.service.services import Services

_SHOWN = (
    "kind",
    "previous",
    "state",
    "note",
    "receipt_id",
    "attempts",
    "response",
    "error",
    "code",
    "sealed_seq",
)


def petition_trail(svc: Services, petition_id: str) -> list[dict[str, Any]]:
    """The events that concern ``petition_id``, oldest first, with checks done.

    Raises:
        NotFound: no such petition.
    """
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        rows = uow.audit.concerning(petition_id)
        documents = {d.document_id: d for d in uow.documents.for_petition(petition_id)}
        legacy = {agency.organ_id for agency in uow.agencies.all() if agency.legacy_sha1}
    checked: dict[str, str | None] = {}
    trail = []
    for r in rows:
        chained = (
            event_hash(
                r.prev_hash,
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.petition_id,
                r.case_id,
                r.document_id,
                r.organ_id,
                r.sha256,
                r.details,
            )
            == r.hash
        )
        entry: dict[str, Any] = {
            "seq": r.seq,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "agency": r.organ_id,
            "case_id": r.case_id,
            "chain_ok": chained,
            "details": {k: r.details[k] for k in _SHOWN if k in r.details},
        }
        doc = documents.get(r.document_id) if r.document_id else None
        if doc is not None:
            if doc.document_id not in checked:
                checked[doc.document_id] = check_document(
                    svc,
                    doc.body,
                    doc.sha256,
                    doc.created_at,
                    legacy=doc.sender in legacy,
                    chained=set(),
                )
            entry["document"] = {
                "id": doc.document_id,
                "kind": doc.kind,
                "sha256": doc.sha256,
                "signature_ok": checked[doc.document_id] is None,
                "problem": checked[doc.document_id],
            }
        if r.sha256:
            entry["sha256"] = r.sha256
        receipt = documents.get(r.details.get("receipt_id") or "")
        if receipt is not None:
            entry["receipt"] = {
                "id": receipt.document_id,
                "sha256": receipt.sha256,
                "from": receipt.sender,
            }
        trail.append(entry)
    return trail


def render(trail: list[dict[str, Any]], zone: ZoneInfo) -> list[str]:
    """One line per event (plus a line for its document and receipt), in local time."""
    from datetime import datetime

    lines = []
    for entry in trail:
        when = datetime.fromisoformat(entry["at"]).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
        mark = "⛓ ✓" if entry["chain_ok"] else "⛓ ✗"
        agency = f" → {entry['agency']}" if entry["agency"] else ""
        details = " ".join(f"{k}={v}" for k, v in entry["details"].items() if v not in (None, ""))
        lines.append(
            f"  {when}  #{entry['seq']:<6} {mark}  {entry['actor']:<22} "
            f"{entry['action']:<18}{agency}  {details}".rstrip()
        )
        doc = entry.get("document")
        if doc is not None:
            sign = "signature ✓" if doc["signature_ok"] else f"signature ✗ ({doc['problem']})"
            lines.append(
                f"{'':32}{doc['kind']} {doc['id'][:8]}  sha256 {doc['sha256'][:16]}…  {sign}"
            )
        receipt = entry.get("receipt")
        if receipt is not None:
            lines.append(
                f"{'':32}receipt {receipt['id'][:8]} from {receipt['from']}  "
                f"sha256 {receipt['sha256'][:16]}…"
            )
    return lines
