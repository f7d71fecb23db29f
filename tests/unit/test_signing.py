"""Signing and verifying gateway documents: what is accepted, what is refused, with which code."""

from __future__ import annotations

import copy
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import signxml
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, SignatureMethod

import signing.keys
from gateway.errors import (
    ConfigurationError,
    ErrorCode,
    InputInvalid,
    SignatureRejected,
    XmlRejected,
)
from signing import (
    DevPki,
    KeyPair,
    TrustStore,
    VerificationPolicy,
    Verifier,
    XmlSigner,
    load_key_pair,
    organ_id_of,
)
from signing.pki import generate_key, issue_certificate
from tests.interop import INTEROP

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
RECEIPT_NS = "urn:vn:gov:vpcp:pakn:receipt:1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DS = {"ds": DS_NS}
SAMPLES = sorted(INTEROP.glob("*.edxml")) if INTEROP.is_dir() else []

AGENCY = ("000.00.00.G17", "Bộ Xây dựng")
OTHER_AGENCY = ("000.00.00.G18", "Bộ Y tế")
EC_AGENCY = ("000.00.00.G12", "Bộ Tài chính")
ATTACHMENT = "UGjhuqNuIMOhbmgsIGtp4bq/biBuZ2jhu4s="  # base64 of "Phản ánh, kiến nghị"


@dataclass(frozen=True)
class Pki:
    """Everything the tests sign with, made once per session (RSA key generation is slow)."""

    dev: DevPki
    agency: KeyPair
    other_agency: KeyPair
    ec_agency: KeyPair
    stranger: KeyPair
    """Same OrganId as ``agency``, but issued by a CA nobody trusts."""
    expired: KeyPair
    not_yet_valid: KeyPair
    trust: TrustStore


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    dev = DevPki(tmp_path_factory.mktemp("pki"))
    dev.init()
    untrusted = DevPki(tmp_path_factory.mktemp("untrusted-pki"))
    untrusted.init(gateway_name="Cơ quan giả mạo")
    now = datetime.now(UTC)
    return Pki(
        dev=dev,
        agency=load_key_pair(*dev.issue(*AGENCY)),
        other_agency=load_key_pair(*dev.issue(*OTHER_AGENCY)),
        ec_agency=load_key_pair(*dev.issue(*EC_AGENCY, key_type="ec")),
        stranger=load_key_pair(*untrusted.issue(*AGENCY, key_type="ec")),
        expired=dev.issue_key_pair(
            *AGENCY,
            not_before=now - timedelta(days=400),
            not_after=now - timedelta(days=10),
            key_type="ec",
        ),
        not_yet_valid=dev.issue_key_pair(
            *AGENCY,
            not_before=now + timedelta(days=10),
            not_after=now + timedelta(days=400),
            key_type="ec",
        ),
        trust=TrustStore.from_pem_files([dev.ca_path]),
    )


@pytest.fixture(scope="session")
def verifier(pki: Pki) -> Verifier:
    return Verifier(pki.trust)


@pytest.fixture(scope="session")
def signer(pki: Pki) -> XmlSigner:
    return XmlSigner(pki.agency)


# -- factories -------------------------------------------------------------------------------


def edxml_package(organ_id: str = AGENCY[0], attachment: str = ATTACHMENT) -> etree._Element:
    """A small edXML-like package: envelope/header/MessageHeader/From/OrganId and an attachment."""

    def e(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{EDXML_NS}}}{tag}")
        child.text = text
        return child

    root = etree.Element(f"{{{EDXML_NS}}}edXML", nsmap={None: EDXML_NS})
    envelope = etree.SubElement(root, f"{{{EDXML_NS}}}edXMLEnvelope", nsmap={"edXML": EDXML_NS})
    header = e(envelope, "edXMLHeader")
    message_header = e(header, "MessageHeader")
    sender = e(message_header, "From")
    e(sender, "OrganId", organ_id)
    e(sender, "OrganName", "Bộ Xây dựng")
    e(message_header, "Subject", "Phản ánh về thủ tục cấp phép xây dựng")
    e(e(envelope, "edXMLBody"), "edXMLManifest")
    attached = e(root, "AttachmentEncoded")
    e(attached, "ContentId", "cid:petition")
    e(attached, "Value", attachment)
    return root


