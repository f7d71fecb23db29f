"""Chứng thư số: importing, listing and revoking agency certificates; verifying a file.

Certificates live in files under the PKI directory (:mod:`signing.certificates`); every change is
also an audit event. An imported CA is used by processes started afterwards; a revocation takes
effect at once, also in running workers (the revocation sources are re-read when they change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.domain.agency import check_organ_id
from gateway.domain.audit import AuditAction
from gateway.errors import ErrorCode, InputInvalid, NotFound
from gateway.service.services import Services
from gateway.service.verification import Inbound, parse_inbound, verify_inbound
from signing import DevPki
from signing.certificates import CertificateDirectory, CertificateEntry, CertificateStatus
from signing.revocation import LocalRevocation, now_text


@dataclass(frozen=True)
class CertificateView:
    entry: CertificateEntry
    status: CertificateStatus
    days_left: int

    def as_json(self) -> dict[str, object]:
        c = self.entry.certificate
        return {
            "origin": self.entry.origin.value,
            "subject": c.subject.rfc4514_string(),
            "organ_id": self.entry.organ_id,
            "pinned_to": self.entry.pinned_to,
            "ca": self.entry.is_ca,
            "serial": self.entry.serial,
            "not_before": c.not_valid_before_utc.isoformat(),
            "not_after": c.not_valid_after_utc.isoformat(),
            "days_left": self.days_left,
            "status": self.status.value,
            "path": str(self.entry.path) if str(self.entry.path) != "." else None,
        }


def _directory(svc: Services) -> CertificateDirectory:
    return svc.trust.directory


def _dev(svc: Services) -> DevPki | None:
    dev = DevPki(_directory(svc).directory)
    return dev if dev.exists() else None


def list_certificates(svc: Services, at: datetime | None = None) -> list[CertificateView]:
    at = at or svc.clock.now()
    trust = svc.trust.current().trust
    return [
        CertificateView(e, e.status(at, trust), e.days_left(at))
        for e in _directory(svc).entries(trust, _dev(svc))
    ]


def import_certificate(
    svc: Services, organ_id: str, data: bytes, *, actor: str = "cli"
) -> list[CertificateEntry]:
    """Check and keep an agency's certificate or CA chain (see :mod:`signing.certificates`).

    Raises:
        InputInvalid, SignatureRejected: nothing is written (CERT_* / INPUT_INVALID codes).
        NotFound(UNKNOWN_AGENCY): the agency is not registered.
    """
    check_organ_id(organ_id)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.agencies.get(organ_id) is None:
            raise NotFound(
                f"unknown agency {organ_id}: add it first with `gateway agency add`",
                code=ErrorCode.UNKNOWN_AGENCY,
            )
        kept = _directory(svc).import_pem(organ_id, data, svc.trust.current().trust, at)
        for entry in kept:
            uow.audit.record(
                AuditAction.CERTIFICATE_IMPORTED,
                actor=actor,
                at=at,
                organ_id=organ_id,
                serial=entry.serial,
                ca=entry.is_ca,
                subject=entry.certificate.subject.rfc4514_string(),
                not_after=entry.certificate.not_valid_after_utc.isoformat(),
            )
        uow.commit()
    svc.trust.refresh()  # this process at once; a running gateway within a second
    return kept


def revoke_certificate(
    svc: Services, organ_id: str, *, serial: str | None = None, reason: str = "", actor: str = "cli"
) -> CertificateEntry:
    """Put one of the agency's signing certificates on the local revocation list.

    Raises:
        NotFound: no such certificate known for the agency.
        InputInvalid: several are known and ``serial`` does not say which.
    """
    at = svc.clock.now()
    try:
        number = None if serial is None else int(serial.replace(":", ""), 16)
    except ValueError as e:
        raise InputInvalid(f"--serial {serial!r} is not a hexadecimal serial number") from e
    candidates = [
        e
        for e in _directory(svc).entries(svc.trust.current().trust, _dev(svc))
        if not e.is_ca
        and e.organ_id == organ_id
        and (number is None or e.certificate.serial_number == number)
    ]
    unique = {e.certificate: e for e in candidates}
    if not unique:
        raise NotFound(
            f"no signing certificate of {organ_id}"
            f"{f' with serial {serial}' if serial else ''} is known here"
        )
    if len(unique) > 1:
        serials = ", ".join(sorted(e.serial for e in unique.values()))
        raise InputInvalid(
            f"{organ_id} has several certificates ({serials}): name one with --serial"
        )
    entry = next(iter(unique.values()))
    c = entry.certificate
    svc.trust.current().trust.revocations.add_local(
        LocalRevocation(
            issuer=c.issuer.rfc4514_string(),
            serial=entry.serial,
            organ_id=organ_id,
            revoked_at=now_text(at),
            reason=reason,
        )
    )
    with svc.store.unit_of_work() as uow:
        uow.audit.record(
            AuditAction.CERTIFICATE_REVOKED,
            actor=actor,
            at=at,
            organ_id=organ_id,
            serial=entry.serial,
            subject=c.subject.rfc4514_string(),
            reason=reason,
        )
        uow.commit()
    return entry


def verify_file(svc: Services, body: bytes) -> Inbound:
    """The checks ``POST /v1/edxml`` makes before it stores anything; stores nothing.

    Raises:
        Rejected: the same code the API would answer with.
    """
    return verify_inbound(svc, parse_inbound(svc, body))
