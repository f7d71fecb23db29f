"""The certificate authorities the gateway trusts, and certificate path validation against them.

Path building and validation are cryptography's X.509 verification API (RFC 5280 path validation
as in its ``PolicyBuilder``); nothing here re-implements it. The policy used:

* ``build_client_verifier()`` — the signer is a client-like subject: no server name to match, and no
  Subject Alternative Name is required of the leaf;
* end-entity extension policy: ``ExtensionPolicy.permit_all()`` plus a required KeyUsage with
  ``digitalSignature`` — the same shape signxml uses for XML-DSig signers; a TLS-style EKU is not
  required (agency signing certificates issued for documents usually have none);
* CA extension policy: ``ExtensionPolicy.webpki_defaults_ca()`` (basicConstraints CA, keyCertSign…).

What the signing certificate itself must be to sign documents (key size and type, not a CA, an EKU
that allows signing) is the signer key policy, :mod:`signing.policy`, checked after this.

Revocation: :meth:`TrustStore.is_revoked` asks :class:`signing.revocation.Revocations` (CRL files
from a folder, checked against the issuing CA's key, and the local list ``gateway pki revoke``
writes). No OCSP.

Pinned anchors: a CA imported for one agency (``gateway pki import ORGAN_ID ca.pem``) is trusted
for that agency's certificates only — a certificate that chains to it but is bound to another
OrganId is CERT_UNTRUSTED. Anchors from the configuration (the development CA,
``GATEWAY_TRUSTED_CA``) are trusted for every agency.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    Policy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from gateway.errors import ConfigurationError, ErrorCode, SignatureRejected
from signing.binding import organ_id_of
from signing.revocation import Revocations

_SHA256 = hashes.SHA256()
MAX_CACHED_PATHS = 1024
MAX_CHAIN_DEPTH = 4
"""Root, at most two intermediates, leaf: deeper government PKIs do not exist."""


def _require_digital_signature(
    policy: Policy, certificate: x509.Certificate, key_usage: x509.KeyUsage | None
) -> None:
    if key_usage is None or not key_usage.digital_signature:
        raise ValueError("certificate KeyUsage does not allow digitalSignature")


class TrustStore:
    """An immutable set of trusted root certificates; share one across threads.

    Build it once (:meth:`from_pem_files` reads the files then); :meth:`verify_chain` does no I/O.
    """

    def __init__(
        self,
        certificates: Iterable[x509.Certificate],
        *,
        pinned: Mapping[x509.Certificate, frozenset[str]] | None = None,
        intermediates: Iterable[x509.Certificate] = (),
        revocations: Revocations | None = None,
    ) -> None:
        """``certificates`` are trusted for every agency; each key of ``pinned`` only for the
        OrganIds it maps to. ``intermediates`` help path building (they are not trusted)."""
        pinned = dict(pinned or {})
        certificates = tuple(certificates)
        self.configured = certificates
        """The anchors trusted for every agency."""
        self.pinned = {c: o for c, o in pinned.items() if c not in certificates}
        """Anchors trusted only for the OrganIds they map to."""
        self._certificates = certificates + tuple(self.pinned)
        if not self._certificates:
            raise ConfigurationError("the trust store holds no certificate")
        self._pinned = {c.fingerprint(_SHA256): organs for c, organs in self.pinned.items()}
        self._intermediates = tuple(intermediates)
        self._paths: dict[
            tuple[bytes, ...], tuple[tuple[x509.Certificate, ...], datetime, datetime]
        ] = {}
        self.revocations = revocations if revocations is not None else Revocations()
        self._builder = (
            PolicyBuilder()
            .store(Store(list(self._certificates)))
            .max_chain_depth(MAX_CHAIN_DEPTH)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all().require_present(
                    x509.KeyUsage, Criticality.AGNOSTIC, _require_digital_signature
                ),
            )
        )

    @classmethod
    def from_pem_files(cls, paths: Iterable[str | Path]) -> TrustStore:
        """Load every certificate from the given PEM files (each may hold several).

        Raises:
            ConfigurationError: a file is missing, unreadable or holds no PEM certificate, or no
                file was given.
        """
        certificates: list[x509.Certificate] = []
        for raw_path in paths:
            path = Path(raw_path)
            try:
                data = path.read_bytes()
            except OSError as e:
                raise ConfigurationError(
                    f"trust anchor file {path} cannot be read: {e.strerror}", path=str(path)
                ) from e
            try:
                loaded = x509.load_pem_x509_certificates(data)
            except ValueError as e:
                raise ConfigurationError(
                    f"trust anchor file {path} holds no readable PEM certificate", path=str(path)
                ) from e
            certificates.extend(loaded)
        return cls(certificates)

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        """The trusted roots."""
        return self._certificates

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        """Known intermediate CAs (not trusted; they help build paths)."""
        return self._intermediates

    def verify_chain(
        self,
        leaf: x509.Certificate,
        intermediates: Sequence[x509.Certificate] = (),
        at: datetime | None = None,
    ) -> None:
        """Check that ``leaf`` was valid at ``at`` (default now) and chains to a trusted root.

        ``at`` without a timezone is taken as UTC.

        Raises:
            SignatureRejected: CERT_NOT_YET_VALID or CERT_EXPIRED when ``at`` is outside the leaf's
                validity period; CERT_UNTRUSTED when no valid path to a trusted root exists (unknown
                issuer, bad signature, expired intermediate, wrong key usage, …); CERT_REVOKED when
                :meth:`is_revoked` says so.
        """
        when = as_utc(at)
        if when < leaf.not_valid_before_utc:
            raise SignatureRejected(
                f"certificate {_describe(leaf)} is not valid before "
                f"{leaf.not_valid_before_utc:%Y-%m-%d}",
                code=ErrorCode.CERT_NOT_YET_VALID,
            )
        if when > leaf.not_valid_after_utc:
            raise SignatureRejected(
                f"certificate {_describe(leaf)} expired on {leaf.not_valid_after_utc:%Y-%m-%d}",
                code=ErrorCode.CERT_EXPIRED,
            )
        chain = self._path(leaf, (*intermediates, *self._intermediates), when)
        organs = self._pinned.get(chain[-1].fingerprint(_SHA256))
        if organs is not None and organ_id_of(leaf) not in organs:
            raise SignatureRejected(
                f"certificate {_describe(leaf)} chains to a CA trusted only for "
                f"{', '.join(sorted(organs))}",
                code=ErrorCode.CERT_UNTRUSTED,
            )
        reason = self.revocation_reason(leaf, chain)
        if reason is not None:
            raise SignatureRejected(
                f"certificate {_describe(leaf)} is {reason}", code=ErrorCode.CERT_REVOKED
            )

    def _path(
        self, leaf: x509.Certificate, intermediates: tuple[x509.Certificate, ...], when: datetime
    ) -> tuple[x509.Certificate, ...]:
        """The validated path, leaf first. A path validated once is reused while ``when`` stays
        inside the validity of every certificate on it (the anchors never change); revocation
        and pinning are still checked on every call."""
        key = (leaf.fingerprint(_SHA256), *(c.fingerprint(_SHA256) for c in intermediates))
        cached = self._paths.get(key)
        if cached is not None and cached[1] <= when <= cached[2]:
            return cached[0]
        try:
            verified = (
                self._builder.time(when).build_client_verifier().verify(leaf, list(intermediates))
            )
        except VerificationError as e:
            raise SignatureRejected(
                f"certificate {_describe(leaf)} does not chain to a trusted authority: {e}",
                code=ErrorCode.CERT_UNTRUSTED,
            ) from e
        chain = tuple(verified.chain)
        if len(self._paths) >= MAX_CACHED_PATHS:
            self._paths.clear()
        self._paths[key] = (
            chain,
            max(c.not_valid_before_utc for c in chain),
            min(c.not_valid_after_utc for c in chain),
        )
        return chain

    def is_revoked(self, leaf: x509.Certificate, chain: tuple[x509.Certificate, ...]) -> bool:
        """Whether ``leaf`` (validated along ``chain``, leaf first) has been revoked."""
        return self.revocation_reason(leaf, chain) is not None

    def revocation_reason(
        self, leaf: x509.Certificate, chain: tuple[x509.Certificate, ...]
    ) -> str | None:
        """Why ``leaf`` — or any CA certificate on ``chain`` below the root — is revoked."""
        path = chain if chain and chain[0] == leaf else (leaf, *chain)
        for certificate, issuer in zip(path, (*path[1:], None), strict=True):
            if issuer is None and certificate.issuer == certificate.subject:
                break  # a trust anchor: trusted by configuration, not by a CRL
            reason = self.revocations.reason_revoked(certificate, issuer)
            if reason is not None:
                return reason
        return None


def _describe(certificate: x509.Certificate) -> str:
    try:
        return repr(certificate.subject.rfc4514_string())
    except ValueError:
        return f"serial {certificate.serial_number:x}"


def as_utc(at: datetime | None) -> datetime:
    """``at`` as an aware UTC datetime; ``None`` means now, a naive value is taken as UTC."""
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)