def header_of(package: etree._Element) -> etree._Element:
    header = package.find(f"{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader")
    assert header is not None
    return header


def receipt(receipt_id: str = "r-1") -> etree._Element:
    root = etree.Element(f"{{{RECEIPT_NS}}}Receipt", nsmap={None: RECEIPT_NS})
    for tag, text in (
        ("ReceiptId", receipt_id),
        ("DocumentId", "000.00.00.G17,2025/01/02,1/BXD"),
        ("Status", "ACCEPTED"),
    ):
        etree.SubElement(root, f"{{{RECEIPT_NS}}}{tag}").text = text
    return root


def signed_package(signer: XmlSigner, **changes: str) -> bytes:
    package = edxml_package(**changes)
    return signer.sign(package, header_of(package))


def edit(document: bytes, change: Callable[[etree._Element], object]) -> bytes:
    root = etree.fromstring(document)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def rejection(verifier: Verifier, document: bytes | etree._Element, **kwargs: object) -> ErrorCode:
    with pytest.raises(SignatureRejected) as caught:
        verifier.verify(document, **kwargs)  # type: ignore[arg-type]
    return caught.value.code


class _Sha1Signer(signxml.XMLSigner):
    """signxml refuses to *create* SHA-1 signatures; the legacy agencies' software does not."""

    def check_deprecated_methods(self) -> None:
        return None


# -- signing ---------------------------------------------------------------------------------


def test_a_signed_edxml_package_verifies_and_names_its_signer(
    signer: XmlSigner, verifier: Verifier
) -> None:
    verified = verifier.verify(signed_package(signer))

    assert verified.signer_organ_id == AGENCY[0]
    assert verified.signature_algorithm == SignatureMethod.RSA_SHA256.value
    assert verified.digest_algorithm.endswith("#sha256")
    verified.require_organ(AGENCY[0])


def test_the_package_signature_is_the_last_child_of_the_edxml_header(signer: XmlSigner) -> None:
    signed = etree.fromstring(signed_package(signer))

    header = header_of(signed)
    assert header[-1].tag == f"{{{DS_NS}}}Signature"
    assert len(signed.findall(".//ds:Signature", DS)) == 1


def test_the_signature_covers_the_whole_document_with_exclusive_c14n(signer: XmlSigner) -> None:
    signed = etree.fromstring(signed_package(signer))

    reference = signed.find(".//ds:SignedInfo/ds:Reference", DS)
    assert reference is not None and reference.get("URI") == ""
    transforms = [t.get("Algorithm") for t in reference.iterfind("ds:Transforms/ds:Transform", DS)]
    assert transforms == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
    ]
    c14n = signed.find(".//ds:SignedInfo/ds:CanonicalizationMethod", DS)
    assert c14n is not None
    assert c14n.get("Algorithm") == CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
    assert signed.find(".//ds:KeyInfo/ds:X509Data/ds:X509Certificate", DS) is not None


def test_a_signed_receipt_carries_its_signature_as_the_last_child_of_the_root(
    pki: Pki, verifier: Verifier
) -> None:
    gateway = XmlSigner(load_key_pair(pki.dev.gateway_key_path, pki.dev.gateway_cert_path))

    body = gateway.sign(receipt())

    assert body.startswith(b"<?xml")
    assert etree.fromstring(body)[-1].tag == f"{{{DS_NS}}}Signature"
    verified = verifier.verify(body)
    assert verified.signer_organ_id == "000.00.00.G22"
    assert verified.signed_root.findtext(f"{{{RECEIPT_NS}}}ReceiptId") == "r-1"


def test_a_root_with_an_id_attribute_is_still_signed_as_the_whole_document(
    signer: XmlSigner, verifier: Verifier
) -> None:
    document = receipt()
    document.set("Id", "receipt-1")

    body = signer.sign(document)

    reference = etree.fromstring(body).find(".//ds:Reference", DS)
    assert reference is not None and reference.get("URI") == ""
    assert verifier.verify(body).signed_root.get("Id") == "receipt-1"


