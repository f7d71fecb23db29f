"""A development PKI, so that ``make run`` works on any machine without a real CA.

Layout of the directory (created on demand)::

    ca.key, ca.pem                   the development root CA (10 years)
    gateway.key, gateway.pem         the gateway's own signing certificate (2 years)
    agencies/<OrganId>.key, .pem     one signing certificate per agency (simulators, tests)

Every certificate is issued under the development CA with the agency's OrganId in the subject's
UID attribute (see :mod:`signing.binding`), a critical KeyUsage ``digitalSignature,
nonRepudiation`` and critical basicConstraints ``CA:FALSE``: enough for
:meth:`signing.trust.TrustStore.verify_chain` and for ``xmlsec1 --verify --trusted-pem ca.pem``.
Keys are RSA-2048 or EC P-256 and no extended key usage is set, so every certificate issued here
meets the signer key policy (:mod:`signing.policy`).
Private keys are written mode 0600. Files are written to a temporary name and renamed, under an
advisory lock on ``<directory>/.lock``, so two processes calling :meth:`DevPki.init` at once end
with one consistent CA. This is for development and tests only: production keys come from the
government CA and are loaded with :func:`signing.keys.load_key_pair`.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from gateway.errors import ConfigurationError, InputInvalid
from signing.binding import subject_for
from signing.keys import KeyPair, SigningKey, load_key_pair

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: rely on atomic renames alone
    fcntl = None  # type: ignore[assignment]

DEFAULT_GATEWAY_ORGAN_ID = "000.00.00.G22"
DEFAULT_GATEWAY_NAME = "Văn phòng Chính phủ"
CA_NAME = "PAKN Gateway Development CA"
CA_VALID_DAYS = 3650
GATEWAY_VALID_DAYS = 730
RSA_KEY_BITS = 2048
CLOCK_SKEW = timedelta(minutes=5)
"""Certificates start this long before "now", so a slightly slow clock elsewhere accepts them."""

_SAFE_FILE_STEM = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


class KeyType(StrEnum):
    """The kinds of key the development PKI issues."""

    RSA = "rsa"
    EC = "ec"


def generate_key(key_type: KeyType | str = KeyType.RSA) -> SigningKey:
    """A fresh private key: RSA-2048, or EC on P-256."""
    if KeyType(key_type) is KeyType.EC:
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)


def issue_certificate(
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    issuer_key: SigningKey,
    issuer_certificate: x509.Certificate | None,
    not_before: datetime,
    not_after: datetime,
    is_ca: bool = False,
) -> x509.Certificate:
    """Sign a certificate for ``public_key`` (self-signed when ``issuer_certificate`` is None)."""
    issuer_name = subject if issuer_certificate is None else issuer_certificate.subject
    issuer_public = issuer_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=is_ca, path_length=0 if is_ca else None), critical=True
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    )
    return builder.sign(issuer_key, hashes.SHA256())


class DevPki:
    """A development certificate authority kept in one directory.

    Nothing touches the disk until :meth:`init`, :meth:`issue` or a property that reads it is used.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    # -- paths -------------------------------------------------------------------------------

    @property
    def ca_path(self) -> Path:
        """The development root certificate (the trust anchor to configure)."""
        return self.directory / "ca.pem"

    @property
    def ca_key_path(self) -> Path:
        return self.directory / "ca.key"

    @property
    def gateway_key_path(self) -> Path:
        return self.directory / "gateway.key"

    @property
    def gateway_cert_path(self) -> Path:
        return self.directory / "gateway.pem"

    @property
    def agencies_directory(self) -> Path:
        return self.directory / "agencies"

    def agency_paths(self, organ_id: str) -> tuple[Path, Path]:
        """Where the agency's key and certificate live: ``agencies/<OrganId>.key`` and ``.pem``.

        Raises:
            InputInvalid: the OrganId cannot be used as a file name (``/``, ``..``, blanks…).
        """
        if not _SAFE_FILE_STEM.match(organ_id) or ".." in organ_id:
            raise InputInvalid(f"OrganId {organ_id!r} cannot be used as a file name")
        return (
            self.agencies_directory / f"{organ_id}.key",
            self.agencies_directory / f"{organ_id}.pem",
        )

    def exists(self) -> bool:
        """Whether the CA and the gateway's key and certificate are all present."""
        return all(
            p.is_file()
            for p in (self.ca_key_path, self.ca_path, self.gateway_key_path, self.gateway_cert_path)
        )

    # -- issuing -----------------------------------------------------------------------------

    def init(
        self,
        gateway_organ_id: str = DEFAULT_GATEWAY_ORGAN_ID,
        gateway_name: str = DEFAULT_GATEWAY_NAME,
    ) -> None:
        """Create the CA and the gateway's certificate if they are absent; idempotent.

        A CA created anew (its key or certificate was missing) also gets a new gateway certificate.

        Raises:
            ConfigurationError: the directory cannot be created or written.
        """
        with self._locked():
            new_ca = not (self.ca_key_path.is_file() and self.ca_path.is_file())
            if new_ca:
                now = datetime.now(UTC)
                ca_key = generate_key(KeyType.RSA)
                ca_subject = x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, gateway_name),
                        x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                    ]
                )
                ca_cert = issue_certificate(
                    ca_subject,
                    ca_key.public_key(),
                    issuer_key=ca_key,
                    issuer_certificate=None,
                    not_before=now - CLOCK_SKEW,
                    not_after=now + timedelta(days=CA_VALID_DAYS),
                    is_ca=True,
                )
                self._write_pair(self.ca_key_path, self.ca_path, ca_key, ca_cert)
            gateway_exists = self.gateway_key_path.is_file() and self.gateway_cert_path.is_file()
            if new_ca or not gateway_exists:  # a new CA invalidates the old gateway certificate
                self._issue_to(
                    self.gateway_key_path,
                    self.gateway_cert_path,
                    gateway_organ_id,
                    gateway_name,
                    valid_days=GATEWAY_VALID_DAYS,
                    key_type=KeyType.RSA,
                )

    def issue(
        self,
        organ_id: str,
        name: str,
        *,
        valid_days: int = 730,
        key_type: KeyType | str = KeyType.RSA,
        force: bool = False,
    ) -> tuple[Path, Path]:
        """Issue an agency's signing key and certificate; return ``(key_path, cert_path)``.

        Idempotent: an existing pair is returned as is unless ``force`` is true.

        Raises:
            ConfigurationError: the CA has not been created (call :meth:`init`) or cannot be read.
            InputInvalid: the OrganId cannot be used as a file name.
        """
        key_path, cert_path = self.agency_paths(organ_id)
        with self._locked():
            if not force and key_path.is_file() and cert_path.is_file():
                return key_path, cert_path
            self._issue_to(
                key_path,
                cert_path,
                organ_id,
                name,
                valid_days=valid_days,
                key_type=KeyType(key_type),
            )
        return key_path, cert_path

    def issue_key_pair(
        self,
        organ_id: str,
        name: str,
        *,
        not_before: datetime,
        not_after: datetime,
        key_type: KeyType | str = KeyType.RSA,
    ) -> KeyPair:
        """An in-memory key pair with an explicit validity period (tests of expired certificates).

        Nothing is written to disk.

        Raises:
            ConfigurationError: the CA has not been created or cannot be read.
        """
        ca = self._load_ca()
        key = generate_key(key_type)
        certificate = issue_certificate(
            subject_for(organ_id, name),
            key.public_key(),
            issuer_key=ca.private_key,
            issuer_certificate=ca.certificate,
            not_before=not_before,
            not_after=not_after,
        )
        return KeyPair(private_key=key, certificate=certificate)

    # -- internals ---------------------------------------------------------------------------

    def _load_ca(self) -> KeyPair:
        if not (self.ca_key_path.is_file() and self.ca_path.is_file()):
            raise ConfigurationError(
                f"no development CA in {self.directory}: run `gateway pki init` first",
                path=str(self.directory),
            )
        return load_key_pair(self.ca_key_path, self.ca_path)

    def _issue_to(
        self,
        key_path: Path,
        cert_path: Path,
        organ_id: str,
        name: str,
        *,
        valid_days: int,
        key_type: KeyType,
    ) -> None:
        ca = self._load_ca()
        now = datetime.now(UTC)
        key = generate_key(key_type)
        certificate = issue_certificate(
            subject_for(organ_id, name),
            key.public_key(),
            issuer_key=ca.private_key,
            issuer_certificate=ca.certificate,
            not_before=now - CLOCK_SKEW,
            not_after=now + timedelta(days=valid_days),
        )
        self._write_pair(key_path, cert_path, key, certificate)

    def _write_pair(
        self, key_path: Path, cert_path: Path, key: SigningKey, certificate: x509.Certificate
    ) -> None:
        key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        _write_atomically(key_path, key_pem, mode=0o600)
        _write_atomically(cert_path, certificate.public_bytes(Encoding.PEM), mode=0o644)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.agencies_directory.mkdir(parents=True, exist_ok=True)
            lock = (self.directory / ".lock").open("a")
        except OSError as e:
            raise ConfigurationError(
                f"PKI directory {self.directory} cannot be created: {e.strerror}",
                path=str(self.directory),
            ) from e
        with lock:
            if fcntl is not None:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            yield


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write ``data`` to a temporary file beside ``path`` with ``mode``, then rename it over."""
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ConfigurationError(f"cannot write {path}: {e.strerror}", path=str(path)) from e
    try:
        with os.fdopen(fd, "wb") as f:
            os.chmod(temporary, mode)
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except OSError as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ConfigurationError(f"cannot write {path}: {e.strerror}", path=str(path)) from e
