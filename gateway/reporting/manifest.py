"""The signed manifest of an issued report's machine formats: each file's name, size and SHA-256
in a small XML document signed (enveloped XML-DSig) with the gateway's key, like every document
the gateway signs — so ``xmlsec1 --verify`` checks it too."""

from __future__ import annotations

import hashlib
from datetime import datetime

from lxml import etree

from gateway.errors import ErrorCode, IntegrityBroken
from schemas import xml
from signing import Verifier, XmlSigner

NS = "urn:vn:gov:vpcp:pakn:report-manifest:1"
_N = f"{{{NS}}}"


def signed_manifest(
    files: dict[str, bytes], signer: XmlSigner, *, issuer: str, quarter: str, issued_at: datetime
) -> bytes:
    root = etree.Element(f"{_N}ReportManifest", nsmap={None: NS})
    for name, value in (
        ("Issuer", issuer),
        ("Quarter", quarter),
        ("IssuedAt", issued_at.isoformat()),
    ):
        etree.SubElement(root, f"{_N}{name}").text = value
    for name, data in sorted(files.items()):
        etree.SubElement(
            root,
            f"{_N}File",
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": str(len(data))},
        )
    return signer.sign(root)


def check_manifest(manifest: bytes, files: dict[str, bytes], verifier: Verifier) -> None:
    """Raise IntegrityBroken (DOCUMENT_TAMPERED) naming the first file that differs from the
    manifest, or the manifest itself if its signature does not verify."""
    issued_at = datetime.fromisoformat(xml.parse(manifest).findtext(f"{_N}IssuedAt") or "")
    signed = verifier.verify(xml.parse(manifest), at=issued_at)
    signed.require_organ(signed.signed_root.findtext(f"{_N}Issuer") or "")
    listed = {f.get("path", ""): f.get("sha256") for f in signed.signed_root.iterfind(f"{_N}File")}
    for name in sorted(set(listed) | set(files)):
        data = files.get(name)
        if data is None or hashlib.sha256(data).hexdigest() != listed.get(name):
            raise IntegrityBroken(
                f"{name}: its SHA-256 differs from the signed manifest (or it is missing)",
                code=ErrorCode.DOCUMENT_TAMPERED,
            )