def test_signing_leaves_the_callers_tree_unchanged(signer: XmlSigner) -> None:
    package = edxml_package()
    before = etree.tostring(package)

    signer.sign(package, header_of(package))

    assert etree.tostring(package) == before


def test_signing_under_an_element_outside_the_document_is_a_programming_error(
    signer: XmlSigner,
) -> None:
    with pytest.raises(ValueError, match="descendants"):
        signer.sign(edxml_package(), header_of(edxml_package()))


def test_an_ecdsa_key_signs_and_its_signature_verifies(pki: Pki, verifier: Verifier) -> None:
    body = signed_package(XmlSigner(pki.ec_agency), organ_id=EC_AGENCY[0])

    verified = verifier.verify(body)

    assert verified.signature_algorithm == SignatureMethod.ECDSA_SHA256.value
    assert verified.signer_organ_id == EC_AGENCY[0]


def test_the_key_is_not_reloaded_for_each_signature(
    pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = XmlSigner(pki.agency)
    loads: list[object] = []
    real = serialization.load_pem_private_key

    def counting(*args: object, **kwargs: object) -> object:
        loads.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    for module in (serialization, signxml.signer, signing.keys):
        monkeypatch.setattr(module, "load_pem_private_key", counting)

    bodies = [signer.sign(receipt(f"r-{i}")) for i in range(100)]

    assert len(set(bodies)) == 100
    assert loads == []


# -- what verification hands on --------------------------------------------------------------


def test_the_signed_root_holds_the_content_and_no_signature(
    signer: XmlSigner, verifier: Verifier
) -> None:
    signed_root = verifier.verify(signed_package(signer)).signed_root

    assert signed_root.findtext(f".//{{{EDXML_NS}}}OrganId") == AGENCY[0]
    assert signed_root.findtext(f".//{{{EDXML_NS}}}Value") == ATTACHMENT
    assert signed_root.find(".//ds:Signature", DS) is None


def test_a_parsed_tree_verifies_as_well_as_bytes(signer: XmlSigner, verifier: Verifier) -> None:
    from schemas.xml import parse

    verified = verifier.verify(parse(signed_package(signer)))

    assert verified.signer_organ_id == AGENCY[0]


def test_one_verifier_serves_several_threads(signer: XmlSigner, verifier: Verifier) -> None:
    good = signed_package(signer)
    bad = good.replace(ATTACHMENT.encode(), ATTACHMENT.replace("U", "V", 1).encode())
    outcomes: list[str] = []

    def work() -> None:
        for _ in range(25):
            outcomes.append(verifier.verify(good).signer_organ_id or "")
            try:
                verifier.verify(bad)
            except SignatureRejected as e:
                outcomes.append(e.code)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(set(outcomes)) == [AGENCY[0], ErrorCode.SIGNATURE_INVALID]
    assert len(outcomes) == 200


# -- refusals, each with its own code --------------------------------------------------------


def test_one_changed_byte_in_the_attachment_makes_the_signature_invalid(
    signer: XmlSigner, verifier: Verifier
) -> None:
    body = signed_package(signer)
    tampered = body.replace(ATTACHMENT.encode(), ATTACHMENT.replace("U", "V", 1).encode())

    assert tampered != body
    assert rejection(verifier, tampered) == ErrorCode.SIGNATURE_INVALID


def test_a_changed_sender_makes_the_signature_invalid(
    signer: XmlSigner, verifier: Verifier
) -> None:
    tampered = signed_package(signer).replace(AGENCY[0].encode(), OTHER_AGENCY[0].encode())

    assert rejection(verifier, tampered) == ErrorCode.SIGNATURE_INVALID


def test_a_second_signature_is_a_reference_error(signer: XmlSigner, verifier: Verifier) -> None:
    def add_second(root: etree._Element) -> None:
        signature = root.find(".//ds:Signature", DS)
        assert signature is not None
        root.append(copy.deepcopy(signature))

    assert rejection(verifier, edit(signed_package(signer), add_second)) == (
        ErrorCode.SIGNATURE_REFERENCE_INVALID
    )


def test_a_reference_to_part_of_the_document_is_a_reference_error(
    signer: XmlSigner, verifier: Verifier
) -> None:
    def point_elsewhere(root: etree._Element) -> None:
        reference = root.find(".//ds:Reference", DS)
        assert reference is not None
        reference.set("URI", "#header")

    assert rejection(verifier, edit(signed_package(signer), point_elsewhere)) == (
        ErrorCode.SIGNATURE_REFERENCE_INVALID
    )


def test_a_whole_document_reference_without_the_enveloped_transform_is_a_reference_error(
    signer: XmlSigner, verifier: Verifier
) -> None:
    def drop_enveloped(root: etree._Element) -> None:
        for transform in root.findall(".//ds:Transform", DS):
            if transform.get("Algorithm", "").endswith("enveloped-signature"):
                transform.getparent().remove(transform)  # type: ignore[union-attr]

    assert rejection(verifier, edit(signed_package(signer), drop_enveloped)) == (
        ErrorCode.SIGNATURE_REFERENCE_INVALID
    )


def test_a_keyinfo_stuffed_with_certificates_is_refused_before_they_are_read(
    signer: XmlSigner, verifier: Verifier
) -> None:
    def stuff(root: etree._Element) -> None:
        data = root.find(".//ds:X509Data", DS)
        assert data is not None
        certificate = data.find("ds:X509Certificate", DS)
        for _ in range(6_000):
            data.append(etree.fromstring(etree.tostring(certificate)))

    document = edit(signed_package(signer), stuff)
    started = time.perf_counter()
    assert rejection(verifier, document) == ErrorCode.SIGNATURE_INVALID
    assert time.perf_counter() - started < 1.5  # unbounded, this took ~4 s


def test_a_stripped_signature_is_missing(signer: XmlSigner, verifier: Verifier) -> None:
    def strip(root: etree._Element) -> None:
        for signature in root.findall(".//ds:Signature", DS):
            signature.getparent().remove(signature)  # type: ignore[union-attr]

    assert rejection(verifier, edit(signed_package(signer), strip)) == ErrorCode.SIGNATURE_MISSING


def test_a_certificate_from_an_untrusted_ca_is_untrusted(pki: Pki, verifier: Verifier) -> None:
    body = signed_package(XmlSigner(pki.stranger))

    assert rejection(verifier, body) == ErrorCode.CERT_UNTRUSTED


def test_an_expired_certificate_is_expired(pki: Pki, verifier: Verifier) -> None:
    assert rejection(verifier, signed_package(XmlSigner(pki.expired))) == ErrorCode.CERT_EXPIRED


def test_a_certificate_not_valid_yet_is_not_yet_valid(pki: Pki, verifier: Verifier) -> None:
    body = signed_package(XmlSigner(pki.not_yet_valid))

    assert rejection(verifier, body) == ErrorCode.CERT_NOT_YET_VALID


def test_verification_at_a_given_time_uses_the_validity_at_that_time(
    pki: Pki, verifier: Verifier
) -> None:
    later = pki.not_yet_valid.certificate.not_valid_before_utc + timedelta(days=1)

    verified = verifier.verify(signed_package(XmlSigner(pki.not_yet_valid)), at=later)

    assert verified.signer_organ_id == AGENCY[0]


def test_another_agencys_id_is_an_organ_mismatch(signer: XmlSigner, verifier: Verifier) -> None:
    verified = verifier.verify(signed_package(signer))

    with pytest.raises(SignatureRejected) as caught:
        verified.require_organ(OTHER_AGENCY[0])
    assert caught.value.code == ErrorCode.CERT_ORGAN_MISMATCH


def test_a_certificate_without_uid_is_bound_to_no_agency(pki: Pki, verifier: Verifier) -> None:
    ca = load_key_pair(pki.dev.ca_key_path, pki.dev.ca_path)
    key = generate_key("ec")
    now = datetime.now(UTC)
    unbound = issue_certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Không mã định danh")]),
        key.public_key(),
        issuer_key=ca.private_key,
        issuer_certificate=ca.certificate,
        not_before=now - timedelta(hours=1),
        not_after=now + timedelta(days=1),
    )
    assert organ_id_of(unbound) is None

    verified = verifier.verify(signed_package(XmlSigner(KeyPair(key, unbound))))

    assert verified.signer_organ_id is None
    with pytest.raises(SignatureRejected) as caught:
        verified.require_organ(AGENCY[0])
    assert caught.value.code == ErrorCode.CERT_ORGAN_MISMATCH


