"""Signing and verifying a ~4 KiB edXML status package, against raw RSA-2048 in the same run.

    .venv/bin/python bench/bench_signing.py

Prints rates and the ratio to the baseline (cryptography's RSA-2048 PKCS#1 v1.5 SHA-256 sign and
verify of the same bytes), so a noisy machine still gives comparable figures. Also times parsing
and decoding the 360 KB official edoc sample when ../shared/interop/edxml is present.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas import edxml, xml
from signing import DevPki, TrustStore, Verifier, XmlSigner, load_key_pair
from tests.interop import INTEROP


def rate(action: Callable[[], object], seconds: float = 2.0) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        action()
        count += 1
    return count / elapsed


def main() -> None:
    pki = DevPki(Path(tempfile.mkdtemp(prefix="bench-pki-")))
    pki.init()
    pair = load_key_pair(pki.gateway_key_path, pki.gateway_cert_path)
    signer, verifier = XmlSigner(pair), Verifier(TrustStore.from_pem_files([pki.ca_path]))
    root = edxml.encode_status(edxml.StatusPackage(
        edxml.Organ("000.00.00.G22", organ_name="Văn phòng Chính phủ"),
        edxml.ResponseFor("000.00.00.G17", document_id="000.00.00.G22,2026/01/05,1/VPCP-PAKN"),
        edxml.StatusCode("03"), datetime(2026, 1, 5, 9), description="Tiếp nhận " * 330))
    unsigned = xml.tostring(root)
    body = signer.sign(root, edxml.header_of(root))
    key, public = pair.private_key, pair.certificate.public_key()
    raw_signature = key.sign(unsigned, padding.PKCS1v15(), hashes.SHA256())

    raw_sign = rate(lambda: key.sign(unsigned, padding.PKCS1v15(), hashes.SHA256()))
    raw_verify = rate(lambda: public.verify(raw_signature, unsigned, padding.PKCS1v15(),
                                            hashes.SHA256()))
    sign = rate(lambda: signer.sign(root, edxml.header_of(root)))
    verify = rate(lambda: verifier.verify(xml.parse(body)))
    print(f"document: {len(unsigned):,} B unsigned, {len(body):,} B signed")
    print(f"baseline RSA-2048 sign   {raw_sign:8,.0f}/s | XmlSigner.sign          "
          f"{sign:8,.0f}/s | ratio {sign / raw_sign:.2f}")
    print(f"baseline RSA-2048 verify {raw_verify:8,.0f}/s | parse + Verifier.verify "
          f"{verify:8,.0f}/s | ratio {verify / raw_verify:.3f}")
    sample = INTEROP / "edoc_new.edxml"
    if sample.exists():
        data = sample.read_bytes()
        decode = rate(lambda: edxml.decode(xml.parse(data)))
        print(f"official 360 KB edoc: parse + XSD + decode {1000 / decode:.1f} ms each")


if __name__ == "__main__":
    main()
