"""The composition root: the one place that turns Settings into wired-up services.

Nothing here runs at import time; the CLI calls :func:`bootstrap` inside a command, so ``--help``
never touches a database, a broker or a key.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from adapters.registry import AdapterRegistry
from gateway.calendar_source import calendar_from_file
from gateway.clock import Clock, SystemClock
from gateway.config import Settings
from gateway.domain.deadlines import ClockPolicy
from gateway.domain.reports import Thresholds
from gateway.errors import ConfigurationError, SignatureRejected
from gateway.service.policies import (
    AccountPolicy,
    DeliveryPolicy,
    Identity,
    InboundPolicy,
    IntakePolicy,
    RoutingPolicy,
    SealPolicy,
)
from gateway.service.services import Services
from gateway.store.db import make_engine, upgrade
from gateway.store.uow import Store
from gateway.transport.base import Transport
from gateway.transport.embedded import EmbeddedTransport
from signing import (
    DevPki,
    KeyPair,
    XmlSigner,
    load_key_pair,
)
from signing.certificates import CertificateDirectory, LiveTrust
from signing.policy import check_signer


def dev_pki(settings: Settings) -> DevPki:
    """The development PKI, made on first use (so `make run` works on any machine)."""
    pki = DevPki(settings.pki_path)
    pki.init(gateway_organ_id=settings.organ_id, gateway_name=settings.organ_name)
    return pki


def certificate_directory(settings: Settings) -> CertificateDirectory:
    """Imported agency certificates, the local revocation list and the CRL folder."""
    return CertificateDirectory(settings.pki_path, settings.crl_path)


def keys(settings: Settings) -> tuple[KeyPair, tuple[Path, ...]]:
    """The gateway's signing key pair (loaded once) and the trusted CA files.

    Raises:
        ConfigurationError: the key or certificate cannot be loaded, or the certificate does not
            meet the signer key policy (with its code: KEY_TOO_WEAK, CERT_CA_SIGNER, …).
    """
    if settings.signing_key and settings.signing_cert:
        key_pair = load_key_pair(settings.signing_key, settings.signing_cert)
        trusted = settings.trusted_ca
    else:
        pki = dev_pki(settings)
        key_pair = load_key_pair(pki.gateway_key_path, pki.gateway_cert_path)
        trusted = (pki.ca_path,)
    try:
        check_signer(key_pair.certificate)
    except SignatureRejected as e:
        raise ConfigurationError(
            f"the gateway's signing certificate cannot sign documents: {e.message}", code=e.code
        ) from e
    return key_pair, trusted


def make_transport(settings: Settings, store: Store) -> Transport:
    """The transport GATEWAY_BROKER_URL names: the embedded queue lives in ``store``'s database."""
    url = settings.broker_url
    if url == "embedded":
        return EmbeddedTransport(store.engine, lease_seconds=settings.lease_seconds)
    if url.startswith(("amqp://", "amqps://")):
        from gateway.transport.rabbitmq import RabbitTransport

        return RabbitTransport(
            url,
            prefix=settings.broker_prefix,
            prefetch=settings.broker_prefetch,
            heartbeat=settings.broker_heartbeat,
        )
    raise ConfigurationError(f"GATEWAY_BROKER_URL={url!r}: use 'embedded' or amqp://…")


def bootstrap(
    settings: Settings | None = None, *, clock: Clock | None = None, migrate: bool = True
) -> Services:
    settings = settings or Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url, busy_seconds=settings.db_busy_seconds)
    if migrate:
        upgrade(engine)
    store = Store(engine)
    key_pair, trusted = keys(settings)
    return Services(
        settings=settings,
        identity=Identity(settings.organ_id, settings.organ_name, ZoneInfo(settings.timezone)),
        delivery_policy=DeliveryPolicy(
            max_attempts=settings.max_attempts,
            retry_base_seconds=settings.retry_base_seconds,
            retry_cap_seconds=settings.retry_cap_seconds,
            adapter_timeout=settings.adapter_timeout,
        ),
        inbound_policy=InboundPolicy(
            max_document_bytes=settings.max_document_bytes,
            clock_skew_seconds=settings.clock_skew_seconds,
        ),
        intake_policy=IntakePolicy(
            portals=settings.portals, repeat_similarity=settings.repeat_similarity
        ),
        routing_policy=RoutingPolicy(rules_file=settings.routing_rules),
        account_policy=AccountPolicy(
            session_hours=settings.session_hours,
            login_max_failures=settings.login_max_failures,
            login_window_minutes=settings.login_window_minutes,
        ),
        seal_policy=SealPolicy(
            every_events=settings.audit_seal_events, every_minutes=settings.audit_seal_minutes
        ),
        deadline_policy=ClockPolicy(reminder_days=settings.reminder_days),
        report_thresholds=Thresholds(
            min_petitions=settings.report_min_petitions,
            named_below=settings.report_named_below,
            commended_from=settings.report_commended_from,
            silent_named_from=settings.report_silent_named_from,
        ),
        store=store,
        transport=make_transport(settings, store),
        clock=clock or SystemClock(),
        signer=XmlSigner(key_pair),
        trust=LiveTrust(certificate_directory(settings), trusted),
        calendar=calendar_from_file(settings.calendar_overrides),
        adapters=AdapterRegistry(timeout=settings.adapter_timeout),
    )
