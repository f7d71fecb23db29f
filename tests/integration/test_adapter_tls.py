"""TLS for the rest and soap kinds: the agency's server is trusted through the configured CA
bundle, and the gateway presents its client certificate (mutual TLS, required by the server)."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.base import OutboundDocument
from adapters.rest import RestAdapter
from adapters.soap import SoapAdapter
from gateway.errors import InputInvalid, TransientDeliveryError
from gateway.simulator.soap import SoapServer, soap_application

DOCUMENT = OutboundDocument("d-1", "000.00.00.G17", "k", "ab" * 32, b"<edXML/>")


def _key_and_cert(name: str, issuer: tuple | None, *, ca: bool = False, ip: str | None = None):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = (subject, key) if issuer is None else (issuer[1].subject, issuer[0])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ip:
        import ipaddress

        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return key, builder.sign(issuer_key, hashes.SHA256())


def _write(directory: Path, name: str, key, cert) -> tuple[Path, Path]:
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture
def tls(tmp_path):
    """A CA, a server certificate for 127.0.0.1 and a client certificate, and a SOAP+HTTP server
    that requires the client certificate."""
    ca = _key_and_cert("Test CA", None, ca=True)
    _, ca_pem = _write(tmp_path, "ca", *ca)
    server_key, server_pem = _write(
        tmp_path, "server", *_key_and_cert("agency", ca, ip="127.0.0.1")
    )
    client_key, client_pem = _write(tmp_path, "client", *_key_and_cert("gateway", ca))
    soap = soap_application(lambda body: (200, b"<ok/>", "application/xml"))

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/edxml":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"filed"]
        return soap(environ, start_response)

    server = SoapServer(app)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca_pem))
    context.load_cert_chain(server_pem, server_key)
    context.verify_mode = ssl.CERT_REQUIRED
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    https = f"https://127.0.0.1:{server.port}"
    yield {
        "url": https,
        "ca_bundle": str(ca_pem),
        "client_cert": str(client_pem),
        "client_key": str(client_key),
    }
    server.stop()


def test_rest_over_mutual_tls_delivers(tls):
    adapter = RestAdapter.from_config(
        {
            "url": f"{tls['url']}/edxml",
            "ca_bundle": tls["ca_bundle"],
            "client_cert": tls["client_cert"],
            "client_key": tls["client_key"],
        },
        timeout=5,
    )
    try:
        assert adapter.deliver(DOCUMENT).body == b"filed"
    finally:
        adapter.close()


def test_rest_without_the_client_certificate_does_not_get_through(tls):
    adapter = RestAdapter.from_config(
        {"url": f"{tls['url']}/edxml", "ca_bundle": tls["ca_bundle"]}, timeout=5
    )
    try:
        with pytest.raises(TransientDeliveryError):
            adapter.deliver(DOCUMENT)
    finally:
        adapter.close()


def test_soap_over_mutual_tls_loads_the_wsdl_and_delivers(tls):
    adapter = SoapAdapter.from_config(
        {
            "wsdl": f"{tls['url']}/?wsdl",
            "operation": "ReceiveEdxmlBase64",
            "encoding": "base64",
            "ca_bundle": tls["ca_bundle"],
            "client_cert": tls["client_cert"],
            "client_key": tls["client_key"],
        },
        timeout=5,
    )
    try:
        assert "WSDL loaded" in adapter.check()
        assert adapter.deliver(DOCUMENT).body == b"<ok/>"
    finally:
        adapter.close()


def test_soap_with_an_untrusted_server_certificate_is_refused_at_the_check(tls):
    adapter = SoapAdapter.from_config(
        {
            "wsdl": f"{tls['url']}/?wsdl",
            "operation": "ReceiveEdxml",
            "client_cert": tls["client_cert"],
            "client_key": tls["client_key"],
        },
        timeout=5,
    )
    try:
        with pytest.raises(InputInvalid, match="cannot load the WSDL"):
            adapter.check()
    finally:
        adapter.close()
