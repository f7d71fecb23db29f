"""Kiểm tra chữ ký: the one sequence of checks every inbound edXML document goes through.

hardened parse → signature and certificate (valid at the time of receipt, chaining to the trust
store, not revoked; SHA-1 only from an agency flagged legacy) → schema decode of the *signed*
content only → the certificate is bound to the ``From`` OrganId. ``gateway pki verify`` runs the
same function, so a document gets the same code there as at ``POST /v1/edxml``.

Signing time: edXML carries no trusted signing time (no RFC 3161 timestamp, no XAdES
``SigningTime``); the latest moment the document can have been signed is its receipt, so the
certificate must be valid then. The package's own ``Timestamp`` is the signer's claim and is never
used to stretch a certificate's validity — a stolen or expired key could backdate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.service.services import Services
from gateway.service.signatures import legacy_lookup, verify_signed
from schemas import edxml, xml
from schemas.xml import XmlLimits
from signing import VerifiedDocument

_FROM = (
    f"./{{{edxml.NS}}}edXMLEnvelope/{{{edxml.NS}}}edXMLHeader/{{{edxml.NS}}}MessageHeader/"
    f"{{{edxml.NS}}}From/{{{edxml.NS}}}OrganId"
)


@dataclass(frozen=True)
class Inbound:
    """A document that passed every check made before anything is stored (of the database, only
    the claimed sender's legacy flag, and only for a SHA-1 signature)."""

    verified: VerifiedDocument
    package: edxml.Edoc | edxml.StatusPackage
    """Decoded from the signed content only."""
    at: datetime
    """When it was received (and the certificate found valid)."""

    @property
    def sender(self) -> str:
        return self.package.from_.organ_id


def parse_inbound(svc: Services, body: bytes) -> etree._Element:
    """Parse with the hardened parser under the configured size limit.

    Raises:
        XmlRejected: any XML_* code.
    """
    return xml.parse(body, limits=XmlLimits(max_bytes=svc.inbound_policy.max_document_bytes))


def claimed_sender(root: etree._Element) -> str | None:
    """The ``From/OrganId`` the document claims — unverified until :func:`verify_inbound`."""
    claimed = root.findtext(_FROM)
    return claimed.strip() if claimed else None


def verify_inbound(svc: Services, root: etree._Element, *, at: datetime | None = None) -> Inbound:
    """Verify a parsed inbound document and decode what its signature covers.

    Raises:
        SignatureRejected: SIGNATURE_* / CERT_* codes.
        SchemaRejected: the signed content is not an edXML package we accept.
    """
    at = at or svc.clock.now()
    claimed = claimed_sender(root)
    legacy = legacy_lookup(svc.store, claimed)  # read only for a SHA-1 signature
    verified = verify_signed(svc.trust, root, claimed, legacy=legacy, at=at)
    package = edxml.decode(verified.signed_root)  # read only what the signature covers
    verified.require_organ(package.from_.organ_id)
    return Inbound(verified, package, at)
