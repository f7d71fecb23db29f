"""Maintenance mode (``gateway maintenance on --reason … | off | status``).

While a window is open — in the database, so every process sees it — intake
(``POST /v1/petitions``) and agency pushes (``POST /v1/edxml``) answer ``503 MAINTENANCE`` with
``Retry-After``, ``/readyz`` says so, and workers take no new message (those they hold they
finish). Everything already accepted stays queued in the outbox or the transport, and flows again
when the window closes: nothing is lost. Both ends are audited.
"""

from __future__ import annotations

import time

from gateway.domain.audit import AuditAction
from gateway.domain.maintenance import Window
from gateway.errors import IllegalTransition, InMaintenance, InputInvalid
from gateway.service.services import Services

READ_EVERY_SECONDS = 1.0
RETRY_AFTER_SECONDS = 60


def start_maintenance(svc: Services, reason: str, *, actor: str) -> Window:
    reason = reason.strip()
    if not reason:
        raise InputInvalid("say why (--reason): it is shown to whoever is refused")
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if uow.maintenance.current() is not None:
            raise IllegalTransition("maintenance is already on", target="maintenance")
        uow.maintenance.start(reason, by=actor, at=at)
        uow.audit.record(AuditAction.MAINTENANCE_STARTED, actor=actor, at=at, reason=reason)
        uow.commit()
    svc._maintenance.clear()
    return Window(at, actor, reason)


def end_maintenance(svc: Services, *, actor: str) -> None:
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        if not uow.maintenance.end(by=actor, at=at):
            raise IllegalTransition("maintenance is not on", target="running")
        uow.audit.record(AuditAction.MAINTENANCE_ENDED, actor=actor, at=at)
        uow.commit()
    svc._maintenance.clear()


def current_window(svc: Services) -> Window | None:
    """The open window, read at most once a second per process (a window opened by another
    process is seen within that second)."""
    if svc._maintenance:
        read_at, window = svc._maintenance[0]
        if time.monotonic() - read_at < READ_EVERY_SECONDS:
            return window  # type: ignore[return-value]
    with svc.store.unit_of_work() as uow:
        window = uow.maintenance.current()
    svc._maintenance[:] = [(time.monotonic(), window)]
    return window


def refuse_in_maintenance(svc: Services) -> None:
    """Raise InMaintenance (503) while a window is open."""
    window = current_window(svc)
    if window is not None:
        raise InMaintenance(
            f"the gateway is paused for maintenance ({window.reason}); try again later"
        )
