"""A signing key with its certificate, loaded once at start-up.

Loading and checking an RSA PEM key costs tens of milliseconds; :func:`load_key_pair` is called once
when the gateway starts (or an agency adapter is configured), never per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from gateway.errors import ConfigurationError

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
"""The private key types the gateway signs with (RSA, or ECDSA on a NIST curve)."""


@dataclass(frozen=True)
class KeyPair:
    """A private key, the certificate for it, and the intermediates up to (not including) a root.

    ``chain`` goes into the signature's KeyInfo after the certificate, so that a verifier that only
    trusts the root can build the path.
    """

    private_key: SigningKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def load_key_pair(
    key_path: str | Path,
    cert_path: str | Path,
    chain_paths: Iterable[str | Path] = (),
    *,
    password: bytes | None = None,
) -> KeyPair:
    """Load a PEM private key and its PEM certificate (and optional intermediate certificates).

    ``cert_path`` may hold the certificate followed by its intermediates; those are added to the
    chain before any certificates from ``chain_paths``.

    Raises:
        ConfigurationError: a file is missing or unreadable, is not PEM of the expected kind,
            the key is neither RSA nor EC, or the key does not match the certificate. The message
            names the file.
    """
    key_file, cert_file = Path(key_path), Path(cert_path)
    private_key = _load_private_key(key_file, password)
    certificates = _load_certificates(cert_file)
    certificate, chain = certificates[0], list(certificates[1:])
    for chain_path in chain_paths:
        chain.extend(_load_certificates(Path(chain_path)))
    if _public_der(private_key.public_key()) != _public_der(certificate.public_key()):
        raise ConfigurationError(
            f"private key {key_file} does not match the certificate in {cert_file}",
            key_path=str(key_file),
            cert_path=str(cert_file),
        )
    return KeyPair(private_key=private_key, certificate=certificate, chain=tuple(chain))


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as e:
        raise ConfigurationError(f"{what} file {path} does not exist", path=str(path)) from e
    except OSError as e:
        raise ConfigurationError(
            f"{what} file {path} cannot be read: {e.strerror}", path=str(path)
        ) from e


def _load_private_key(path: Path, password: bytes | None) -> SigningKey:
    data = _read(path, "private key")
    try:
        key = load_pem_private_key(data, password=password)
    except (ValueError, TypeError) as e:
        raise ConfigurationError(
            f"private key file {path} is not a readable PEM private key"
            f"{' (wrong or missing password?)' if b'ENCRYPTED' in data else ''}",
            path=str(path),
        ) from e
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigurationError(
            f"private key file {path} holds a {type(key).__name__}; only RSA and EC keys sign",
            path=str(path),
        )
    return key


def _load_certificates(path: Path) -> list[x509.Certificate]:
    data = _read(path, "certificate")
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as e:
        raise ConfigurationError(
            f"certificate file {path} holds no readable PEM certificate", path=str(path)
        ) from e
    if not certificates:
        raise ConfigurationError(f"certificate file {path} holds no certificate", path=str(path))
    return certificates


def _public_der(public_key: object) -> bytes:
    if not isinstance(public_key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        return b""
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
