"""PAdES signatures on report PDFs (pyHanko): signed with the gateway's key, its certificate and
chain embedded, SHA-256; and their validation against given trust roots."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing import KeyPair

FIELD = "ChuKySoVPCP"


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def sign_pdf(pdf: bytes, key_pair: KeyPair, *, reason: str, location: str = "Hà Nội") -> bytes:
    """The PDF with a PAdES baseline signature by ``key_pair`` over all of it."""
    key = key_pair.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    signer = signers.SimpleSigner(
        signing_cert=_asn1(key_pair.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [_asn1(c) for c in key_pair.chain]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PdfCheck:
    intact: bool
    """The signed bytes are unchanged."""
    valid: bool
    """Intact, and by a certificate that chains to a trust root."""
    signer: str
    signed_at: datetime | None
    detail: str


def validate_pdf(pdf: bytes, trust_roots: list[x509.Certificate]) -> PdfCheck:
    """Validate the PDF's signature against ``trust_roots`` (no network fetches)."""
    try:
        signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    except Exception as e:  # an unreadable PDF is an invalid one, whatever broke
        return PdfCheck(False, False, "", None, f"unreadable PDF: {type(e).__name__}")
    if not signatures:
        return PdfCheck(False, False, "", None, "no signature")
    context = ValidationContext(trust_roots=[_asn1(c) for c in trust_roots], allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception as e:  # a mangled signature dictionary or CMS blob
        return PdfCheck(False, False, "", None, f"signature unreadable: {type(e).__name__}")
    return PdfCheck(
        intact=bool(status.intact and status.valid),
        valid=bool(status.bottom_line),
        signer=status.signing_cert.subject.human_friendly if status.signing_cert else "",
        signed_at=status.signer_reported_dt,
        detail=status.summary(),
    )
