"""Which certificates may sign documents: the signer key and certificate policy.

A document signer — an agency's signing certificate, and the gateway's own — must:

* carry an RSA key of at least 2048 bits (else KEY_TOO_WEAK) or an EC key on P-256 or P-384
  (``secp256r1``/``secp384r1``; another curve is KEY_CURVE_REFUSED); any other kind of key
  (Ed25519, DSA, …) is KEY_TYPE_REFUSED;
* not be a CA certificate (basicConstraints ``CA:TRUE``): CERT_CA_SIGNER;
* when it has an extended key usage, allow document signing — emailProtection, Microsoft document
  signing (1.3.6.1.4.1.311.10.3.12), id-kp-documentSigning (1.3.6.1.5.5.7.3.36) or
  anyExtendedKeyUsage; an EKU limited to e.g. TLS serverAuth is CERT_USAGE_REFUSED. A certificate
  without EKU is not limited by it (agency document certificates usually have none).

The policy is plain data (:class:`SignerPolicy`) and one pure function, :func:`check_signer`; it is
applied where a document's signing certificate is accepted (:mod:`signing.verifier`), where an
agency's certificate is imported (:mod:`signing.certificates`) and where the gateway loads its own
signing key (:mod:`gateway.bootstrap`). CA certificates on the chain are judged by path validation
(:mod:`signing.trust`), not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from gateway.errors import ErrorCode, SignatureRejected

MICROSOFT_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12")
ID_KP_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True)
class SignerPolicy:
    """What a document signer's certificate must be (see the module docstring)."""

    min_rsa_bits: int = 2048
    curves: frozenset[str] = frozenset({"secp256r1", "secp384r1"})
    """EC curves accepted, by cryptography's curve name."""
    signing_usages: frozenset[x509.ObjectIdentifier] = frozenset(
        {
            ExtendedKeyUsageOID.EMAIL_PROTECTION,
            MICROSOFT_DOCUMENT_SIGNING,
            ID_KP_DOCUMENT_SIGNING,
            ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
        }
    )
    """An extended key usage, when present, must name at least one of these."""


DEFAULT_POLICY = SignerPolicy()


def check_signer(certificate: x509.Certificate, policy: SignerPolicy = DEFAULT_POLICY) -> None:
    """Refuse ``certificate`` as a document signer unless it meets ``policy``.

    Raises:
        SignatureRejected: KEY_TOO_WEAK, KEY_CURVE_REFUSED, KEY_TYPE_REFUSED, CERT_CA_SIGNER or
            CERT_USAGE_REFUSED (checked in that order; the first failure is reported).
    """
    who = _describe(certificate)
    _check_key(certificate, policy, who)
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is not None and constraints.ca:
        raise SignatureRejected(
            f"certificate {who} is a CA certificate (CA:TRUE); a CA does not sign documents",
            code=ErrorCode.CERT_CA_SIGNER,
        )
    try:
        usages = list(certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return
    if not any(usage in policy.signing_usages for usage in usages):
        names = ", ".join(_usage_name(u) for u in usages) or "nothing"
        raise SignatureRejected(
            f"certificate {who} has an extended key usage that does not allow signing "
            f"documents ({names})",
            code=ErrorCode.CERT_USAGE_REFUSED,
        )


def _check_key(certificate: x509.Certificate, policy: SignerPolicy, who: str) -> None:
    try:
        key = certificate.public_key()
    except (ValueError, TypeError) as e:  # unsupported algorithm, or unreadable parameters
        raise SignatureRejected(
            f"certificate {who} has a key of a kind that does not sign documents",
            code=ErrorCode.KEY_TYPE_REFUSED,
        ) from e
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < policy.min_rsa_bits:
            raise SignatureRejected(
                f"certificate {who} has an RSA key of {key.key_size} bits; "
                f"at least {policy.min_rsa_bits} are required",
                code=ErrorCode.KEY_TOO_WEAK,
            )
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in policy.curves:
            raise SignatureRejected(
                f"certificate {who} has an EC key on curve {key.curve.name}; "
                f"only {', '.join(sorted(policy.curves))} are accepted",
                code=ErrorCode.KEY_CURVE_REFUSED,
            )
        return
    raise SignatureRejected(
        f"certificate {who} has a key of type {_key_kind(key)}; only RSA and EC keys sign "
        "documents",
        code=ErrorCode.KEY_TYPE_REFUSED,
    )


def _key_kind(key: object) -> str:
    return type(key).__name__.removeprefix("_").removesuffix("PublicKey") or "unknown"


def _usage_name(oid: x509.ObjectIdentifier) -> str:
    name = oid._name
    return oid.dotted_string if name == "Unknown OID" else name


def _describe(certificate: x509.Certificate) -> str:
    try:
        return repr(certificate.subject.rfc4514_string())
    except ValueError:
        return f"serial {certificate.serial_number:x}"
