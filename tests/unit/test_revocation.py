"""Revocation: CRLs from a folder count only when signed by the certificate's own CA; the local
list revokes at once; a revoked certificate is CERT_REVOKED along the whole chain check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from gateway.errors import ConfigurationError, ErrorCode, SignatureRejected
from signing import DevPki, KeyPair, load_key_pair
from signing.revocation import LocalRevocation, Revocations, serial_hex
from signing.trust import TrustStore

G17 = "000.00.00.G17"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    pki = DevPki(tmp_path_factory.mktemp("ca"))
    pki.init()
    return pki


def leaf(ca: DevPki) -> KeyPair:
    return ca.issue_key_pair(
        G17,
        "Bộ Xây dựng",
        not_before=now() - timedelta(hours=1),
        not_after=now() + timedelta(days=30),
        key_type="ec",
    )


def crl_of(issuer: KeyPair, *serials: int) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.certificate.subject)
        .last_update(now() - timedelta(hours=1))
        .next_update(now() + timedelta(days=7))
    )
    for serial in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now()).build()
        )
    return builder.sign(issuer.private_key, hashes.SHA256())


def trust(ca: DevPki, crl_dir: Path, local: Path | None = None) -> TrustStore:
    anchor = TrustStore.from_pem_files([ca.ca_path]).certificates
    return TrustStore(anchor, revocations=Revocations(crl_dir, local, recheck_seconds=0))


def code_of(store: TrustStore, pair: KeyPair) -> ErrorCode | None:
    try:
        store.verify_chain(pair.certificate, (), now())
    except SignatureRejected as e:
        return e.code
    return None


def test_a_certificate_in_its_cas_crl_is_revoked_and_others_are_not(
    ca: DevPki, tmp_path: Path
) -> None:
    revoked, fine = leaf(ca), leaf(ca)
    issuer = load_key_pair(ca.ca_key_path, ca.ca_path)
    (tmp_path / "ca.pem").write_bytes(
        crl_of(issuer, revoked.certificate.serial_number).public_bytes(Encoding.PEM)
    )

    store = trust(ca, tmp_path)

    assert code_of(store, revoked) == ErrorCode.CERT_REVOKED
    assert code_of(store, fine) is None


def test_a_crl_signed_by_another_ca_revokes_nothing(ca: DevPki, tmp_path: Path) -> None:
    target = leaf(ca)
    impostor = DevPki(tmp_path / "impostor")
    impostor.init()
    forged_issuer = load_key_pair(impostor.ca_key_path, impostor.ca_path)
    # the impostor copies our CA's name, but cannot sign with its key
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(load_key_pair(ca.ca_key_path, ca.ca_path).certificate.subject)
        .last_update(now())
        .next_update(now() + timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(target.certificate.serial_number)
            .revocation_date(now())
            .build()
        )
        .sign(forged_issuer.private_key, hashes.SHA256())
    )
    crl_dir = tmp_path / "crl"
    crl_dir.mkdir()
    (crl_dir / "forged.crl").write_bytes(forged.public_bytes(Encoding.DER))

    assert code_of(trust(ca, crl_dir), target) is None


def test_the_local_list_revokes_at_once_in_a_store_already_built(
    ca: DevPki, tmp_path: Path
) -> None:
    target = leaf(ca)
    store = trust(ca, tmp_path / "crl", tmp_path / "revoked.json")
    assert code_of(store, target) is None

    added = Revocations(None, tmp_path / "revoked.json").add_local(
        LocalRevocation(
            issuer=target.certificate.issuer.rfc4514_string(),
            serial=serial_hex(target.certificate),
            organ_id=G17,
            revoked_at="2026-11-22T00:00:00Z",
            reason="key compromise",
        )
    )

    assert added
    assert code_of(store, target) == ErrorCode.CERT_REVOKED


def test_an_unreadable_crl_or_list_is_a_configuration_error(ca: DevPki, tmp_path: Path) -> None:
    (tmp_path / "broken.crl").write_bytes(b"not a crl")
    with pytest.raises(ConfigurationError, match=r"broken\.crl"):
        code_of(trust(ca, tmp_path), leaf(ca))

    (tmp_path / "broken.crl").unlink()
    (tmp_path / "revoked.json").write_text("{}")
    with pytest.raises(ConfigurationError, match=r"revoked\.json"):
        code_of(trust(ca, tmp_path, tmp_path / "revoked.json"), leaf(ca))


def test_a_broken_crl_file_is_the_gateways_error_not_the_senders(
    ca: DevPki, tmp_path: Path
) -> None:
    from lxml import etree

    from signing import Verifier, XmlSigner

    (tmp_path / "broken.crl").write_bytes(b"not a crl")
    body = XmlSigner(leaf(ca)).sign(etree.fromstring(b"<r><a>1</a></r>"))

    with pytest.raises(ConfigurationError):
        Verifier(trust(ca, tmp_path)).verify(body)
