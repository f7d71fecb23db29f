"""The seal document: the gateway's signed statement of the audit chain head.

A seal is a small XML document (``urn:vn:gov:vpcp:pakn:audit-seal:1``) naming the issuer, the
sealed event's ``seq`` and hash, the time, and the previous seal's SHA-256, signed like every
gateway document (enveloped XML-DSig, ``Reference URI=""``, so ``xmlsec1`` verifies it too).

Its format only: no database. Writing seals is a use case (:mod:`gateway.service.audit.seal`);
reading one back serves both verification in the gateway and offline bundle verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.domain.audit import timestamp
from gateway.errors import ErrorCode, GatewayError, IntegrityBroken
from schemas import xml
from signing import Verifier

SEAL_NS = "urn:vn:gov:vpcp:pakn:audit-seal:1"


@dataclass(frozen=True)
class SealContent:
    """What a seal document says (read from the signed content only)."""

    issuer: str
    seq: int
    head_hash: str
    sealed_at: str
    previous: str


def seal_document(
    issuer: str, seq: int, head_hash: str, sealed_at: datetime, previous: str
) -> etree._Element:
    root = etree.Element(f"{{{SEAL_NS}}}AuditSeal", nsmap={None: SEAL_NS})
    for name, value in (
        ("Issuer", issuer),
        ("Seq", str(seq)),
        ("HeadHash", head_hash),
        ("SealedAt", timestamp(sealed_at)),
        ("PreviousSeal", previous),
    ):
        etree.SubElement(root, f"{{{SEAL_NS}}}{name}").text = value
    return root


def read_seal(body: bytes, verifier: Verifier, *, at: datetime) -> SealContent:
    """Verify a seal's signature (at ``at``) and read what it signs.

    Raises:
        IntegrityBroken(AUDIT_SEAL_INVALID): not a validly signed seal, or signed by a
            certificate not bound to the issuer it names.
    """
    try:
        verified = verifier.verify(xml.parse(body), at=at)
        root = verified.signed_root
        if root.tag != f"{{{SEAL_NS}}}AuditSeal":
            raise IntegrityBroken(
                f"not an audit seal: {root.tag}", code=ErrorCode.AUDIT_SEAL_INVALID
            )

        def text(name: str) -> str:
            return root.findtext(f"{{{SEAL_NS}}}{name}") or ""

        content = SealContent(
            text("Issuer"),
            int(text("Seq")),
            text("HeadHash"),
            text("SealedAt"),
            text("PreviousSeal"),
        )
        verified.require_organ(content.issuer)
    except IntegrityBroken:
        raise
    except (GatewayError, ValueError) as e:
        raise IntegrityBroken(
            f"the seal does not verify: {e}", code=ErrorCode.AUDIT_SEAL_INVALID
        ) from e
    return content
