"""The one place where rights are checked: every entry point (API, console, CLI) calls these
before a use case, with the principal it authenticated (gateway/domain/access.py has the rules).

A role without the right gets Forbidden (403). A scoped principal (agency staff, a portal, an
expert) asking for a petition outside its scope gets NotFound (404), exactly as for a petition
that does not exist: nothing tells it the petition is there.
"""

from __future__ import annotations

from gateway.domain.access import SCOPED, Action, Principal, Role
from gateway.errors import Forbidden, NotFound
from gateway.service.services import Services

SYSTEM = Principal("", "api", Role.ADMIN, system=True)
"""The bootstrap token's principal, and the CLI's: whoever runs ``gateway`` on the gateway's own
machine already holds its database and keys."""


def authorize(principal: Principal, action: Action) -> None:
    if not principal.may(action):
        raise Forbidden(f"the {principal.role.value} role may not {action.value}")


def authorize_petition(
    svc: Services, principal: Principal, action: Action, petition_id: str
) -> None:
    """``action`` on one petition: the role's right, then the principal's scope."""
    authorize(principal, action)
    if principal.system or principal.role not in SCOPED:
        return
    with svc.store.unit_of_work() as uow:
        record = uow.petitions.get(petition_id)
        organs = frozenset(c.case.organ_id for c in uow.cases.for_petition(petition_id))
    if record is None or not principal.sees(
        petition_id=petition_id,
        organ_ids=organs,
        portal=record.petition.portal,
        at=svc.clock.now(),
    ):
        raise NotFound(f"no petition {petition_id}")
