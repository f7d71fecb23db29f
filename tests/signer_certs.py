"""Signing certificates that break (or meet) the signer key policy, issued under a given CA.

Each is otherwise a good agency signing certificate: subject UID bound to the agency, a critical
KeyUsage digitalSignature, valid from an hour ago for a month. Used by the unit tests of
:mod:`signing.policy` and by the end-to-end refusal tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from gateway.errors import ErrorCode
from signing import KeyPair
from signing.binding import subject_for

AGENCY = ("000.00.00.G17", "Bộ Xây dựng")


@dataclass(frozen=True)
class Variant:
    """One kind of signing certificate, and the code the policy refuses it with (None: accepted)."""

    name: str
    key: str = "rsa-2048"
    ca: bool = False
    usages: tuple[x509.ObjectIdentifier, ...] | None = None
    """The extended key usages; None: no EKU extension."""
    expected: ErrorCode | None = None


VARIANTS = (
    Variant("rsa-2048"),
    Variant("rsa-3072", key="rsa-3072"),
    Variant("ec-p256", key="ec-p256"),
    Variant("ec-p384", key="ec-p384"),
    Variant("no-eku", key="ec-p256"),
    Variant("eku-email-protection", usages=(ExtendedKeyUsageOID.EMAIL_PROTECTION,)),
    Variant("eku-any", usages=(ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,)),
    Variant(
        "eku-ms-document-signing",
        usages=(x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"),),
    ),
    Variant(
        "eku-document-signing",
        usages=(ExtendedKeyUsageOID.SERVER_AUTH, x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")),
    ),
    Variant("rsa-1024", key="rsa-1024", expected=ErrorCode.KEY_TOO_WEAK),
    Variant("ec-p521", key="ec-p521", expected=ErrorCode.KEY_CURVE_REFUSED),
    Variant("ec-secp256k1", key="ec-k256", expected=ErrorCode.KEY_CURVE_REFUSED),
    Variant("ed25519", key="ed25519", expected=ErrorCode.KEY_TYPE_REFUSED),
    Variant("ca-true", ca=True, expected=ErrorCode.CERT_CA_SIGNER),
    Variant(
        "eku-server-auth-only",
        usages=(ExtendedKeyUsageOID.SERVER_AUTH,),
        expected=ErrorCode.CERT_USAGE_REFUSED,
    ),
    Variant(
        "eku-tls-only",
        usages=(ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH),
        expected=ErrorCode.CERT_USAGE_REFUSED,
    ),
)
REFUSED = tuple(v for v in VARIANTS if v.expected is not None)
ACCEPTED = tuple(v for v in VARIANTS if v.expected is None)


def variant(name: str) -> Variant:
    """The variant called ``name``."""
    return next(v for v in VARIANTS if v.name == name)


def new_key(kind: str) -> Any:
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[4:]))
    curves = {
        "ec-p256": ec.SECP256R1(),
        "ec-p384": ec.SECP384R1(),
        "ec-p521": ec.SECP521R1(),
        "ec-k256": ec.SECP256K1(),
    }
    if kind in curves:
        return ec.generate_private_key(curves[kind])
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(kind)


def issue(
    variant: Variant, ca: KeyPair, organ_id: str = AGENCY[0], name: str = AGENCY[1]
) -> KeyPair:
    """A key pair for ``variant`` issued by ``ca``.

    A key that cannot sign XML-DSig (Ed25519) is paired with an RSA key that can: the policy
    refuses the certificate before the signature value is ever checked.
    """
    key = new_key(variant.key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_for(organ_id, name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=variant.ca, path_length=None), critical=variant.ca)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=variant.ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if variant.usages is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(variant.usages)), critical=False)
    certificate = builder.sign(ca.private_key, hashes.SHA256())
    signing_key = key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return KeyPair(private_key=signing_key, certificate=certificate)
