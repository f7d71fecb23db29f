"""The ``soap`` kind: call an agency's SOAP service (zeep) with the signed edXML.

Config:

| key | meaning |
|---|---|
| ``wsdl`` (required) | WSDL location: http(s) URL or a local file |
| ``operation`` (required) | the operation that receives a document |
| ``service``, ``port`` | which service/port of the WSDL (default: the first) |
| ``document_param`` | the operation's parameter that carries the edXML (default: its first) |
| ``encoding`` | ``string`` (the XML text) or ``base64`` (base64Binary); default ``string`` |
| ``status_operation`` | optional operation that answers the status of a DocumentId |
| ``timeout``, ``wsdl_timeout`` | seconds per call / to load the WSDL (at least the gateway's) |
| ``ca_bundle``, ``client_cert``, ``client_key`` | TLS: trusted CAs, client certificate |
| ``username``, ``password``, ``auth`` | ``basic`` (HTTP) or ``wsse`` (WS-Security UsernameToken) |

Outcomes: a return value = delivered (a string or bytes answer is checked as the agency's signed
receipt, anything else is kept as its acknowledgement); a SOAP fault whose code is ``Client`` /
``Sender`` = permanent, any other fault = transient; timeouts, refused connections and HTTP 5xx =
transient; other HTTP errors and unparseable answers = permanent.

The exact request and response envelopes of every call (the password of a UsernameToken masked)
are attached to the response or to the error as evidence (see :class:`~adapters.base.Envelopes`).
With ``encoding = string`` the receiver's XML parser normalises line ends in the text; agencies
that need the exact bytes should use ``base64``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import requests
import zeep
import zeep.exceptions
import zeep.helpers
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapters.base import Adapter, AdapterResponse, Envelopes, OutboundDocument
from gateway.errors import InputInvalid, PermanentDeliveryError, TransientDeliveryError

PERMANENT_FAULTS = ("client", "sender")


def _plain(value: Any) -> Any:
    """A zeep result as plain Python values (zeep is untyped: its calls are wrapped here)."""
    return zeep.helpers.serialize_object(value)  # type: ignore[no-untyped-call]


class _Session(requests.Session):
    """requests lets the REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE environment variables override a
    session's ``verify`` (psf/requests#3829): pass the configured CA bundle with every request,
    so an agency's ``ca_bundle`` always applies."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        kwargs.setdefault("verify", self.verify)
        verb = method if isinstance(method, str) else method.decode("ascii")
        return super().request(verb, url, *args, **kwargs)


class EvidenceTransport(Transport):
    """A zeep transport that keeps the exact bytes of the last exchange of each thread
    (zeep's ``HistoryPlugin`` keeps parsed trees; evidence needs the bytes on the wire)."""

    def __init__(
        self,
        *,
        session: requests.Session,
        load_timeout: float,
        operation_timeout: float,
        mask: bytes | None = None,
    ) -> None:
        super().__init__(  # type: ignore[no-untyped-call]  # zeep is untyped
            timeout=load_timeout, operation_timeout=operation_timeout, session=session
        )
        self._local = threading.local()
        self._mask = mask

    def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> Any:
        raw = message.encode() if isinstance(message, str) else message
        self._local.envelopes = Envelopes(self._masked(raw))
        response = super().post(address, message, headers)  # type: ignore[no-untyped-call]
        self._local.envelopes = Envelopes(self._masked(raw), response.content)
        return response

    def take(self) -> Envelopes | None:
        envelopes: Envelopes | None = getattr(self._local, "envelopes", None)
        self._local.envelopes = None
        return envelopes

    def _masked(self, raw: bytes) -> bytes:
        return raw.replace(self._mask, b"****") if self._mask else raw


