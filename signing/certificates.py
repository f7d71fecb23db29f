"""Chứng thư số của cơ quan: agencies' certificates the gateway knows, and the trust store built
from them.

Layout, inside the PKI directory (``GATEWAY_PKI_DIR``)::

    imported/<OrganId>/<fingerprint>.pem   what `gateway pki import ORGAN_ID FILE` accepted
    revoked.json                           the local revocation list (`gateway pki revoke`)
    crl/                                   CRL files (default GATEWAY_CRL_DIR)

An import is checked before anything is written: a signing certificate in the file must be bound
to ``ORGAN_ID`` (subject ``UID``, :mod:`signing.binding`), allow digitalSignature, chain — with
the CA certificates of the same file, if any — to a trust anchor at the time of import, and meet
the signer key policy (:mod:`signing.policy`), so that a certificate that could never sign an
accepted document is refused here and not at the agency's first document. Root CAs
in the file become trust anchors **pinned to that agency**; intermediates help build paths.

A running gateway sees an import without a restart: :class:`LiveTrust` rebuilds its trust store
when the files under ``imported/`` change (checked at most once a second), as
:class:`~signing.revocation.Revocations` does for CRLs and the local list.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.errors import ErrorCode, GatewayError, InputInvalid, SignatureRejected
from signing.binding import organ_id_of
from signing.pki import DevPki, _write_atomically
from signing.policy import check_signer
from signing.revocation import LOCAL_LIST_NAME, Revocations, files_stamp, serial_hex
from signing.trust import TrustStore
from signing.verifier import VerificationPolicy, Verifier

log = logging.getLogger("gateway.pki")

EXPIRY_WARNING = timedelta(days=60)
"""``pki list`` warns from this long before a certificate expires."""


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    REVOKED = "revoked"


class Origin(StrEnum):
    TRUST_ANCHOR = "trust-anchor"
    GATEWAY = "gateway"
    DEVELOPMENT = "development"
    IMPORTED = "imported"


@dataclass(frozen=True)
class CertificateEntry:
    """One line of ``gateway pki list``."""

    origin: Origin
    certificate: x509.Certificate
    path: Path
    pinned_to: str | None = None

    @property
    def organ_id(self) -> str | None:
        return organ_id_of(self.certificate)

    @property
    def is_ca(self) -> bool:
        return is_ca(self.certificate)

    @property
    def serial(self) -> str:
        return serial_hex(self.certificate)

    def days_left(self, at: datetime) -> int:
        return (self.certificate.not_valid_after_utc - at).days

    def status(self, at: datetime, trust: TrustStore) -> CertificateStatus:
        c = self.certificate
        if at < c.not_valid_before_utc:
            return CertificateStatus.NOT_YET_VALID
        if at > c.not_valid_after_utc:
            return CertificateStatus.EXPIRED
        issuer = next(
            (a for a in (*trust.certificates, *trust.intermediates) if a.subject == c.issuer), None
        )
        if trust.revocations.reason_revoked(c, issuer) is not None:
            return CertificateStatus.REVOKED
        if c.not_valid_after_utc - at <= EXPIRY_WARNING:
            return CertificateStatus.EXPIRING
        return CertificateStatus.VALID


def is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def is_self_signed(certificate: x509.Certificate) -> bool:
    return certificate.issuer == certificate.subject


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


class CertificateDirectory:
    """The certificates kept in a PKI directory, beside the development PKI (if any)."""

    def __init__(self, directory: str | Path, crl_dir: str | Path | None = None) -> None:
        self.directory = Path(directory)
        self.crl_dir = Path(crl_dir) if crl_dir is not None else self.directory / "crl"

    @property
    def imported_directory(self) -> Path:
        return self.directory / "imported"

    @property
    def local_revocations(self) -> Path:
        return self.directory / LOCAL_LIST_NAME

    def revocations(self) -> Revocations:
        return Revocations(self.crl_dir, self.local_revocations)

    # -- reading -----------------------------------------------------------------------------

    def imported(self) -> list[CertificateEntry]:
        entries = []
        if self.imported_directory.is_dir():
            for folder in sorted(p for p in self.imported_directory.iterdir() if p.is_dir()):
                for path in sorted(folder.glob("*.pem")):
                    for certificate in x509.load_pem_x509_certificates(path.read_bytes()):
                        entries.append(
                            CertificateEntry(
                                Origin.IMPORTED, certificate, path, pinned_to=folder.name
                            )
                        )
        return entries

    def trust_store(
        self, anchor_files: Iterable[Path], *, revocations: Revocations | None = None
    ) -> TrustStore:
        """Anchors from the configuration (trusted for all), plus imported CAs pinned to their
        agency, imported intermediates, and the revocation sources (``revocations``, or this
        directory's).

        Raises:
            ConfigurationError: an anchor file cannot be read.
        """
        configured = TrustStore.from_pem_files(anchor_files).certificates
        pinned: dict[x509.Certificate, frozenset[str]] = {}
        intermediates = []
        for entry in self.imported():
            if not entry.is_ca:
                continue
            if is_self_signed(entry.certificate):
                organs = pinned.get(entry.certificate, frozenset())
                pinned[entry.certificate] = organs | {entry.pinned_to or ""}
            else:
                intermediates.append(entry.certificate)
        return TrustStore(
            configured,
            pinned=pinned,
            intermediates=intermediates,
            revocations=revocations or self.revocations(),
        )

    def imported_stamp(self) -> tuple[tuple[str, int, int], ...]:
        """What changes when a certificate is imported or removed."""
        return files_stamp(sorted(self.imported_directory.glob("*/*.pem")))

    def entries(self, trust: TrustStore, dev: DevPki | None) -> list[CertificateEntry]:
        """Everything ``pki list`` shows: anchors, the gateway's and development certificates,
        and imported ones."""
        imported = self.imported()
        known = {e.certificate for e in imported}
        result = [
            CertificateEntry(Origin.TRUST_ANCHOR, c, Path(""))
            for c in trust.certificates
            if c not in known
        ]
        if dev is not None:
            if dev.gateway_cert_path.is_file():
                result.append(_entry(Origin.GATEWAY, dev.gateway_cert_path))
            if dev.agencies_directory.is_dir():
                for path in sorted(dev.agencies_directory.glob("*.pem")):
                    result.append(_entry(Origin.DEVELOPMENT, path))
        return result + imported

    # -- importing ---------------------------------------------------------------------------

    def import_pem(
        self, organ_id: str, data: bytes, trust: TrustStore, at: datetime
    ) -> list[CertificateEntry]:
        """Check and keep the certificates in ``data`` for agency ``organ_id``.

        Raises:
            InputInvalid: no PEM certificate, more than one signing certificate, or nothing that
                could ever verify a document (a lone intermediate, a CA with no signer).
            SignatureRejected: CERT_ORGAN_MISMATCH (the signing certificate is bound to another
                agency or none), CERT_EXPIRED / CERT_NOT_YET_VALID (a root CA of the file is not
                valid now), CERT_UNTRUSTED / CERT_EXPIRED / CERT_NOT_YET_VALID / CERT_REVOKED
                (it does not verify now, even with the CAs of the file), KEY_TOO_WEAK /
                KEY_CURVE_REFUSED / KEY_TYPE_REFUSED / CERT_USAGE_REFUSED (the signing
                certificate does not meet the signer key policy).
        """
        try:
            certificates = x509.load_pem_x509_certificates(data)
        except ValueError as e:
            raise InputInvalid("the file holds no readable PEM certificate") from e
        cas = [c for c in certificates if is_ca(c)]
        leaves = [c for c in certificates if not is_ca(c)]
        if len(leaves) > 1:
            raise InputInvalid(
                f"the file holds {len(leaves)} signing certificates; import them one at a time"
            )
        roots = [c for c in cas if is_self_signed(c)]
        if not leaves and not roots:
            raise InputInvalid(
                "the file holds only intermediate CA certificates: add the root CA "
                "or the agency's signing certificate"
            )
        for root in roots:
            if not root.not_valid_before_utc <= at <= root.not_valid_after_utc:
                raise SignatureRejected(
                    f"CA {root.subject.rfc4514_string()} is not valid now (valid "
                    f"{root.not_valid_before_utc:%Y-%m-%d} to {root.not_valid_after_utc:%Y-%m-%d})",
                    code=ErrorCode.CERT_EXPIRED
                    if at > root.not_valid_after_utc
                    else ErrorCode.CERT_NOT_YET_VALID,
                )
        pinned = dict(trust.pinned)
        for root in roots:
            pinned[root] = pinned.get(root, frozenset()) | {organ_id}
        candidate = TrustStore(
            trust.configured,
            pinned=pinned,
            intermediates=[*trust.intermediates, *(c for c in cas if not is_self_signed(c))],
            revocations=trust.revocations,
        )
        if leaves:
            leaf = leaves[0]
            bound = organ_id_of(leaf)
            if bound != organ_id:
                raise SignatureRejected(
                    f"the certificate is bound to {bound or 'no agency'} (subject UID), not to "
                    f"{organ_id}",
                    code=ErrorCode.CERT_ORGAN_MISMATCH,
                )
            candidate.verify_chain(leaf, (), at)
            check_signer(leaf)
        folder = self.imported_directory / _safe(organ_id)
        folder.mkdir(parents=True, exist_ok=True)
        kept = []
        for certificate in certificates:
            path = folder / f"{fingerprint(certificate)[:16]}.pem"
            _write_atomically(path, certificate.public_bytes(Encoding.PEM), mode=0o644)
            kept.append(CertificateEntry(Origin.IMPORTED, certificate, path, pinned_to=organ_id))
        return kept


@dataclass(frozen=True)
class Verifiers:
    strict: Verifier
    """SHA-2 signatures only."""
    legacy: Verifier
    """Also RSA-SHA1: for agencies flagged legacy only."""

    @classmethod
    def over(cls, trust: TrustStore) -> Verifiers:
        return cls(Verifier(trust), Verifier(trust, VerificationPolicy(allow_sha1=True)))

    @property
    def trust(self) -> TrustStore:
        return self.strict.trust


class LiveTrust:
    """A certificate directory's trust store and verifiers, rebuilt when the imported
    certificates change — also when another process (``gateway pki import``) changed them.
    Thread-safe; share one per process."""

    def __init__(
        self,
        directory: CertificateDirectory,
        anchor_files: Iterable[Path],
        *,
        recheck_seconds: float = 1.0,
    ) -> None:
        self.directory = directory
        self.anchor_files = tuple(anchor_files)
        self.recheck_seconds = recheck_seconds
        self._revocations = directory.revocations()  # reloads its own files
        self._lock = threading.Lock()
        self._stamp = directory.imported_stamp()
        self._current = self._build()
        self._checked = time.monotonic()

    def current(self) -> Verifiers:
        if time.monotonic() - self._checked >= self.recheck_seconds:
            self.refresh()
        return self._current

    def refresh(self) -> Verifiers:
        """Rebuild now if the imported certificates changed. A directory that cannot be read
        keeps the last good trust store (and says so in the log)."""
        with self._lock:
            self._checked = time.monotonic()
            stamp = self.directory.imported_stamp()
            if stamp != self._stamp:
                try:
                    self._current = self._build()
                except (GatewayError, OSError, ValueError) as e:
                    log.error(
                        "imported certificates changed but cannot be loaded (%s); "
                        "keeping the previous trust store",
                        e,
                    )
                else:
                    log.info("trust store reloaded: imported certificates changed")
                self._stamp = stamp
            return self._current

    def _build(self) -> Verifiers:
        return Verifiers.over(
            self.directory.trust_store(self.anchor_files, revocations=self._revocations)
        )


def _entry(origin: Origin, path: Path) -> CertificateEntry:
    return CertificateEntry(origin, x509.load_pem_x509_certificate(path.read_bytes()), path)


def _safe(organ_id: str) -> str:
    DevPki("").agency_paths(organ_id)  # raises InputInvalid for what cannot be a file name
    return organ_id
