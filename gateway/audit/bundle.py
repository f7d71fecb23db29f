"""Hồ sơ chứng cứ: a petition's self-contained evidence bundle, verifiable with no database.

A zip in the spirit of an ASiC-E container (ETSI EN 319 162)::

    mimetype                       application/vnd.etsi.asic-e+zip (first, stored)
    META-INF/manifest.xml          every other file with its SHA-256; signed by the gateway
    documents/<kind>-<id>.xml      every signed document and receipt of the petition, exact bytes
    seals/seal-<id>.xml            the seal covering the petition's last event
    audit/events.json              the audit events that concern the petition (full content)
    audit/chain.json               the hash-chain path: (seq, digest) from the petition's first
                                   event to the sealed one — only digests for other events
    certificates/trusted-<n>.pem   the trust anchors the gateway verified with

Every XML file (documents, seal, manifest) carries an enveloped XML-DSig, so ``xmlsec1 --verify
--trusted-pem certificates/trusted-0.pem FILE`` checks each one independently. The documents
contain what was sent to the agency, petitioner's personal data included: a bundle is evidence
for the parties and auditors, not a public export.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from sqlalchemy import or_, select

from gateway.audit.chain import GENESIS, canonical, link, timestamp
from gateway.audit.seal import last_seal, read_seal, seal_now
from gateway.errors import ErrorCode, GatewayError, IntegrityBroken, NotFound
from gateway.service.context import Services
from gateway.store import tables as t
from schemas import xml
from signing import TrustStore, VerificationPolicy, Verifier

BUNDLE_NS = "urn:vn:gov:vpcp:pakn:evidence-bundle:1"
MIMETYPE = "application/vnd.etsi.asic-e+zip"
MANIFEST = "META-INF/manifest.xml"
EVENTS = "audit/events.json"
CHAIN = "audit/chain.json"
_N = f"{{{BUNDLE_NS}}}"
MAX_BUNDLE_FILE = 64 * 1024 * 1024


def export_bundle(svc: Services, petition_id: str, output: Path) -> str:
    """Write ``petition_id``'s bundle to ``output``; a one-line summary.

    Seals the chain first when no seal covers the petition's last event yet.

    Raises:
        NotFound: no such petition.
    """
    with svc.store.unit_of_work() as uow:
        if uow.petitions.get(petition_id) is None:
            raise NotFound(f"no petition {petition_id}")
        last = _last_event(uow._connection, petition_id)
        seal = last_seal(uow._connection)
    if seal is None or seal.seq < last:
        seal_now(svc, force=True)
    with svc.store.unit_of_work() as uow:
        c = uow._connection
        seal = last_seal(c)
        assert seal is not None and seal.seq >= last
        cases = [
            r.case_id
            for r in c.execute(
                select(t.cases.c.case_id).where(t.cases.c.petition_id == petition_id)
            )
        ]
        docs = c.execute(
            select(t.documents)
            .where(t.documents.c.petition_id == petition_id)
            .order_by(t.documents.c.created_at, t.documents.c.document_id)
        ).all()
        doc_ids = [d.document_id for d in docs]
        e = t.audit_events
        concerned = or_(
            e.c.petition_id == petition_id, e.c.case_id.in_(cases), e.c.document_id.in_(doc_ids)
        )
        events = c.execute(select(e).where(concerned, e.c.seq <= seal.seq).order_by(e.c.seq)).all()
        first = events[0].seq
        path = [
            (
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
                r.prev_hash,
            )
            for r in c.execute(
                select(e).where(e.c.seq >= first, e.c.seq <= seal.seq).order_by(e.c.seq)
            )
        ]
    files: dict[str, bytes] = {}
    entries: list[dict[str, str]] = []
    for d in docs:
        name = f"documents/{d.kind}-{d.document_id}.xml"
        files[name] = bytes(d.body)
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
            "format": "pakn-audit-1",
            "start-prev-hash": path[0][10],
            "path": [[row[0], hashlib.sha256(canonical(*row[:10])).hexdigest()] for row in path],
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
            "audit.exported",
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


def _last_event(connection: Any, petition_id: str) -> int:
    e = t.audit_events
    cases = select(t.cases.c.case_id).where(t.cases.c.petition_id == petition_id)
    row = connection.execute(
        select(e.c.seq)
        .where(or_(e.c.petition_id == petition_id, e.c.case_id.in_(cases)))
        .order_by(e.c.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"petition {petition_id} has no audit events")
    return int(row.seq)


def _event_json(r: Any) -> dict[str, Any]:
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


# -- offline verification ------------------------------------------------------------------------


@dataclass
class BundleResult:
    petition_id: str = ""
    documents: int = 0
    events: int = 0
    sealed_seq: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"petition {self.petition_id or '?'}: {self.documents} signed document(s), "
            f"{self.events} event(s) chained to the seal at event {self.sealed_seq}"
            + ("" if self.ok else f"; {len(self.problems)} problem(s)")
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "petition_id": self.petition_id,
            "documents": self.documents,
            "events": self.events,
            "sealed_seq": self.sealed_seq,
            "problems": self.problems,
        }

    def raise_if_broken(self) -> None:
        if self.problems:
            raise IntegrityBroken(self.problems[0], code=ErrorCode.BUNDLE_INVALID)


def verify_bundle(path: Path, *, trusted_ca: Iterable[Path] = ()) -> BundleResult:
    """Verify a bundle with no database. Trust anchors: ``trusted_ca`` if given, else the
    bundle's own ``certificates/`` (which proves integrity, not who the issuer is)."""
    result = BundleResult()
    problems = result.problems
    try:
        with zipfile.ZipFile(path) as z:
            files = {
                i.filename: z.read(i)
                for i in z.infolist()
                if not i.is_dir() and i.file_size <= MAX_BUNDLE_FILE
            }
    except (zipfile.BadZipFile, OSError) as e:
        raise IntegrityBroken(
            f"{path} is not a readable zip: {e}", code=ErrorCode.BUNDLE_INVALID
        ) from e
    if files.get("mimetype") != MIMETYPE.encode():
        problems.append(f"mimetype: missing or not {MIMETYPE}")
    anchors = list(trusted_ca) or None
    try:
        trust = TrustStore.from_pem_files(anchors) if anchors else _bundled_trust(files)
    except GatewayError as e:
        problems.append(f"certificates: {e.message}")
        return result
    strict, legacy = Verifier(trust), Verifier(trust, VerificationPolicy(allow_sha1=True))
    if MANIFEST not in files:
        problems.append(f"{MANIFEST}: missing")
        return result
    try:
        signed = strict.verify(xml.parse(files[MANIFEST]), at=_manifest_time(files[MANIFEST]))
        manifest = signed.signed_root
        issuer = manifest.findtext(f"{_N}Issuer") or ""
        signed.require_organ(issuer)
    except (GatewayError, ValueError) as e:
        problems.append(f"{MANIFEST}: does not verify: {e}")
        return result
    result.petition_id = manifest.findtext(f"{_N}PetitionId") or ""
    listed = {f.get("path", ""): f for f in manifest.iterfind(f"{_N}File")}
    for name, entry in listed.items():
        if name not in files:
            problems.append(f"{name}: listed in the manifest but missing from the bundle")
        elif hashlib.sha256(files[name]).hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: altered (its SHA-256 differs from the manifest's)")
    for name in sorted(set(files) - set(listed) - {"mimetype", MANIFEST}):
        problems.append(f"{name}: not listed in the manifest (added)")
    seal_entry = manifest.find(f"{_N}Seal")
    events = _load_json(files, EVENTS, problems)
    chain = _load_json(files, CHAIN, problems)
    if seal_entry is None or events is None or chain is None:
        problems.append("the seal or the audit files are missing")
        return result
    digests_by_document = _check_events(events, chain, seal_entry, problems, result)
    _check_seal(files, seal_entry, strict, issuer, problems, result)
    for name, entry in listed.items():
        if not name.startswith("documents/") or name not in files:
            continue
        result.documents += 1
        at = datetime.fromisoformat(entry.get("stored-at", ""))
        try:
            strict.verify(files[name], at=at)
        except GatewayError as e:
            try:
                if e.code != ErrorCode.SIGNATURE_ALGORITHM_REFUSED:
                    raise
                legacy.verify(files[name], at=at)
            except GatewayError as e2:
                problems.append(f"{name}: signature does not verify: {e2}")
        recorded = digests_by_document.get(entry.get("document-id", ""), set())
        actual = hashlib.sha256(files[name]).hexdigest()
        if recorded - {actual}:
            problems.append(f"{name}: the audit trail recorded another SHA-256 for it")
    return result


def _bundled_trust(files: dict[str, bytes]) -> TrustStore:
    from cryptography import x509

    certificates = [
        c
        for name, data in sorted(files.items())
        if name.startswith("certificates/") and name.endswith(".pem")
        for c in x509.load_pem_x509_certificates(data)
    ]
    return TrustStore(certificates)


def _manifest_time(data: bytes) -> datetime:
    text = xml.parse(data).findtext(f"{_N}ExportedAt")
    return datetime.fromisoformat(text or "")


def _load_json(files: dict[str, bytes], name: str, problems: list[str]) -> Any:
    try:
        return json.loads(files[name])
    except (KeyError, ValueError) as e:
        problems.append(f"{name}: missing or unreadable ({type(e).__name__})")
        return None


def _check_events(
    events: list[dict[str, Any]],
    chain: dict[str, Any],
    seal_entry: etree._Element,
    problems: list[str],
    result: BundleResult,
) -> dict[str, set[str]]:
    """Each event's digest is on the path, and the path leads to the sealed hash."""
    path = {int(seq): digest for seq, digest in chain.get("path", [])}
    documents: dict[str, set[str]] = {}
    for ev in events:
        result.events += 1
        seq = int(ev["seq"])
        digest = hashlib.sha256(
            canonical(
                seq,
                ev["at"],
                ev["actor"],
                ev["action"],
                ev["petition_id"],
                ev["case_id"],
                ev["document_id"],
                ev["organ_id"],
                ev["sha256"],
                ev["details"],
            )
        ).hexdigest()
        if path.get(seq) != digest:
            problems.append(f"event {seq}: its content does not match the chain (edited)")
        if link(ev["prev_hash"], bytes.fromhex(digest)) != ev["hash"]:
            problems.append(f"event {seq}: its hash does not match its content")
        if ev["document_id"] and ev["sha256"]:
            documents.setdefault(ev["document_id"], set()).add(ev["sha256"])
    current = chain.get("start-prev-hash", GENESIS)
    expected_seq = None
    hashes: dict[int, str] = {}
    for seq, digest in chain.get("path", []):
        if expected_seq is not None and seq != expected_seq:
            problems.append(f"chain path: event {expected_seq} is missing")
        current = link(current, bytes.fromhex(digest))
        hashes[int(seq)] = current
        expected_seq = int(seq) + 1
    for ev in events:
        if hashes.get(int(ev["seq"])) not in (None, ev["hash"]):
            problems.append(f"event {ev['seq']}: not where the chain path puts it")
    sealed_seq = int(seal_entry.get("seq", "0"))
    result.sealed_seq = sealed_seq
    if hashes.get(sealed_seq) != seal_entry.get("head-hash"):
        problems.append(f"chain path: does not lead to the sealed hash at event {sealed_seq}")
    return documents


def _check_seal(
    files: dict[str, bytes],
    seal_entry: etree._Element,
    verifier: Verifier,
    issuer: str,
    problems: list[str],
    result: BundleResult,
) -> None:
    name = seal_entry.get("file", "")
    if name not in files:
        problems.append(f"{name or 'the seal'}: missing")
        return
    try:
        root = xml.parse(files[name])
        sealed_at = datetime.fromisoformat(
            root.findtext("{urn:vn:gov:vpcp:pakn:audit-seal:1}SealedAt") or ""
        )
        content = read_seal(files[name], verifier, at=sealed_at)
    except (GatewayError, ValueError) as e:
        problems.append(f"{name}: does not verify: {e}")
        return
    if content.issuer != issuer:
        problems.append(f"{name}: issued by {content.issuer}, not {issuer}")
    if str(content.seq) != seal_entry.get("seq") or content.head_hash != seal_entry.get(
        "head-hash"
    ):
        problems.append(f"{name}: seals another event or hash than the manifest says")
