"""Signing and verifying edXML packages of ~4 KiB and ~100 KiB, with RSA-2048 and ECDSA P-256,
next to the raw operation rates of the cryptography package and, when it is installed
(``pip install -e '.[bench]'``, needs libxmlsec1), python-xmlsec (libxmlsec1) on the same
documents — all in the same run, so a noisy machine still gives comparable ratios.

    .venv/bin/python bench/bench_signing.py [--seconds 1.0]

What is timed:

* ``sign``: :class:`signing.XmlSigner` (signxml; enveloped, ``URI=""``, exclusive C14N, SHA-256)
  vs xmlsec filling the same template;
* ``verify``: :func:`schemas.xml.parse` + :class:`signing.Verifier` (every rule: one reference,
  allow-lists, chain validation to the trust store with cryptography's X.509 verifier, revocation
  lookup, the signature) vs lxml parse + xmlsec verifying with the CA as trusted certificate (it
  also validates the chain);
* baseline: cryptography's raw sign/verify of the unsigned bytes (RSA PKCS#1 v1.5 SHA-256, ECDSA
  SHA-256).

Ratios: ``ours / xmlsec`` (the aim: ≥ 0.5, i.e. within 2× of libxmlsec1) and ``ours / raw``. Also
times parsing and decoding the 360 KB official edoc sample when ../shared/interop/edxml is present.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas import edxml, xml
from signing import DevPki, KeyPair, TrustStore, Verifier, XmlSigner, load_key_pair
from tests.interop import INTEROP

try:
    import xmlsec
except ImportError:  # optional: the `bench` extra
    xmlsec = None

SECONDS = 1.0


def rate(action: Callable[[], object], seconds: float) -> float:
    action()  # warm up
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        action()
        count += 1
    return count / elapsed


def package(target_bytes: int) -> etree._Element:
    """A status package whose unsigned serialisation is about ``target_bytes``."""
    filler = "Tiếp nhận phản ánh, kiến nghị. "
    unit = len(filler.encode())

    def build(repeats: int) -> etree._Element:
        return edxml.encode_status(
            edxml.StatusPackage(
                edxml.Organ("000.00.00.G22", organ_name="Văn phòng Chính phủ"),
                edxml.ResponseFor(
                    "000.00.00.G17", document_id="000.00.00.G22,2026/01/05,1/VPCP-PAKN"
                ),
                edxml.StatusCode("03"),
                datetime(2026, 1, 5, 9),
                description=filler * repeats,
            )
        )

    overhead = len(xml.tostring(build(0)))
    return build(max(0, (target_bytes - overhead) // unit))


def raw_rates(pair: KeyPair, data: bytes, seconds: float) -> tuple[float, float]:
    key, public = pair.private_key, pair.certificate.public_key()
    if isinstance(key, rsa.RSAPrivateKey):
        assert isinstance(public, rsa.RSAPublicKey)
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return (
            rate(lambda: key.sign(data, padding.PKCS1v15(), hashes.SHA256()), seconds),
            rate(
                lambda: public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256()), seconds
            ),
        )
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    algorithm = ec.ECDSA(hashes.SHA256())
    signature = key.sign(data, algorithm)
    return (
        rate(lambda: key.sign(data, algorithm), seconds),
        rate(lambda: public.verify(signature, data, algorithm), seconds),
    )


class XmlsecSide:
    """python-xmlsec signing the same documents the same way, and verifying them."""

    def __init__(self, key_path: Path, cert_path: Path, ca_path: Path, is_ec: bool) -> None:
        assert xmlsec is not None
        self.key = xmlsec.Key.from_file(str(key_path), xmlsec.constants.KeyDataFormatPem)
        self.key.load_cert_from_file(str(cert_path), xmlsec.constants.KeyDataFormatPem)
        self.method = (
            xmlsec.constants.TransformEcdsaSha256 if is_ec else xmlsec.constants.TransformRsaSha256
        )
        self.manager = xmlsec.KeysManager()
        self.manager.load_cert(
            str(ca_path), xmlsec.constants.KeyDataFormatPem, xmlsec.constants.KeyDataTypeTrusted
        )

    def sign(self, unsigned: etree._Element) -> bytes:
        assert xmlsec is not None
        root = etree.fromstring(etree.tostring(unsigned))  # a copy, as XmlSigner makes
        c14n = xmlsec.constants.TransformExclC14N
        signature = xmlsec.template.create(root, c14n, self.method, ns="ds")
        edxml.header_of(root).append(signature)
        reference = xmlsec.template.add_reference(
            signature, xmlsec.constants.TransformSha256, uri=""
        )
        xmlsec.template.add_transform(reference, xmlsec.constants.TransformEnveloped)
        xmlsec.template.add_transform(reference, c14n)
        xmlsec.template.add_x509_data(xmlsec.template.ensure_key_info(signature))
        context = xmlsec.SignatureContext()
        context.key = self.key
        context.sign(signature)
        result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        return result

    def verify(self, body: bytes) -> None:
        assert xmlsec is not None
        root = etree.fromstring(body)
        node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
        xmlsec.SignatureContext(self.manager).verify(node)


def line(label: str, ours: float, others: dict[str, float]) -> str:
    parts = [f"{label:<30} {ours:9,.0f}/s"]
    for name, value in others.items():
        parts.append(f"{name} {value:9,.0f}/s ratio {ours / value:5.2f}")
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=SECONDS, help="time per measurement")
    seconds = parser.parse_args().seconds
    pki = DevPki(Path(tempfile.mkdtemp(prefix="bench-pki-")))
    pki.init()
    ec_paths = pki.issue("000.00.00.G12", "Bộ Tài chính", key_type="ec")
    keys: dict[str, tuple[Path, Path]] = {
        "RSA-2048": (pki.gateway_key_path, pki.gateway_cert_path),
        "ECDSA P-256": ec_paths,
    }
    verifier = Verifier(TrustStore.from_pem_files([pki.ca_path]))
    if xmlsec is None:
        print("python-xmlsec: not installed (pip install -e '.[bench]'): no xmlsec comparison")
    else:
        version = ".".join(map(str, xmlsec.get_libxmlsec_version()))
        print(f"python-xmlsec {xmlsec.__version__}, libxmlsec1 {version}")
    results: dict[str, Any] = {}
    for size_label, size in (("4 KiB", 4 * 1024), ("100 KiB", 100 * 1024)):
        root = package(size)
        unsigned = xml.tostring(root)
        for key_label, (key_path, cert_path) in keys.items():
            pair = load_key_pair(key_path, cert_path)
            signer = XmlSigner(pair)
            body = signer.sign(root, edxml.header_of(root))
            raw_sign, raw_verify = raw_rates(pair, unsigned, seconds)
            sign = rate(lambda s=signer, r=root: s.sign(r, edxml.header_of(r)), seconds)
            verify = rate(lambda b=body: verifier.verify(xml.parse(b)), seconds)
            sign_others = {"raw": raw_sign}
            verify_others = {"raw": raw_verify}
            if xmlsec is not None:
                side = XmlsecSide(
                    key_path, cert_path, pki.ca_path, is_ec=key_label.startswith("ECDSA")
                )
                theirs = side.sign(root)
                verifier.verify(theirs)  # what xmlsec signs, we accept …
                side.verify(body)  # … and the other way round
                sign_others["xmlsec"] = rate(lambda s=side, r=root: s.sign(r), seconds)
                verify_others["xmlsec"] = rate(lambda s=side, b=body: s.verify(b), seconds)
            print(
                f"\n{size_label} package ({len(unsigned):,} B unsigned, {len(body):,} B signed)"
                f", {key_label}"
            )
            print("  " + line("XmlSigner.sign", sign, sign_others))
            print("  " + line("parse + Verifier.verify", verify, verify_others))
            results[(size_label, key_label)] = (sign, sign_others, verify, verify_others)
    if xmlsec is not None:
        print("\nours / xmlsec (aim: >= 0.50, within 2x of libxmlsec1):")
        for (size_label, key_label), (sign, so, verify, vo) in results.items():
            print(
                f"  {size_label:<8} {key_label:<12} sign {sign / so['xmlsec']:5.2f}   "
                f"verify {verify / vo['xmlsec']:5.2f}"
            )
    sample = INTEROP / "edoc_new.edxml"
    if sample.exists():
        data = sample.read_bytes()
        decode = rate(lambda: edxml.decode(xml.parse(data)), seconds)
        print(f"\nofficial 360 KB edoc: parse + XSD + decode {1000 / decode:.1f} ms each")


if __name__ == "__main__":
    main()
