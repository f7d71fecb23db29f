"""The signer key and certificate policy (signing.policy): each refusal with its own code, applied
where a document's signer is verified, where an agency certificate is imported and where the
gateway loads its own signing key; and the development PKI issues certificates that pass it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from lxml import etree

from gateway.bootstrap import keys
from gateway.config import Settings
from gateway.errors import ConfigurationError, ErrorCode, SignatureRejected
from signing import DevPki, KeyPair, TrustStore, Verifier, XmlSigner, load_key_pair
from signing.certificates import CertificateDirectory
from signing.policy import DEFAULT_POLICY, SignerPolicy, check_signer
from tests.signer_certs import ACCEPTED, AGENCY, REFUSED, VARIANTS, Variant, issue

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


@dataclass(frozen=True)
class World:
    dev: DevPki
    ca: KeyPair
    pairs: dict[str, KeyPair]
    """One key pair per variant name, issued by the development CA."""
    verifier: Verifier


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    dev = DevPki(tmp_path_factory.mktemp("policy-pki"))
    dev.init()
    ca = load_key_pair(dev.ca_key_path, dev.ca_path)
    return World(
        dev=dev,
        ca=ca,
        pairs={v.name: issue(v, ca) for v in VARIANTS},
        verifier=Verifier(TrustStore.from_pem_files([dev.ca_path])),
    )


def package() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{EDXML_NS}}}edXML", nsmap={None: EDXML_NS})
    envelope = etree.SubElement(root, f"{{{EDXML_NS}}}edXMLEnvelope")
    header = etree.SubElement(envelope, f"{{{EDXML_NS}}}edXMLHeader")
    sender = etree.SubElement(etree.SubElement(header, f"{{{EDXML_NS}}}MessageHeader"), "From")
    etree.SubElement(sender, "OrganId").text = AGENCY[0]
    return root, header


def signed_by(pair: KeyPair) -> bytes:
    root, header = package()
    return XmlSigner(pair).sign(root, header)


def code_of(call: object, *args: object) -> ErrorCode | None:
    try:
        call(*args)  # type: ignore[operator]
    except SignatureRejected as e:
        return e.code
    return None


# -- the pure function ---------------------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_each_certificate_kind_gets_its_verdict(world: World, variant: Variant) -> None:
    assert code_of(check_signer, world.pairs[variant.name].certificate) == variant.expected


def test_every_refusal_code_is_covered() -> None:
    assert {v.expected for v in REFUSED} == {
        ErrorCode.KEY_TOO_WEAK,
        ErrorCode.KEY_CURVE_REFUSED,
        ErrorCode.KEY_TYPE_REFUSED,
        ErrorCode.CERT_CA_SIGNER,
        ErrorCode.CERT_USAGE_REFUSED,
    }


def test_the_message_says_what_is_wrong(world: World) -> None:
    with pytest.raises(SignatureRejected, match="1024 bits; at least 2048"):
        check_signer(world.pairs["rsa-1024"].certificate)
    with pytest.raises(SignatureRejected, match="secp521r1"):
        check_signer(world.pairs["ec-p521"].certificate)
    with pytest.raises(SignatureRejected, match="serverAuth"):
        check_signer(world.pairs["eku-server-auth-only"].certificate)


def test_the_policy_is_data_a_caller_can_tighten(world: World) -> None:
    stricter = SignerPolicy(min_rsa_bits=3072, curves=frozenset({"secp384r1"}))

    assert code_of(check_signer, world.pairs["rsa-3072"].certificate, stricter) is None
    assert code_of(check_signer, world.pairs["rsa-2048"].certificate, stricter) == (
        ErrorCode.KEY_TOO_WEAK
    )
    assert code_of(check_signer, world.pairs["ec-p256"].certificate, stricter) == (
        ErrorCode.KEY_CURVE_REFUSED
    )
    assert SignerPolicy() == DEFAULT_POLICY


def test_the_development_ca_itself_is_no_document_signer(world: World) -> None:
    assert code_of(check_signer, world.ca.certificate) == ErrorCode.CERT_CA_SIGNER


# -- where a document's signer is accepted -------------------------------------------------------


@pytest.mark.parametrize("variant", REFUSED, ids=[v.name for v in REFUSED])
def test_a_document_signed_with_a_refused_certificate_is_refused_with_its_code(
    world: World, variant: Variant
) -> None:
    body = signed_by(world.pairs[variant.name])

    assert code_of(world.verifier.verify, body) == variant.expected


@pytest.mark.parametrize("variant", ACCEPTED, ids=[v.name for v in ACCEPTED])
def test_a_document_signed_with_an_accepted_certificate_verifies(
    world: World, variant: Variant
) -> None:
    verified = world.verifier.verify(signed_by(world.pairs[variant.name]))

    assert verified.signer_organ_id == AGENCY[0]


def test_an_untrusted_weak_certificate_is_untrusted_first(world: World, tmp_path: Path) -> None:
    """Path validation comes first: a stranger is CERT_UNTRUSTED whatever its key."""
    stranger = DevPki(tmp_path / "stranger")
    stranger.init()
    pair = issue(
        Variant("rsa-1024", key="rsa-1024"),
        load_key_pair(stranger.ca_key_path, stranger.ca_path),
    )

    assert code_of(world.verifier.verify, signed_by(pair)) == ErrorCode.CERT_UNTRUSTED


# -- the development PKI -------------------------------------------------------------------------


def test_the_development_pki_issues_certificates_that_pass_the_policy(
    world: World, tmp_path: Path
) -> None:
    dev = world.dev
    now = datetime.now(UTC)
    issued = [
        load_key_pair(dev.gateway_key_path, dev.gateway_cert_path).certificate,
        load_key_pair(*dev.issue(*AGENCY)).certificate,
        load_key_pair(*dev.issue("000.00.00.G12", "Bộ Tài chính", key_type="ec")).certificate,
        dev.issue_key_pair(
            *AGENCY, not_before=now, not_after=now + timedelta(days=1), key_type="ec"
        ).certificate,
    ]

    for certificate in issued:
        check_signer(certificate)


# -- where an agency's certificate is imported ---------------------------------------------------

IMPORT_REFUSED = tuple(v for v in REFUSED if not v.ca)
"""A CA:TRUE certificate is imported as a CA, never as a signer: documents it signs are refused
at verification (above)."""


@pytest.mark.parametrize("variant", IMPORT_REFUSED, ids=[v.name for v in IMPORT_REFUSED])
def test_an_import_of_a_refused_signing_certificate_is_refused_and_writes_nothing(
    world: World, variant: Variant, tmp_path: Path
) -> None:
    directory = CertificateDirectory(tmp_path / "pki")
    pem = world.pairs[variant.name].certificate.public_bytes(Encoding.PEM)

    with pytest.raises(SignatureRejected) as caught:
        directory.import_pem(AGENCY[0], pem, world.verifier.trust, datetime.now(UTC))

    assert caught.value.code == variant.expected
    assert not directory.imported()


def test_an_import_of_a_policy_conforming_signing_certificate_is_kept(
    world: World, tmp_path: Path
) -> None:
    directory = CertificateDirectory(tmp_path / "pki")
    pem = world.pairs["eku-email-protection"].certificate.public_bytes(Encoding.PEM)

    kept = directory.import_pem(AGENCY[0], pem, world.verifier.trust, datetime.now(UTC))

    assert [e.organ_id for e in kept] == [AGENCY[0]]


# -- where the gateway loads its own signing key -------------------------------------------------


def _write(pair: KeyPair, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / "signing.key", folder / "signing.pem"
    key.write_bytes(
        pair.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    cert.write_bytes(pair.certificate.public_bytes(Encoding.PEM))
    return key, cert


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("rsa-1024", ErrorCode.KEY_TOO_WEAK),
        ("ec-p521", ErrorCode.KEY_CURVE_REFUSED),
        ("ca-true", ErrorCode.CERT_CA_SIGNER),
        ("eku-server-auth-only", ErrorCode.CERT_USAGE_REFUSED),
    ],
)
def test_the_gateway_refuses_to_start_with_a_signing_key_outside_the_policy(
    world: World, tmp_path: Path, name: str, code: ErrorCode
) -> None:
    key, cert = _write(world.pairs[name], tmp_path / "keys")
    settings = Settings(
        home=tmp_path, signing_key=key, signing_cert=cert, trusted_ca=(world.dev.ca_path,)
    )

    with pytest.raises(ConfigurationError) as caught:
        keys(settings)

    assert caught.value.code == code
    assert "gateway's signing certificate" in caught.value.message


def test_the_gateway_starts_with_a_conforming_signing_key(world: World, tmp_path: Path) -> None:
    key, cert = _write(world.pairs["ec-p384"], tmp_path / "keys")
    settings = Settings(
        home=tmp_path, signing_key=key, signing_cert=cert, trusted_ca=(world.dev.ca_path,)
    )

    pair, trusted = keys(settings)

    assert pair.certificate == world.pairs["ec-p384"].certificate
    assert trusted == (world.dev.ca_path,)
