"""The ``rest`` kind: POST the signed edXML to an agency's HTTP endpoint (httpx).

Config: ``url`` (required), ``method`` (POST), ``headers`` (dict), ``bearer_token``,
``timeout`` (seconds). 2xx = delivered, the answer kept as evidence; timeout, connection errors,
429 and 5xx = transient; any other status = permanent.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from adapters.base import Adapter, AdapterResponse, OutboundDocument
from gateway.errors import InputInvalid, PermanentDeliveryError, TransientDeliveryError

EDXML_MEDIA_TYPE = "application/xml"


class RestAdapter(Adapter):
    kind = "rest"
    secret_fields = frozenset({"bearer_token"})

    def __init__(self, url: str, *, method: str = "POST", headers: Mapping[str, str] | None = None,
                 bearer_token: str | None = None, timeout: float = 10.0) -> None:
        self.url = url
        self.method = method
        request_headers = {"Content-Type": EDXML_MEDIA_TYPE, **(headers or {})}
        if bearer_token:
            request_headers["Authorization"] = f"Bearer {bearer_token}"
        self.client = httpx.Client(timeout=timeout, headers=request_headers)

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
        return cls(url, method=method, headers=headers, bearer_token=config.get("bearer_token"),
                   timeout=float(config.get("timeout", timeout)))

    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        started = time.perf_counter()
        try:
            response = self.client.request(self.method, self.url, content=document.body,
                                           headers={"X-Document-Sha256": document.sha256})
        except httpx.TimeoutException as e:
            raise TransientDeliveryError(f"timeout calling {self.url}") from e
        except httpx.TransportError as e:
            raise TransientDeliveryError(f"cannot reach {self.url}: {type(e).__name__}") from e
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if 200 <= status < 300:
            return AdapterResponse(f"HTTP {status}", response.content,
                                   response.headers.get("content-type", ""), elapsed)
        reason = f"HTTP {status} from {self.url}: {response.text[:200]}"
        if status == 429 or status >= 500:
            raise TransientDeliveryError(reason)
        raise PermanentDeliveryError(reason)

    def close(self) -> None:
        self.client.close()
