"""A SOAP front-end for the simulated agency (spyne), publishing its own WSDL.

Operations (namespace ``urn:vn:gov:eoffice:simulator``):

- ``ReceiveEdxml(document: string) -> string`` — the edXML as XML text; answers the signed receipt;
- ``ReceiveEdxmlBase64(document: base64Binary) -> base64Binary`` — the same, as exact bytes;
- ``GetStatus(documentId: string) -> string`` — ``received`` or ``unknown``.

A transfer the agency refuses becomes a SOAP ``Client`` fault; "temporarily unavailable" becomes
a ``Server`` fault — which the gateway's ``soap`` adapter maps to permanent and transient.

spyne is an optional dependency (``pip install 'pakn-gateway[simulate]'``); it is imported only
when a SOAP front-end is built.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import warnings
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from gateway.errors import ConfigurationError

TNS = "urn:vn:gov:eoffice:simulator"
Receive = Callable[[bytes], tuple[int, bytes, str]]
"""Takes the transfer's bytes; returns (HTTP-like status, body, media type)."""


def soap_application(receive: Receive, *, known: Callable[[str], bool] | None = None) -> Any:
    """A WSGI application serving the operations above over ``receive``."""
    with warnings.catch_warnings():  # spyne's vendored six warns on import (Python 3.11)
        warnings.simplefilter("ignore")
        try:
            from spyne import Application, ByteArray, Fault, ServiceBase, Unicode, rpc
            from spyne.protocol.soap import Soap11
            from spyne.server.wsgi import WsgiApplication
            from spyne.util import six
        except ImportError as e:
            raise ConfigurationError(
                "the SOAP simulator needs spyne: pip install 'pakn-gateway[simulate]'"
            ) from e
    _modernise_six_importer(six._SixMetaPathImporter)

    # a fault is this simulator's intended answer, not an error of the server: no tracebacks
    logging.getLogger("spyne.application").setLevel(logging.CRITICAL)
    # each simulator builds its own application under the same name: spyne's registry says so
    logging.getLogger("spyne.util.appreg").setLevel(logging.ERROR)

    def answer(data: bytes) -> bytes:
        status, body, _ = receive(data)
        if status == 200:
            return body
        code = "Client" if 400 <= status < 500 else "Server"
        raise Fault(faultcode=code, faultstring=body.decode("utf-8", "replace")[:500])

    class EofficeService(ServiceBase):  # type: ignore[misc]
        @rpc(Unicode, _returns=Unicode)  # type: ignore[misc, untyped-decorator, unused-ignore]
        def ReceiveEdxml(ctx: Any, document: str) -> str:
            return answer((document or "").encode("utf-8")).decode("utf-8")

        @rpc(ByteArray, _returns=ByteArray)  # type: ignore[misc, untyped-decorator, unused-ignore]
        def ReceiveEdxmlBase64(ctx: Any, document: Any) -> list[bytes]:
            return [answer(b"".join(document or []))]

        @rpc(Unicode, _returns=Unicode)  # type: ignore[misc, untyped-decorator, unused-ignore]
        def GetStatus(ctx: Any, documentId: str) -> str:
            return "received" if known is not None and known(documentId) else "unknown"

    application = Application(
        [EofficeService],
        tns=TNS,
        name="EofficeSimulator",
        in_protocol=Soap11(validator="lxml"),
        out_protocol=Soap11(),
    )
    return WsgiApplication(application)


def _modernise_six_importer(importer: type) -> None:
    """spyne vendors an old ``six`` whose meta-path importer lacks ``find_spec``: once spyne is
    imported, *every* later failed import anywhere in the process warns (ImportWarning). Give it
    the modern protocol, as six 1.16 has it."""
    if "find_spec" in importer.__dict__:
        return

    def find_spec(self: Any, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname in self.known_modules:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self: Any, spec: Any) -> Any:
        return self.load_module(spec.name)

    def exec_module(self: Any, module: Any) -> None:
        """Loaded by create_module already."""

    importer.find_spec = find_spec  # type: ignore[attr-defined]
    importer.create_module = create_module  # type: ignore[attr-defined]
    importer.exec_module = exec_module  # type: ignore[attr-defined]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log (it would print agency addresses on every call)."""


class SoapServer:
    """Serve a WSGI SOAP application on a background thread; ``wsdl_url`` is its WSDL."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, *, name: str = "SOAP simulator"
    ) -> None:
        try:
            self.httpd = make_server(
                host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
            )
        except OSError as e:
            raise ConfigurationError(f"{name}: cannot listen on {host}:{port}: {e.strerror}") from e
        self.host, self.port = str(self.httpd.server_address[0]), self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=name, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def wsdl_url(self) -> str:
        return f"{self.url}?wsdl"

    def start(self) -> SoapServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)
