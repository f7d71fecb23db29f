"""What the console's dashboard shows: petitions by state, overdue and due-this-week cases per
agency, open escalations, dead letters, open circuits, certificates expiring soon, the audit
trail's last seal. Counts only: no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.domain.access import Action, Principal
from gateway.domain.audit import Seal, Verification
from gateway.domain.circuit import CircuitState
from gateway.service.access import authorize
from gateway.service.pki import CertificateView, list_certificates
from gateway.service.services import Services

EXPIRING_DAYS = 60


@dataclass(frozen=True)
class AgencyDeadlines:
    organ_id: str
    name: str
    overdue: int
    due_this_week: int


@dataclass(frozen=True)
class Dashboard:
    at: datetime
    by_status: dict[str, int]
    deadlines: list[AgencyDeadlines]
    open_escalations: int
    dead_letters: int
    open_circuits: list[tuple[int, str, str]]  # adapter id, agency, last error
    expiring: list[CertificateView]
    last_seal: Seal | None
    last_verification: Verification | None


def dashboard(svc: Services, *, by: Principal) -> Dashboard:
    authorize(by, Action.DASHBOARD_READ)
    now = svc.clock.now()
    expiring = sorted(
        (c for c in list_certificates(svc, now) if c.days_left <= EXPIRING_DAYS),
        key=lambda c: c.days_left,
    )
    with svc.store.unit_of_work() as uow:
        names = {a.organ_id: a.name for a in uow.agencies.all()}
        summary = uow.cases.deadline_summary(now=now, soon=now + timedelta(days=7))
        circuits = uow.circuits.all()
        adapters = {a.adapter_id: a.organ_id for a in uow.adapters.all()}
        return Dashboard(
            at=now,
            by_status=uow.petitions.count_by_status(),
            deadlines=sorted(
                (
                    AgencyDeadlines(organ, names.get(organ, organ), overdue, soon)
                    for organ, (overdue, soon) in summary.items()
                    if overdue or soon
                ),
                key=lambda d: (-d.overdue, -d.due_this_week, d.organ_id),
            ),
            open_escalations=uow.escalations.open_count(),
            dead_letters=uow.dead_letters.depth(),
            open_circuits=[
                (adapter_id, adapters.get(adapter_id, "?"), c.last_error or "")
                for adapter_id, c in sorted(circuits.items())
                if c.state is not CircuitState.CLOSED
            ],
            expiring=expiring,
            last_seal=uow.seals.last(),
            last_verification=uow.seals.last_verification(),
        )
