"""Configuration from ``GATEWAY_*`` environment variables, with working one-machine defaults.

| variable                      | default                              |
|-------------------------------|--------------------------------------|
| GATEWAY_HOME                  | ./var                                |
| GATEWAY_DATABASE_URL          | sqlite:///<home>/gateway.db          |
| GATEWAY_BROKER_URL            | embedded (the database-backed queue) |
| GATEWAY_BROKER_PREFIX         | pakn (RabbitMQ names start with it)  |
| GATEWAY_BROKER_PREFETCH       | 2 (unacked messages per queue)       |
| GATEWAY_BROKER_HEARTBEAT      | 30 (seconds)                         |
| GATEWAY_PKI_DIR               | <home>/pki (development PKI)         |
| GATEWAY_SIGNING_KEY / _CERT   | (dev PKI's gateway key/certificate)  |
| GATEWAY_TRUSTED_CA            | (dev PKI's CA; PEM paths, ':'-sep.)  |
| GATEWAY_CRL_DIR               | <pki>/crl (CRL files, DER or PEM)    |
| GATEWAY_HTTP_HOST / _PORT     | 127.0.0.1 / 8080                     |
| GATEWAY_PUBLIC_URL            | http://<host>:<port>                 |
| GATEWAY_ORGAN_ID              | 000.00.00.G22 (VPCP)                 |
| GATEWAY_MAX_DOCUMENT_BYTES    | 16777216                             |
| GATEWAY_CALENDAR_OVERRIDES    | (shipped file)                       |
| GATEWAY_WORKER_THREADS        | 4                                    |
| GATEWAY_LEASE_SECONDS         | 30                                   |
| GATEWAY_MAX_ATTEMPTS          | 8                                    |
| GATEWAY_RETRY_BASE_SECONDS    | 1.0                                  |
| GATEWAY_RETRY_CAP_SECONDS     | 300                                  |
| GATEWAY_ADAPTER_TIMEOUT       | 10                                   |
| GATEWAY_AUDIT_SEAL_EVENTS     | 1000 (seal the audit chain every N…) |
| GATEWAY_AUDIT_SEAL_MINUTES    | 10   (…or T minutes, if anything new)|
| GATEWAY_REMINDER_DAYS         | 3 (working days left; 0 = none)      |
| GATEWAY_REPEAT_SIMILARITY     | 0.8                                  |
| GATEWAY_SCHEDULER_INTERVAL    | 1 (seconds between deadline checks)  |
| GATEWAY_ROUTING_RULES         | (none: operators route by hand)      |
| GATEWAY_API_TOKEN             | (none: made once in <home>/api-token)|
| GATEWAY_MAX_JSON_BYTES        | 262144 (other request bodies)        |
| GATEWAY_BODY_SECONDS          | 10 (to send a whole request body)    |
| GATEWAY_DB_BUSY_SECONDS       | 10 (SQLite: wait for the write lock) |
| GATEWAY_PORTALS               | nguoidan,doanhnghiep,cli             |
| GATEWAY_CLOCK_SKEW_SECONDS    | 300 (an agency clock may be off by)  |

Reading settings touches no file, database or key: that happens in ``bootstrap``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from gateway.domain.documents import VPCP_ORGAN_ID
from gateway.errors import ConfigurationError


@dataclass(frozen=True)
class Settings:
    home: Path = Path("var")
    database_url: str = ""
    broker_url: str = "embedded"
    broker_prefix: str = "pakn"
    broker_prefetch: int = 2
    broker_heartbeat: int = 30
    pki_dir: Path | None = None
    signing_key: Path | None = None
    signing_cert: Path | None = None
    trusted_ca: tuple[Path, ...] = ()
    crl_dir: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str = ""
    organ_id: str = VPCP_ORGAN_ID
    organ_name: str = "Văn phòng Chính phủ"
    max_document_bytes: int = 16 * 1024 * 1024
    calendar_overrides: str | None = None
    worker_threads: int = 4
    lease_seconds: float = 30.0
    max_attempts: int = 8
    retry_base_seconds: float = 1.0
    retry_cap_seconds: float = 300.0
    adapter_timeout: float = 10.0
    reminder_days: int = 3
    """Remind an agency when this many working days of its period are left (0: never)."""
    repeat_similarity: float = 0.8
    """How alike (0..1, Vietnamese text normalised) a new petition must be to an answered one
    from the same petitioner to count as a repeat."""
    scheduler_interval: float = 1.0
    routing_rules: str | None = None
    """A TOML file of routing rules (category/keywords → agencies) for unrouted petitions."""
    api_token: str | None = field(default=None, repr=False)
    """The bootstrap token for the HTTP API (see gateway.api.auth): every right; never printed.
    People and portals get accounts and tokens of their own (``gateway user``)."""
    session_hours: float = 8.0
    """A console session ends this long after login (a working day), whatever happens."""
    login_max_failures: int = 5
    """Failed logins for one user name within ``login_window_minutes`` before logins for it
    are refused until the window has passed."""
    login_window_minutes: float = 15.0
    timezone: str = "Asia/Ho_Chi_Minh"
    audit_seal_events: int = 1000
    audit_seal_minutes: float = 10.0
    max_json_bytes: int = 256 * 1024
    """The largest request body on every route but /v1/edxml (which has max_document_bytes)."""
    body_seconds: float = 10.0
    """A client has this long to send a whole request body, then gets 408 BODY_TIMEOUT."""
    db_busy_seconds: float = 10.0
    """SQLite: how long a writer waits for the write lock before 503 DATABASE_BUSY."""
    portals: tuple[str, ...] = ("nguoidan", "doanhnghiep", "cli")
    """The petition portals a petition may come from (Cổng DVC người dân / doanh nghiệp)."""
    clock_skew_seconds: int = 300
    report_min_petitions: int = 10
    """Quarterly reports rank (name or commend) an agency only with this many petitions due."""
    report_named_below: float = 0.60
    """Named when even the upper confidence bound of its on-time rate is below this."""
    report_commended_from: float = 0.85
    """Commended when even the lower confidence bound of its on-time rate reaches this."""
    report_silent_named_from: int = 5
    """Named as evasive with this many cases silent for more than the period."""
    """How far an agency's clock may be off ours: its timestamps must lie within
    [petition received - skew, now + skew] (gateway.domain.timestamps)."""

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'gateway.db').resolve()}"

    @property
    def pki_path(self) -> Path:
        return self.pki_dir if self.pki_dir is not None else self.home / "pki"

    @property
    def crl_path(self) -> Path:
        return self.crl_dir if self.crl_dir is not None else self.pki_path / "crl"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.http_host}:{self.http_port}"

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = env.get(f"GATEWAY_{name}")
            return value if value not in (None, "") else None

        def number(name: str, kind: type[int] | type[float], default: float) -> float:
            raw = get(name)
            if raw is None:
                return default
            try:
                value = kind(raw)
            except ValueError as e:
                raise ConfigurationError(f"GATEWAY_{name}={raw!r} is not a number") from e
            if value <= 0:
                raise ConfigurationError(f"GATEWAY_{name} must be positive")
            return value

        base = cls()
        home = Path(get("HOME") or base.home)
        pki = get("PKI_DIR")
        key, cert = get("SIGNING_KEY"), get("SIGNING_CERT")
        if bool(key) != bool(cert):
            raise ConfigurationError("set both GATEWAY_SIGNING_KEY and GATEWAY_SIGNING_CERT")
        trusted = tuple(Path(p) for p in (get("TRUSTED_CA") or "").split(":") if p)
        if key and not trusted:
            raise ConfigurationError("GATEWAY_SIGNING_KEY needs GATEWAY_TRUSTED_CA too")
        return cls(
            home=home,
            database_url=get("DATABASE_URL") or "",
            broker_url=get("BROKER_URL") or base.broker_url,
            broker_prefix=get("BROKER_PREFIX") or base.broker_prefix,
            broker_prefetch=int(number("BROKER_PREFETCH", int, base.broker_prefetch)),
            broker_heartbeat=int(number("BROKER_HEARTBEAT", int, base.broker_heartbeat)),
            pki_dir=Path(pki) if pki else None,
            signing_key=Path(key) if key else None,
            signing_cert=Path(cert) if cert else None,
            trusted_ca=trusted,
            crl_dir=Path(crl) if (crl := get("CRL_DIR")) else None,
            http_host=get("HTTP_HOST") or base.http_host,
            http_port=int(number("HTTP_PORT", int, base.http_port)),
            public_url=get("PUBLIC_URL") or "",
            organ_id=get("ORGAN_ID") or base.organ_id,
            max_document_bytes=int(number("MAX_DOCUMENT_BYTES", int, base.max_document_bytes)),
            calendar_overrides=get("CALENDAR_OVERRIDES"),
            worker_threads=int(number("WORKER_THREADS", int, base.worker_threads)),
            lease_seconds=number("LEASE_SECONDS", float, base.lease_seconds),
            max_attempts=int(number("MAX_ATTEMPTS", int, base.max_attempts)),
            retry_base_seconds=number("RETRY_BASE_SECONDS", float, base.retry_base_seconds),
            retry_cap_seconds=number("RETRY_CAP_SECONDS", float, base.retry_cap_seconds),
            adapter_timeout=number("ADAPTER_TIMEOUT", float, base.adapter_timeout),
            audit_seal_events=int(number("AUDIT_SEAL_EVENTS", int, base.audit_seal_events)),
            audit_seal_minutes=number("AUDIT_SEAL_MINUTES", float, base.audit_seal_minutes),
            reminder_days=_reminder_days(get("REMINDER_DAYS"), base.reminder_days),
            repeat_similarity=_fraction(
                "REPEAT_SIMILARITY", get("REPEAT_SIMILARITY"), base.repeat_similarity
            ),
            scheduler_interval=number("SCHEDULER_INTERVAL", float, base.scheduler_interval),
            routing_rules=get("ROUTING_RULES"),
            api_token=get("API_TOKEN") or None,
            session_hours=number("SESSION_HOURS", float, base.session_hours),
            login_max_failures=int(number("LOGIN_MAX_FAILURES", int, base.login_max_failures)),
            login_window_minutes=number("LOGIN_WINDOW_MINUTES", float, base.login_window_minutes),
            max_json_bytes=int(number("MAX_JSON_BYTES", int, base.max_json_bytes)),
            body_seconds=number("BODY_SECONDS", float, base.body_seconds),
            db_busy_seconds=number("DB_BUSY_SECONDS", float, base.db_busy_seconds),
            portals=_portals(get("PORTALS"), base.portals),
            clock_skew_seconds=int(number("CLOCK_SKEW_SECONDS", int, base.clock_skew_seconds)),
            report_min_petitions=_positive(
                "REPORT_MIN_PETITIONS", get("REPORT_MIN_PETITIONS"), base.report_min_petitions
            ),
            report_named_below=_fraction(
                "REPORT_NAMED_BELOW", get("REPORT_NAMED_BELOW"), base.report_named_below
            ),
            report_commended_from=_fraction(
                "REPORT_COMMENDED_FROM", get("REPORT_COMMENDED_FROM"), base.report_commended_from
            ),
            report_silent_named_from=_positive(
                "REPORT_SILENT_NAMED_FROM",
                get("REPORT_SILENT_NAMED_FROM"),
                base.report_silent_named_from,
            ),
        )


def _portals(raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    portals = tuple(dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()))
    if not portals:
        raise ConfigurationError("GATEWAY_PORTALS must name at least one portal")
    return portals


def _reminder_days(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > 19:
        raise ConfigurationError(f"GATEWAY_REMINDER_DAYS={raw!r}: a whole number 0–19")
    return int(raw)


def _positive(name: str, raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"GATEWAY_{name}={raw!r}: a whole number, at least 1")
    return int(raw)


def _fraction(name: str, raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise ConfigurationError(f"GATEWAY_{name}={raw!r} is not a number") from e
    if not 0 < value <= 1:
        raise ConfigurationError(f"GATEWAY_{name} must be in (0, 1]")
    return value
