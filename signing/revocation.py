"""Thu hồi chứng thư số: which certificates have been revoked.

Two sources, both read from disk and re-read as soon as they change (a ``gateway pki revoke`` takes
effect in running workers at their next verification, without a restart):

* **CRL files** issued by certificate authorities, dropped in one folder (``GATEWAY_CRL_DIR``,
  default ``<pki>/crl``): every ``*.crl``, ``*.pem`` or ``*.der`` file there, DER or PEM, one or
  several CRLs each. A CRL is used only for certificates of the CA that signed it — its issuer name
  matches and its signature verifies with that CA's key (cryptography's
  ``CertificateRevocationList.is_signature_valid``); a forged or foreign CRL is ignored, never
  trusted. Staleness (``next_update`` passed) does not un-revoke anything, and ``pki list`` warns
  of it.
* **The local revocation list** ``<pki>/revoked.json`` written by ``gateway pki revoke``: for
  certificates whose CA the gateway does not run (a real agency's, imported), so no CRL can be
  issued here. Entries name the issuer and serial number, as a CRL does.

The files are looked at (``stat``) at most once per ``recheck_seconds`` (default 1 s), so a
revocation takes effect within a second. A revoked certificate is refused whatever its revocation
date: edXML carries no trusted signing
time, and a stolen key can backdate what it signs.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.errors import ConfigurationError

CRL_SUFFIXES = (".crl", ".pem", ".der")
_SHA256 = hashes.SHA256()
LOCAL_LIST_NAME = "revoked.json"


@dataclass(frozen=True)
class LocalRevocation:
    """One entry of the local revocation list."""

    issuer: str
    """The issuer's distinguished name (RFC 4514)."""
    serial: str
    """The serial number, lower-case hexadecimal."""
    organ_id: str | None
    revoked_at: str
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "serial": self.serial,
            "organ_id": self.organ_id,
            "revoked_at": self.revoked_at,
            "reason": self.reason,
        }


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "x")


def load_crls(data: bytes) -> list[x509.CertificateRevocationList]:
    """Every CRL in ``data`` (PEM, possibly several, or one DER).

    Raises:
        ValueError: nothing readable.
    """
    if b"-----BEGIN X509 CRL-----" in data:
        crls: list[x509.CertificateRevocationList] = []
        for block in data.split(b"-----END X509 CRL-----")[:-1]:
            crls.append(x509.load_pem_x509_crl(block + b"-----END X509 CRL-----\n"))
        return crls
    return [x509.load_der_x509_crl(data)]


class Revocations:
    """What the CRL folder and the local list say; thread-safe, reloads files that changed."""

    def __init__(
        self,
        crl_dir: Path | None = None,
        local_list: Path | None = None,
        *,
        recheck_seconds: float = 1.0,
    ) -> None:
        self.crl_dir = crl_dir
        self.local_list = local_list
        self.recheck_seconds = recheck_seconds
        self._checked = 0.0
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._crls: tuple[x509.CertificateRevocationList, ...] = ()
        self._local: dict[tuple[str, str], LocalRevocation] = {}
        self._signature_ok: dict[tuple[int, bytes], bool] = {}

    # -- reading -----------------------------------------------------------------------------

    def crls(self) -> tuple[x509.CertificateRevocationList, ...]:
        self._refresh()
        return self._crls

    def local(self) -> list[LocalRevocation]:
        self._refresh()
        return list(self._local.values())

    def reason_revoked(
        self, certificate: x509.Certificate, issuer: x509.Certificate | None
    ) -> str | None:
        """Why ``certificate`` (issued by ``issuer``) is revoked, or ``None`` when it is not."""
        self._refresh()
        entry = self._local.get((certificate.issuer.rfc4514_string(), serial_hex(certificate)))
        if entry is not None:
            return f"revoked on {entry.revoked_at} (local list){_because(entry.reason)}"
        if issuer is None:
            return None
        for crl in self._crls:
            if crl.issuer != certificate.issuer or not self._signed_by(crl, issuer):
                continue
            revoked = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
            if revoked is not None:
                return (
                    f"revoked on {revoked.revocation_date_utc:%Y-%m-%d} "
                    f"(CRL of {crl.issuer.rfc4514_string()})"
                )
        return None

    def _signed_by(self, crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
        key = (id(crl), issuer.fingerprint(_SHA256))
        known = self._signature_ok.get(key)
        if known is None:
            public = issuer.public_key()
            known = isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) and bool(
                crl.is_signature_valid(public)
            )
            self._signature_ok[key] = known
        return known

    # -- writing (the local list) --------------------------------------------------------------

    def add_local(self, entry: LocalRevocation) -> bool:
        """Add an entry to the local list; ``False`` when it was already there.

        Raises:
            ConfigurationError: no local list is configured, or it cannot be written.
        """
        if self.local_list is None:
            raise ConfigurationError("no local revocation list is configured")
        from signing.pki import _write_atomically  # the same atomic write as the PKI files

        with self._lock:
            current = _read_local(self.local_list)
            if (entry.issuer, entry.serial) in current:
                return False
            current[(entry.issuer, entry.serial)] = entry
            data = json.dumps(
                {"revoked": [e.as_json() for e in current.values()]}, ensure_ascii=False, indent=2
            ).encode()
            self.local_list.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.local_list, data, mode=0o644)
            self._stamp = None
        return True

    # -- internals ---------------------------------------------------------------------------

    def _files(self) -> list[Path]:
        if self.crl_dir is None or not self.crl_dir.is_dir():
            return []
        return sorted(
            p for p in self.crl_dir.iterdir() if p.suffix.lower() in CRL_SUFFIXES and p.is_file()
        )

    def _refresh(self) -> None:
        now = time.monotonic()
        if self._stamp is not None and now - self._checked < self.recheck_seconds:
            return
        self._checked = now
        files = self._files()
        stamp = files_stamp([*files, *([self.local_list] if self.local_list else [])])
        if stamp == self._stamp:
            return
        with self._lock:
            crls: list[x509.CertificateRevocationList] = []
            for path in files:
                try:
                    crls.extend(load_crls(path.read_bytes()))
                except (OSError, ValueError) as e:
                    raise ConfigurationError(
                        f"CRL file {path} cannot be read: {e}", path=str(path)
                    ) from e
            self._crls = tuple(crls)
            self._local = _read_local(self.local_list) if self.local_list is not None else {}
            self._signature_ok = {}
            self._stamp = stamp


def _because(reason: str) -> str:
    return f": {reason}" if reason else ""


def files_stamp(paths: Iterable[Path]) -> tuple[tuple[str, int, int], ...]:
    """What changes when any of ``paths`` is written, replaced or removed (path, mtime, size);
    a missing file has size -1."""
    stamp = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            stamp.append((str(path), 0, -1))
        else:
            stamp.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(stamp)


def _read_local(path: Path) -> dict[tuple[str, str], LocalRevocation]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise ConfigurationError(
            f"revocation list {path} cannot be read: {e.strerror}", path=str(path)
        ) from e
    try:
        entries = json.loads(raw)["revoked"]
        result = {}
        for item in entries:
            entry = LocalRevocation(
                issuer=str(item["issuer"]),
                serial=str(item["serial"]).lower(),
                organ_id=item.get("organ_id"),
                revoked_at=str(item["revoked_at"]),
                reason=str(item.get("reason", "")),
            )
            result[(entry.issuer, entry.serial)] = entry
        return result
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigurationError(
            f"revocation list {path} is not valid JSON of the expected shape", path=str(path)
        ) from e


def now_text(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
