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

Reading settings touches no file, database or key: that happens in ``bootstrap``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
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
    timezone: str = "Asia/Ho_Chi_Minh"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'gateway.db').resolve()}"

    @property
    def pki_path(self) -> Path:
        return self.pki_dir if self.pki_dir is not None else self.home / "pki"

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
        )
