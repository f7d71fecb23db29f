"""How the gateway is doing, read from the database: what ``/metrics`` exposes and what
``gateway check`` judges. Counts and ages only, labelled by agency or state: never personal data.

Every process sees the same figures (they come from the database, not from a process's memory),
so one scrape of any API process is the whole gateway.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from gateway.service.pki import list_certificates
from gateway.service.services import Services


@dataclass(frozen=True)
class Certificate:
    subject: str
    organ_id: str
    role: str  # trust-anchor, gateway, development, imported …
    days_left: int


@dataclass(frozen=True)
class Snapshot:
    at: datetime
    petitions_by_status: dict[str, int]
    deliveries_by_state: dict[str, int]
    waiting_by_agency: dict[str, int]
    """Deliveries not settled yet (queued, sending, retrying) per agency: the agency's queue."""
    dead_letters: int
    outbox_pending: int
    outbox_oldest_seconds: float | None
    open_circuits: dict[str, float] = field(default_factory=dict)
    """Agency → seconds since its circuit left the closed state."""
    overdue_by_agency: dict[str, int] = field(default_factory=dict)
    open_escalations: int = 0
    certificates: list[Certificate] = field(default_factory=list)
    last_seal_seconds: float | None = None
    unsealed_events: int = 0
    """Audit events after the last seal (all of them, before the first)."""
    last_verify_seconds: float | None = None
    last_verify_ok: bool | None = None


def snapshot(svc: Services) -> Snapshot:
    now = svc.clock.now()
    certificates = [
        Certificate(
            c.entry.certificate.subject.rfc4514_string(),
            c.entry.organ_id or "",
            c.entry.origin.value,
            c.days_left,
        )
        for c in list_certificates(svc, now)
    ]
    with svc.store.unit_of_work() as uow:
        adapters = {a.adapter_id: a.organ_id for a in uow.adapters.all()}
        oldest = uow.outbox.oldest_pending_at()
        seal = uow.seals.last()
        head_seq, _ = uow.audit.head()
        verified = uow.seals.last_verification()
        return Snapshot(
            at=now,
            petitions_by_status=uow.petitions.count_by_status(),
            deliveries_by_state=uow.deliveries.count_by_state(),
            waiting_by_agency=uow.deliveries.waiting_by_agency(),
            dead_letters=uow.dead_letters.depth(),
            outbox_pending=uow.outbox.pending_count(),
            outbox_oldest_seconds=None if oldest is None else (now - oldest).total_seconds(),
            open_circuits={
                adapters.get(adapter_id, str(adapter_id)): (now - since).total_seconds()
                for adapter_id, since in uow.circuits.open_since().items()
            },
            overdue_by_agency=uow.cases.overdue_by_agency(),
            open_escalations=uow.escalations.open_count(),
            certificates=certificates,
            last_seal_seconds=None if seal is None else (now - seal.sealed_at).total_seconds(),
            unsealed_events=head_seq - (seal.seq if seal is not None else 0),
            last_verify_seconds=None if verified is None else (now - verified.at).total_seconds(),
            last_verify_ok=None if verified is None else verified.ok,
        )


OK, WARNING, CRITICAL = 0, 1, 2
STATUS = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL"}
CIRCUIT_OPEN_SECONDS = 600
CERTIFICATE_WARN_DAYS, CERTIFICATE_CRITICAL_DAYS = 30, 7
OUTBOX_STUCK_SECONDS = 300
SEAL_AGE_SECONDS = 3600


@dataclass(frozen=True)
class Check:
    name: str
    status: int  # 0 OK, 1 WARNING, 2 CRITICAL (Nagios)
    text: str

    def line(self) -> str:
        return f"{STATUS[self.status]} {self.name}: {self.text}"


def checks(s: Snapshot) -> list[Check]:
    """The alert conditions of docker/alerts.yml, judged from one snapshot (what Prometheus judges
    over time, e.g. a growing backlog, is judged here from its current size)."""
    out = [
        Check(
            "dead_letters",
            WARNING if s.dead_letters else OK,
            f"{s.dead_letters} waiting (gateway dlq list)",
        )
    ]
    long_open = {a: t for a, t in s.open_circuits.items() if t >= CIRCUIT_OPEN_SECONDS}
    circuit = CRITICAL if long_open else WARNING if s.open_circuits else OK
    out.append(
        Check(
            "circuits",
            circuit,
            ", ".join(f"{a} open {t / 60:.0f} min" for a, t in sorted(s.open_circuits.items()))
            or "all closed",
        )
    )
    soon = sorted(
        (c for c in s.certificates if c.days_left < CERTIFICATE_WARN_DAYS),
        key=lambda c: c.days_left,
    )
    worst = CRITICAL if any(c.days_left < CERTIFICATE_CRITICAL_DAYS for c in soon) else WARNING
    out.append(
        Check(
            "certificates",
            worst if soon else OK,
            ", ".join(f"{c.organ_id or c.subject} in {c.days_left} days" for c in soon)
            or f"none expires within {CERTIFICATE_WARN_DAYS} days",
        )
    )
    overdue = sum(s.overdue_by_agency.values())
    out.append(
        Check(
            "overdue",
            WARNING if overdue else OK,
            f"{overdue} cases overdue"
            + (
                " (" + ", ".join(f"{a} {n}" for a, n in sorted(s.overdue_by_agency.items())) + ")"
                if overdue
                else ""
            ),
        )
    )
    stuck = s.outbox_oldest_seconds is not None and s.outbox_oldest_seconds >= OUTBOX_STUCK_SECONDS
    out.append(
        Check(
            "outbox",
            CRITICAL if stuck else OK,
            f"{s.outbox_pending} waiting"
            + (f", oldest {s.outbox_oldest_seconds:.0f} s" if s.outbox_oldest_seconds else ""),
        )
    )
    # events left unsealed for an hour (a quiet house with everything sealed is fine)
    age = s.last_seal_seconds
    late = s.unsealed_events > 0 and (age is None or age >= SEAL_AGE_SECONDS)
    seal_text = "never sealed" if age is None else f"last seal {age / 60:.0f} min ago"
    out.append(
        Check(
            "audit_seal",
            WARNING if late else OK,
            f"{seal_text}, {s.unsealed_events} events unsealed",
        )
    )
    out.append(
        Check(
            "audit_verify",
            CRITICAL if s.last_verify_ok is False else OK,
            "never run"
            if s.last_verify_ok is None
            else ("last run found problems" if not s.last_verify_ok else "last run passed")
            + (
                f", {s.last_verify_seconds / 3600:.1f} h ago"
                if s.last_verify_seconds is not None
                else ""
            ),
        )
    )
    return out
