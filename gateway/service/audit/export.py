"""Hồ sơ chứng cứ: export a petition's self-contained evidence bundle.

The bundle's layout and its offline verification are in :mod:`gateway.audit.offline` (no
database needed to check one); this use case gathers what goes in from the unit of work, seals
the chain first if nothing covers the petition's last event yet, and signs the manifest.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from gateway.audit.offline import BUNDLE_NS, CHAIN, EVENTS, MANIFEST, MIMETYPE
from gateway.domain.audit import FORMAT, AuditAction, ChainedEvent, canonical, timestamp
from gateway.errors import NotFound
from gateway.service.audit.seal import seal_now
from gateway.service.services import Services

_N = f"{{{BUNDLE_NS}}}"


def export_bundle(svc: Services, petition_id: str, output: Path) -> str:
    """Write ``petition_id``'s bundle to ``output``; a one-line summary.

    Seals the chain first when no seal covers the petition's last event yet.

    Raises:
        NotFound: no such petition.
    """
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        last = uow.audit.last_seq_concerning(petition_id)
        if last is None:
            raise NotFound(f"petition {petition_id} has no audit events")
        seal = uow.seals.last()
    if seal is None or seal.seq < last:
        seal_now(svc, force=True)
    with svc.store.unit_of_work() as uow:
        seal = uow.seals.last()
        assert seal is not None and seal.seq >= last
        docs = sorted(
            uow.documents.for_petition(petition_id), key=lambda d: (d.created_at, d.document_id)
        )
        events = uow.audit.concerning(
            petition_id, documents=[d.document_id for d in docs], upto=seal.seq
        )
        first = events[0].seq
        start_prev_hash: str | None = None
        path: list[list[Any]] = []
        for rows in uow.audit.stream(from_seq=first, to_seq=seal.seq):
            if start_prev_hash is None:
                start_prev_hash = rows[0][10]
            path.extend([row[0], hashlib.sha256(canonical(*row[:10])).hexdigest()] for row in rows)
    files: dict[str, bytes] = {}
    entries: list[dict[str, str]] = []
    for d in docs:
        name = f"documents/{d.kind}-{d.document_id}.xml"
        files[name] = d.body
        entries.append(
            {
                "path": name,
                "document-id": d.document_id,
                "kind": d.kind,
                "direction": d.direction,
                "sender": d.sender,
                "stored-at": timestamp(d.created_at),
            }
        )
    seal_name = f"seals/seal-{seal.seal_id}.xml"
    files[seal_name] = seal.body
    files[EVENTS] = _json([_event_json(r) for r in events])
    files[CHAIN] = _json(
        {
            "format": FORMAT,
            "start-prev-hash": start_prev_hash,
            "path": path,
        }
    )
    for i, cert in enumerate(svc.verifier.trust.certificates):
        files[f"certificates/trusted-{i}.pem"] = cert.public_bytes(Encoding.PEM)
    manifest = _manifest(svc, petition_id, seal_name, seal.seq, seal.head_hash, files, entries)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr(MANIFEST, manifest, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in files.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    with svc.store.unit_of_work() as uow:
        uow.audit.record(
            AuditAction.AUDIT_EXPORTED,
            actor="operator",
            at=svc.clock.now(),
            petition_id=petition_id,
            sha256=digest,
            sealed_seq=seal.seq,
            events=len(events),
            documents=len(docs),
        )
        uow.commit()
    return (
        f"{len(docs)} document(s), {len(events)} event(s), chain path {first}–{seal.seq}, "
        f"seal {seal.seal_id}; sha256 {digest}"
    )


def _event_json(r: ChainedEvent) -> dict[str, Any]:
    return {
        "seq": r.seq,
        "at": timestamp(r.at),
        "actor": r.actor,
        "action": r.action,
        "petition_id": r.petition_id,
        "case_id": r.case_id,
        "document_id": r.document_id,
        "organ_id": r.organ_id,
        "sha256": r.sha256,
        "details": r.details,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _manifest(
    svc: Services,
    petition_id: str,
    seal_name: str,
    seq: int,
    head_hash: str,
    files: dict[str, bytes],
    entries: list[dict[str, str]],
) -> bytes:
    root = etree.Element(f"{_N}EvidenceBundle", nsmap={None: BUNDLE_NS})
    for name, value in (
        ("Issuer", svc.organ_id),
        ("PetitionId", petition_id),
        ("ExportedAt", timestamp(svc.clock.now())),
    ):
        etree.SubElement(root, f"{_N}{name}").text = value
    etree.SubElement(
        root, f"{_N}Seal", {"file": seal_name, "seq": str(seq), "head-hash": head_hash}
    )
    described = {entry["path"]: entry for entry in entries}
    for name, data in files.items():
        attributes = {
            "path": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": str(len(data)),
            **described.get(name, {}),
        }
        etree.SubElement(root, f"{_N}File", attributes)
    return svc.signer.sign(root)
