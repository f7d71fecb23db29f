"""What every use case needs, wired once by ``gateway.bootstrap``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from adapters.base import Adapter
from adapters.registry import AdapterRegistry
from gateway.clock import Clock
from gateway.config import Settings
from gateway.domain.calendar import WorkingCalendar
from gateway.domain.deadlines import ClockPolicy
from gateway.domain.reports import Thresholds
from gateway.service.policies import (
    AccountPolicy,
    DeliveryPolicy,
    Identity,
    InboundPolicy,
    IntakePolicy,
    RoutingPolicy,
    SealPolicy,
)
from gateway.store.agencies import AdapterRecord
from gateway.store.uow import Store
from gateway.transport.base import Transport
from signing import Verifier, XmlSigner
from signing.certificates import LiveTrust


@dataclass(frozen=True)
class Services:
    """Built once by ``gateway.bootstrap`` and never changed (its adapter cache aside): to run
    with another clock or other settings, bootstrap again with them."""

    settings: Settings
    """For the entry points (API limits, worker threads, …); use cases read their policies."""
    identity: Identity
    delivery_policy: DeliveryPolicy
    inbound_policy: InboundPolicy
    intake_policy: IntakePolicy
    routing_policy: RoutingPolicy
    account_policy: AccountPolicy
    seal_policy: SealPolicy
    deadline_policy: ClockPolicy
    """The case clock: the directive's defaults, with the configured reminder."""
    report_thresholds: Thresholds
    """Who quarterly reports name and commend."""
    store: Store
    clock: Clock
    signer: XmlSigner
    trust: LiveTrust
    """The trust store and verifiers, following `gateway pki import` without a restart."""
    calendar: WorkingCalendar
    adapters: AdapterRegistry
    transport: Transport
    """The message transport (RabbitMQ, or the embedded queue in the database); connects lazily."""
    _instances: dict[int, tuple[object, Adapter]] = field(default_factory=dict, repr=False)
    _retired: list[Adapter] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _reports: dict[object, tuple[float, object]] = field(default_factory=dict, repr=False)
    _maintenance: list[tuple[float, object]] = field(default_factory=list, repr=False)
    """The last maintenance window read, and when (gateway/service/maintenance.py)."""
    """Computed quarterly reports (gateway.service.reports): closed quarters kept, the current
    one for a minute."""

    @property
    def zone(self) -> ZoneInfo:
        return self.identity.zone

    @property
    def organ_id(self) -> str:
        return self.identity.organ_id

    @property
    def verifier(self) -> Verifier:
        """Strict: SHA-2 signatures only. Which documents may be signed with SHA-1, and by whom,
        is the signature policy (:mod:`gateway.service.signatures`)."""
        return self.trust.current().strict

    def adapter_for(self, record: AdapterRecord) -> Adapter:
        """The live adapter for a configured instance, rebuilt when its configuration changes
        (so running workers pick up edits without a restart)."""
        with self._lock:
            cached = self._instances.get(record.adapter_id)
            if cached is not None and cached[0] == record.updated_at:
                return cached[1]
            adapter = self.adapters.build(record.kind, record.config)
            if cached is not None:  # another thread may still be sending with it: close later
                self._retired.append(cached[1])
            self._instances[record.adapter_id] = (record.updated_at, adapter)
            return adapter

    def close(self) -> None:
        """Release everything: the transport (unsettled messages are handed out again), the
        adapters, then the database."""
        self.transport.close()
        with self._lock:
            for adapter in (*(a for _, a in self._instances.values()), *self._retired):
                adapter.close()
            self._instances.clear()
            self._retired.clear()
        self.store.dispose()
