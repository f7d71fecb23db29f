"""What every use case needs, wired once by ``gateway.bootstrap``."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from adapters.base import Adapter
from adapters.registry import AdapterRegistry
from gateway.clock import Clock
from gateway.config import Settings
from gateway.domain.calendar import WorkingCalendar
from gateway.errors import ErrorCode, SignatureRejected
from gateway.store.agencies import AdapterRecord
from gateway.store.uow import Store
from gateway.transport.base import Transport
from signing import VerifiedDocument, Verifier, XmlSigner
from signing.certificates import LiveTrust


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Services:
    settings: Settings
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

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def organ_id(self) -> str:
        return self.settings.organ_id

    @property
    def verifier(self) -> Verifier:
        """Strict: SHA-2 signatures only."""
        return self.trust.current().strict

    @property
    def legacy_verifier(self) -> Verifier:
        """Also accepts RSA-SHA1 — used only for agencies flagged legacy."""
        return self.trust.current().legacy

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

    def verify_signed(
        self, root: etree._Element, organ_id: str | None, *, at: datetime | None = None
    ) -> VerifiedDocument:
        """Verify a document that says it comes from ``organ_id``, and bind its signer to it.

        SHA-1 signatures are accepted only when that agency is flagged legacy (old e-office
        software): the strict verifier runs first; only on its SHA-1 refusal, and only for such an
        agency, does the permissive one. ``organ_id=None`` verifies without binding (the caller
        binds once it has read the signed content). The certificate must be valid at ``at``
        (default: now).

        Raises:
            SignatureRejected: any SIGNATURE_* / CERT_* code.
        """
        verifiers = self.trust.current()
        try:
            verified = verifiers.strict.verify(root, at=at)
        except SignatureRejected as e:
            if e.code != ErrorCode.SIGNATURE_ALGORITHM_REFUSED or not self._legacy(organ_id):
                raise
            verified = verifiers.legacy.verify(root, at=at)
        if organ_id is not None:
            verified.require_organ(organ_id)
        return verified

    def _legacy(self, organ_id: str | None) -> bool:
        if not organ_id:
            return False
        with self.store.unit_of_work() as uow:
            agency = uow.agencies.get(organ_id)
        return agency is not None and agency.legacy_sha1

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
