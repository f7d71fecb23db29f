"""The deadline scheduler: every ``interval`` seconds, emit the OVERDUE events and reminders that
have come due. Any number of schedulers may run at once (in `gateway up`, in `gateway
scheduler` processes): the database's unique constraint lets exactly one emit each event."""

from __future__ import annotations

import logging
import threading

from gateway.service.deadlines import Tick, tick_deadlines
from gateway.service.services import Services

log = logging.getLogger("gateway.scheduler")


class DeadlineScheduler:
    def __init__(self, svc: Services, *, interval: float | None = None) -> None:
        self.svc = svc
        self.interval = interval if interval is not None else svc.settings.scheduler_interval

    def run_once(self) -> Tick:
        tick = tick_deadlines(self.svc)
        if tick.overdue or tick.reminders:
            log.info("deadlines: %d overdue, %d reminders", len(tick.overdue), len(tick.reminders))
        return tick

    def run(self, stop: threading.Event) -> None:
        log.info("deadline scheduler started (every %.1f s)", self.interval)
        while not stop.is_set():
            try:
                self.run_once()
            except Exception:  # the database may be briefly away: try again next round
                log.exception("scheduler: tick failed; retrying")
            stop.wait(self.interval)
        log.info("deadline scheduler stopped")

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="scheduler", daemon=True)
        thread.start()
        return thread