def _sha1_signed(pki: Pki) -> etree._Element:
    package = edxml_package()
    signed: etree._Element = _Sha1Signer(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=signxml.DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(package, key=pki.agency.private_key, cert=[pki.agency.certificate])
    return signed


def test_sha1_is_refused_by_default(pki: Pki, verifier: Verifier) -> None:
    assert rejection(verifier, _sha1_signed(pki)) == ErrorCode.SIGNATURE_ALGORITHM_REFUSED


def test_sha1_is_accepted_from_a_legacy_agency(pki: Pki) -> None:
    legacy = Verifier(pki.trust, VerificationPolicy(allow_sha1=True))

    verified = legacy.verify(_sha1_signed(pki))

    assert verified.signature_algorithm.endswith("sha1")
    assert verified.digest_algorithm.endswith("sha1")
    assert verified.signer_organ_id == AGENCY[0]


# -- hostile and foreign input ---------------------------------------------------------------


def _set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path, DS)
        assert element is not None
        element.text = text

    return change


def _remove(path: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(path, DS)
        assert element is not None
        element.getparent().remove(element)  # type: ignore[union-attr]

    return change


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (_set_text(".//ds:SignatureValue", "bm90IGEgc2lnbmF0dXJl"), ErrorCode.SIGNATURE_INVALID),
        (_set_text(".//ds:SignatureValue", "*** not base64 ***"), ErrorCode.SIGNATURE_INVALID),
        (_set_text(".//ds:X509Certificate", "MIIFqTCCBJG"), ErrorCode.SIGNATURE_INVALID),
        (_set_text(".//ds:DigestValue", ""), ErrorCode.SIGNATURE_INVALID),
        (_remove(".//ds:KeyInfo"), ErrorCode.SIGNATURE_INVALID),
        (_remove(".//ds:SignedInfo"), ErrorCode.SIGNATURE_INVALID),
        (_remove(".//ds:SignatureValue"), ErrorCode.SIGNATURE_INVALID),
        (_remove(".//ds:Reference"), ErrorCode.SIGNATURE_REFERENCE_INVALID),
        (_remove(".//ds:Reference/ds:DigestMethod"), ErrorCode.SIGNATURE_INVALID),
    ],
    ids=[
        "forged-value",
        "garbage-value",
        "truncated-certificate",
        "empty-digest",
        "no-keyinfo",
        "no-signedinfo",
        "no-signaturevalue",
        "no-reference",
        "no-digestmethod",
    ],
)
def test_a_mangled_signature_is_rejected_with_a_code_never_a_crash(
    signer: XmlSigner, verifier: Verifier, change: Callable[[etree._Element], None], code: ErrorCode
) -> None:
    assert rejection(verifier, edit(signed_package(signer), change)) == code


