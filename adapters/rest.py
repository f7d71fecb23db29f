"""The ``rest`` kind: POST the signed edXML to an agency's HTTP endpoint (httpx).

Config: ``url`` (required), ``method`` (POST or PUT), ``headers`` (dict), auth by
``bearer_token`` or ``username``/``password`` (HTTP basic), TLS by ``ca_bundle`` and
``client_cert``/``client_key``, ``timeout`` (seconds), ``success_status`` (the HTTP statuses that
mean delivered; default any 2xx). Delivered: the answer is kept as evidence. Timeout, connection
errors, 429 and 5xx = transient; any other status = permanent.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from adapters.base import Adapter, AdapterResponse, OutboundDocument
from gateway.errors import InputInvalid, PermanentDeliveryError, TransientDeliveryError

EDXML_MEDIA_TYPE = "application/xml"


class RestAdapter(Adapter):
    kind = "rest"
    secret_fields = frozenset({"bearer_token", "password"})
    summary = "HTTP endpoint that takes the signed edXML (httpx); bearer, basic or client cert"

    def __init__(
        self,
        url: str,
        *,
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        bearer_token: str | None = None,
        timeout: float = 10.0,
        basic: tuple[str, str] | None = None,
        ca_bundle: str | None = None,
        client_cert: tuple[str, str | None] | None = None,
        success_status: frozenset[int] | None = None,
    ) -> None:
        self.url = url
        self.method = method
        self.success_status = success_status
        request_headers = {"Content-Type": EDXML_MEDIA_TYPE, **(headers or {})}
        if bearer_token:
            request_headers["Authorization"] = f"Bearer {bearer_token}"
        verify: ssl.SSLContext | bool = True
        if ca_bundle or client_cert:
            verify = ssl.create_default_context(cafile=ca_bundle)
            if client_cert:
                verify.load_cert_chain(client_cert[0], client_cert[1])
        self.client = httpx.Client(
            timeout=timeout,
            headers=request_headers,
            verify=verify,
            auth=httpx.BasicAuth(*basic) if basic else None,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, timeout: float) -> RestAdapter:
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InputInvalid("rest adapter: 'url' must be an http:// or https:// URL")
        method = str(config.get("method", "POST")).upper()
        if method not in ("POST", "PUT"):
            raise InputInvalid("rest adapter: 'method' must be POST or PUT")
        headers = config.get("headers") or {}
        if not isinstance(headers, dict):
            raise InputInvalid("rest adapter: 'headers' must be a mapping")
        if config.get("bearer_token") and config.get("username"):
            raise InputInvalid("rest adapter: use either a bearer token or basic auth, not both")
        basic = None
        if config.get("username") or config.get("password"):
            if not (config.get("username") and config.get("password")):
                raise InputInvalid("rest adapter: basic auth needs 'username' and 'password'")
            basic = (str(config["username"]), str(config["password"]))
        for key in ("ca_bundle", "client_cert", "client_key"):
            if config.get(key) and not Path(str(config[key])).is_file():
                raise InputInvalid(f"rest adapter: {key} {config[key]!r} is not a file")
        if config.get("client_key") and not config.get("client_cert"):
            raise InputInvalid("rest adapter: 'client_key' needs 'client_cert'")
        success = config.get("success_status")
        statuses = None
        if success:
            if not (
                isinstance(success, list)
                and all(isinstance(s, int) and 100 <= s < 600 for s in success)
            ):
                raise InputInvalid(
                    "rest adapter: 'success_status' must be a list of HTTP status codes"
                )
            statuses = frozenset(success)
        client_cert = (
            (str(config["client_cert"]), config.get("client_key"))
            if config.get("client_cert")
            else None
        )
        try:
            return cls(
                url,
                method=method,
                headers=headers,
                bearer_token=config.get("bearer_token"),
                timeout=float(config.get("timeout", timeout)),
                basic=basic,
                ca_bundle=config.get("ca_bundle"),
                client_cert=client_cert,
                success_status=statuses,
            )
        except (ssl.SSLError, OSError) as e:
            raise InputInvalid(f"rest adapter: TLS files not usable: {e}") from e

    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        started = time.perf_counter()
        try:
            response = self.client.request(
                self.method,
                self.url,
                content=document.body,
                headers={"X-Document-Sha256": document.sha256},
            )
        except httpx.TimeoutException as e:
            raise TransientDeliveryError(f"timeout calling {self.url}") from e
        except httpx.TransportError as e:
            raise TransientDeliveryError(f"cannot reach {self.url}: {type(e).__name__}") from e
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        ok = (
            status in self.success_status
            if self.success_status is not None
            else 200 <= status < 300
        )
        if ok:
            return AdapterResponse(
                f"HTTP {status}",
                response.content,
                response.headers.get("content-type", ""),
                elapsed,
            )
        reason = f"HTTP {status} from {self.url}: {response.text[:200]}"
        if status == 429 or status >= 500:
            raise TransientDeliveryError(reason)
        raise PermanentDeliveryError(reason)

    def probe(self) -> str:
        """Open (and close) a TCP connection to the endpoint."""
        url = httpx.URL(self.url)
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            socket.create_connection(
                (url.host, port), timeout=self.client.timeout.connect or 10.0
            ).close()
        except OSError as e:
            raise TransientDeliveryError(
                f"cannot reach {url.host}:{port}: {e.strerror or type(e).__name__}"
            ) from e
        return f"TCP connection to {url.host}:{port} opened"

    def close(self) -> None:
        self.client.close()