class SoapAdapter(Adapter):
    kind = "soap"
    secret_fields = frozenset({"password"})
    summary = "SOAP service described by a WSDL (zeep); edXML as a string or base64 parameter"

    def __init__(self, config: Mapping[str, Any], *, timeout: float) -> None:
        self.config = dict(config)
        self.wsdl = str(config["wsdl"])
        self.operation = str(config["operation"])
        self.service_name = config.get("service")
        self.port_name = config.get("port")
        self.document_param = config.get("document_param")
        self.encoding = str(config.get("encoding", "string"))
        self.status_operation = config.get("status_operation")
        self.timeout = float(config.get("timeout", timeout))
        # loading the WSDL happens once per configuration and can be slow (servers generate it):
        # it is not held to a short per-call timeout
        self.wsdl_timeout = float(config.get("wsdl_timeout", max(timeout, self.timeout)))
        self._client: zeep.Client | None = None
        self._proxy: Any = None
        self._lock = threading.Lock()
        self.session = _Session()
        if config.get("ca_bundle"):
            self.session.verify = str(config["ca_bundle"])
        if config.get("client_cert"):
            cert = str(config["client_cert"])
            self.session.cert = (
                (cert, str(config["client_key"])) if config.get("client_key") else cert
            )
        auth = config.get("auth")
        password = config.get("password")
        self.wsse = None
        mask = None
        if auth == "basic":
            self.session.auth = (str(config["username"]), str(password))
        elif auth == "wsse":
            self.wsse = UsernameToken(  # type: ignore[no-untyped-call]  # zeep is untyped
                str(config["username"]), str(password)
            )
            mask = escape(str(password)).encode()
        self.transport = EvidenceTransport(
            session=self.session,
            load_timeout=self.wsdl_timeout,
            operation_timeout=self.timeout,
            mask=mask,
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, timeout: float) -> SoapAdapter:
        """Checks the fields only; the WSDL is loaded by :meth:`check` or on first use."""
        wsdl = config.get("wsdl")
        if not isinstance(wsdl, str) or not wsdl:
            raise InputInvalid("soap adapter: 'wsdl' (a URL or a file) is required")
        if not wsdl.startswith(("http://", "https://")) and not Path(wsdl).is_file():
            raise InputInvalid(
                f"soap adapter: 'wsdl' {wsdl!r} is neither an http(s) URL nor a readable file"
            )
        if not isinstance(config.get("operation"), str) or not config["operation"]:
            raise InputInvalid(
                "soap adapter: 'operation' (the one that receives a document) is required"
            )
        if config.get("encoding", "string") not in ("string", "base64"):
            raise InputInvalid("soap adapter: 'encoding' must be string or base64")
        auth = config.get("auth")
        if auth not in (None, "basic", "wsse"):
            raise InputInvalid("soap adapter: 'auth' must be basic or wsse")
        if auth and not (config.get("username") and config.get("password")):
            raise InputInvalid(f"soap adapter: auth {auth} needs 'username' and 'password'")
        if config.get("client_key") and not config.get("client_cert"):
            raise InputInvalid("soap adapter: 'client_key' needs 'client_cert'")
        for key in ("ca_bundle", "client_cert", "client_key"):
            if config.get(key) and not Path(str(config[key])).is_file():
                raise InputInvalid(f"soap adapter: {key} {config[key]!r} is not a file")
        for key in ("timeout", "wsdl_timeout"):
            if key in config:
                try:
                    if float(config[key]) <= 0:
                        raise ValueError
                except (TypeError, ValueError):
                    raise InputInvalid(f"soap adapter: {key!r} must be positive seconds") from None
        return cls(config, timeout=timeout)

    # -- the WSDL -----------------------------------------------------------------------------

    def _load(self) -> tuple[zeep.Client, Any]:
        """Load the WSDL and bind the service/port (once).

        Raises:
            InputInvalid: the WSDL cannot be loaded, or has no such service, port or operation.
        """
        with self._lock:
            if self._client is not None:
                return self._client, self._proxy
            settings = zeep.Settings(
                strict=True,
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=False,
                xml_huge_tree=False,
            )
            try:
                client = zeep.Client(  # type: ignore[no-untyped-call]  # zeep is untyped
                    self.wsdl, transport=self.transport, settings=settings, wsse=self.wsse
                )
            except requests.RequestException as e:
                raise InputInvalid(
                    f"soap adapter: cannot load the WSDL {self.wsdl}: {_describe(e)}"
                ) from e
            except (zeep.exceptions.Error, OSError, ValueError) as e:
                raise InputInvalid(
                    f"soap adapter: the WSDL {self.wsdl} is not usable: {type(e).__name__}: {e}"
                ) from e
            binding = self._binding(client)
            operations = sorted(binding._operations)
            for name in filter(None, (self.operation, self.status_operation)):
                if name not in operations:
                    raise InputInvalid(
                        f"soap adapter: the WSDL has no operation {name!r} "
                        f"(it has: {', '.join(operations) or 'none'})"
                    )
            params = _parameters(binding.get(self.operation))
            if self.document_param is None:
                if not params:
                    raise InputInvalid(
                        f"soap adapter: operation {self.operation!r} takes no "
                        "parameter to carry the document"
                    )
                self.document_param = params[0]
            elif params and self.document_param not in params:
                raise InputInvalid(
                    f"soap adapter: operation {self.operation!r} has no "
                    f"parameter {self.document_param!r} (it has: "
                    f"{', '.join(params)})"
                )
            if self.service_name and self.port_name:
                proxy = client.bind(self.service_name, self.port_name)
            else:
                proxy = client.bind(self.service_name) if self.service_name else client.service
            self._client, self._proxy = client, proxy
            return client, proxy

    def _binding(self, client: zeep.Client) -> Any:
        services = client.wsdl.services
        if not services:
            raise InputInvalid(f"soap adapter: the WSDL {self.wsdl} declares no service")
        name = self.service_name or next(iter(services))
        if name not in services:
            raise InputInvalid(
                f"soap adapter: the WSDL has no service {name!r} (it has: {', '.join(services)})"
            )
        ports = services[name].ports
        port = self.port_name or next(iter(ports))
        if port not in ports:
            raise InputInvalid(
                f"soap adapter: service {name!r} has no port {port!r} (it has: {', '.join(ports)})"
            )
        return ports[port].binding

    def check(self) -> str:
        self._load()
        return (
            f"WSDL loaded; operation {self.operation}({self.document_param}: "
            f"{self.encoding})"
            + (f", status via {self.status_operation}" if self.status_operation else "")
        )

    # -- calls ---------------------------------------------------------------------------------

    def deliver(self, document: OutboundDocument) -> AdapterResponse:
        try:
            _, proxy = self._load()
        except InputInvalid as e:  # the agency's WSDL server may be down: try again later
            raise TransientDeliveryError(e.message) from e
        # base64Binary: zeep encodes the bytes; string: the XML text itself
        value: bytes | str = (
            document.body if self.encoding == "base64" else document.body.decode("utf-8")
        )
        started = time.perf_counter()
        try:
            result = proxy[self.operation](**{str(self.document_param): value})
        except Exception as e:
            raise self._translate(e, self.transport.take()) from e
        elapsed = (time.perf_counter() - started) * 1000
        envelopes = self.transport.take()
        return AdapterResponse(
            f"SOAP {self.operation} OK",
            _answer_bytes(result),
            "application/xml" if isinstance(result, str | bytes) else "",
            elapsed,
            envelopes,
        )

    def poll_status(self, doc_key: str) -> Any:
        """Ask the agency for the status of a DocumentId through ``status_operation``."""
        if not self.status_operation:
            raise InputInvalid("soap adapter: no 'status_operation' configured")
        _, proxy = self._load()
        try:
            return _plain(proxy[self.status_operation](doc_key))
        except Exception as e:
            raise self._translate(e, self.transport.take()) from e

    def status(self, doc_key: str) -> str | None:
        return str(self.poll_status(doc_key)) if self.status_operation else None

    def _translate(self, error: Exception, envelopes: Envelopes | None) -> Exception:
        where = f"{self.operation} at {self.wsdl}"
        if isinstance(error, zeep.exceptions.Fault):
            code = str(error.code or "")
            reason = f"SOAP fault {code or '(no code)'} from {where}: {error.message}"[:1000]
            if code.rsplit(":", 1)[-1].lower().startswith(PERMANENT_FAULTS):
                return PermanentDeliveryError(reason, envelopes=envelopes)
            return TransientDeliveryError(reason, envelopes=envelopes)
        if isinstance(error, requests.Timeout):
            return TransientDeliveryError(
                f"timeout after {self.timeout:g} s calling {where}", envelopes=envelopes
            )
        if isinstance(error, requests.RequestException):
            return TransientDeliveryError(
                f"cannot reach {where}: {_describe(error)}", envelopes=envelopes
            )
        if isinstance(error, zeep.exceptions.TransportError):
            reason = f"HTTP {error.status_code} from {where}"
            if error.status_code == 429 or error.status_code >= 500:
                return TransientDeliveryError(reason, envelopes=envelopes)
            return PermanentDeliveryError(reason, envelopes=envelopes)
        return PermanentDeliveryError(
            f"unusable SOAP answer from {where}: {type(error).__name__}: {error}"[:1000],
            envelopes=envelopes,
        )

    def close(self) -> None:
        self.session.close()


def _parameters(operation: Any) -> list[str]:
    try:
        return [name for name, _ in operation.input.body.type.elements]
    except AttributeError:
        return []


def _answer_bytes(result: Any) -> bytes:
    if isinstance(result, bytes):
        return result
    if isinstance(result, str):
        return result.encode("utf-8")
    if result is None:
        return b""
    return str(_plain(result)).encode("utf-8")


def _describe(error: Exception) -> str:
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code}"
    if isinstance(error, requests.Timeout):
        return "timed out"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS failed: {str(error)[-200:]}"
    if isinstance(error, requests.ConnectionError):
        return "connection refused or host unreachable"
    return type(error).__name__