def test_an_unlisted_transform_is_refused(signer: XmlSigner, verifier: Verifier) -> None:
    def add_xslt(root: etree._Element) -> None:
        transforms = root.find(".//ds:Transforms", DS)
        assert transforms is not None
        etree.SubElement(
            transforms,
            f"{{{DS_NS}}}Transform",
            Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116",
        )

    assert rejection(verifier, edit(signed_package(signer), add_xslt)) == (
        ErrorCode.SIGNATURE_ALGORITHM_REFUSED
    )


def test_bytes_with_a_dtd_are_refused_by_the_xml_guard(verifier: Verifier) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]><r>&x;</r>'

    with pytest.raises(XmlRejected) as caught:
        verifier.verify(hostile)
    assert caught.value.code == ErrorCode.XML_DTD_FORBIDDEN


@pytest.mark.skipif(not SAMPLES, reason=f"official samples not found in {INTEROP}")
@pytest.mark.parametrize("sample", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_official_sample_is_rejected_without_crashing(
    verifier: Verifier, sample: Path
) -> None:
    code = rejection(verifier, sample.read_bytes())

    assert code in (ErrorCode.SIGNATURE_MISSING, ErrorCode.SIGNATURE_INVALID)


@pytest.mark.skipif(not SAMPLES, reason=f"official samples not found in {INTEROP}")
def test_a_sample_signature_moved_into_the_xmldsig_namespace_is_still_rejected(pki: Pki) -> None:
    signed_samples = [p for p in SAMPLES if b"<Signature>" in p.read_bytes()]
    assert signed_samples, "the official edoc samples carry a <Signature>"
    legacy = Verifier(pki.trust, VerificationPolicy(allow_sha1=True))
    for sample in signed_samples:
        root = etree.fromstring(sample.read_bytes().lstrip(b"0123456789"))
        signature = next(e for e in root.iter() if etree.QName(e).localname == "Signature")
        for element in signature.iter():
            element.tag = f"{{{DS_NS}}}{etree.QName(element).localname}"

        assert rejection(legacy, root) in (
            ErrorCode.SIGNATURE_ALGORITHM_REFUSED,
            ErrorCode.SIGNATURE_INVALID,
        )


# -- keys, trust and the development PKI -----------------------------------------------------


def test_a_missing_key_file_is_a_configuration_error_naming_it(pki: Pki, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.key"

    with pytest.raises(ConfigurationError, match=r"nowhere\.key"):
        load_key_pair(missing, pki.dev.gateway_cert_path)


def test_a_key_that_does_not_match_its_certificate_is_a_configuration_error(pki: Pki) -> None:
    key_path, _ = pki.dev.agency_paths(AGENCY[0])

    with pytest.raises(ConfigurationError, match="does not match"):
        load_key_pair(key_path, pki.dev.gateway_cert_path)


def test_an_unreadable_trust_anchor_is_a_configuration_error(tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_bytes(b"not a certificate")

    with pytest.raises(ConfigurationError, match=r"ca\.pem"):
        TrustStore.from_pem_files([garbage])


def test_the_trust_store_accepts_a_development_certificate(pki: Pki) -> None:
    pki.trust.verify_chain(pki.agency.certificate, (), datetime.now(UTC))

    with pytest.raises(SignatureRejected) as caught:
        pki.trust.verify_chain(pki.stranger.certificate, (), datetime.now(UTC))
    assert caught.value.code == ErrorCode.CERT_UNTRUSTED


def test_the_development_pki_is_idempotent_and_keeps_keys_private(pki: Pki) -> None:
    ca_before = pki.dev.ca_path.read_bytes()
    agency_before = pki.dev.agency_paths(AGENCY[0])[1].read_bytes()

    pki.dev.init()
    pki.dev.issue(*AGENCY)

    assert pki.dev.exists()
    assert pki.dev.ca_path.read_bytes() == ca_before
    assert pki.dev.agency_paths(AGENCY[0])[1].read_bytes() == agency_before
    for key in (pki.dev.ca_key_path, pki.dev.gateway_key_path, pki.dev.agency_paths(AGENCY[0])[0]):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_forcing_a_reissue_gives_the_agency_a_new_certificate(tmp_path: Path) -> None:
    dev = DevPki(tmp_path / "pki")
    dev.init()
    _, cert_path = dev.issue(*OTHER_AGENCY, key_type="ec")
    first = cert_path.read_bytes()

    dev.issue(*OTHER_AGENCY, key_type="ec", force=True)

    assert cert_path.read_bytes() != first
    reissued = load_key_pair(*dev.agency_paths(OTHER_AGENCY[0])).certificate
    assert organ_id_of(reissued) == OTHER_AGENCY[0]


def test_two_initialisations_at_once_end_with_one_consistent_ca(tmp_path: Path) -> None:
    dev = DevPki(tmp_path / "pki")
    threads = [threading.Thread(target=dev.init) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    gateway = load_key_pair(dev.gateway_key_path, dev.gateway_cert_path).certificate
    TrustStore.from_pem_files([dev.ca_path]).verify_chain(gateway, (), datetime.now(UTC))
    assert organ_id_of(gateway) == "000.00.00.G22"
    assert not [p for p in dev.directory.iterdir() if p.name.endswith(".tmp")]


def test_an_organ_id_that_is_not_a_file_name_is_refused(pki: Pki) -> None:
    with pytest.raises(InputInvalid):
        pki.dev.agency_paths("../../etc/passwd")


def test_issuing_before_init_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="pki init"):
        DevPki(tmp_path).issue(*AGENCY)
