"""Verifying inbound signed documents — and handing downstream code only what was signed.

:meth:`Verifier.verify` enforces, in this order, each failure with its own code:

1. exactly one ``ds:Signature`` in the whole document (none: SIGNATURE_MISSING; more, or the
   signature is the root: SIGNATURE_REFERENCE_INVALID);
2. exactly one ``Reference`` and its ``URI`` is ``""`` — the whole document
   (SIGNATURE_REFERENCE_INVALID);
3. algorithms on the allow-list: RSA/ECDSA with SHA-256/384/512, C14N 1.0/1.1 or exclusive C14N,
   the enveloped-signature transform; SHA-1 only under ``VerificationPolicy(allow_sha1=True)``
   (SIGNATURE_ALGORITHM_REFUSED);
4. a certificate in ``KeyInfo/X509Data`` (SIGNATURE_INVALID);
5. that certificate valid at ``at`` and chaining to the trust store (CERT_NOT_YET_VALID,
   CERT_EXPIRED, CERT_UNTRUSTED, CERT_REVOKED — see :mod:`signing.trust`);
6. that certificate fit to sign documents: its key strong enough and of an accepted kind, not a
   CA, an extended key usage (if any) that allows signing (KEY_TOO_WEAK, KEY_CURVE_REFUSED,
   KEY_TYPE_REFUSED, CERT_CA_SIGNER, CERT_USAGE_REFUSED — see :mod:`signing.policy`);
7. the signature itself, checked by signxml against that certificate's key (SIGNATURE_INVALID).

The result's ``signed_root`` is signxml's ``VerifyResult.signed_xml``: the canonicalized document
minus the signature — "see what is signed". Downstream code reads nothing else. Whether the signer
may speak for the document's ``From`` agency is :meth:`VerifiedDocument.require_organ`.

Nothing but :class:`~gateway.errors.SignatureRejected` leaves :meth:`Verifier.verify` for a parsed
tree, whatever it contains (or :class:`~gateway.errors.ConfigurationError` when the gateway's own
revocation files are broken); bytes are first parsed by :func:`schemas.xml.parse`, whose
:class:`~gateway.errors.XmlRejected` passes through unchanged.
"""

from __future__ import annotations

import binascii
import threading
from base64 import b64decode
from dataclasses import dataclass, replace
from datetime import datetime
from typing import NoReturn

from cryptography import x509
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.errors import ConfigurationError, ErrorCode, SignatureRejected
from schemas.xml import hardened_parser, parse
from signing.binding import organ_id_of
from signing.policy import DEFAULT_POLICY, SignerPolicy, check_signer
from signing.trust import TrustStore, as_utc

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": DS_NS}
DS_SIGNATURE = f"{{{DS_NS}}}Signature"

SIGNATURE_METHODS = frozenset(
    {
        SignatureMethod.RSA_SHA256,
        SignatureMethod.RSA_SHA384,
        SignatureMethod.RSA_SHA512,
        SignatureMethod.ECDSA_SHA256,
        SignatureMethod.ECDSA_SHA384,
        SignatureMethod.ECDSA_SHA512,
    }
)
DIGEST_ALGORITHMS = frozenset(
    {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)
LEGACY_SIGNATURE_METHODS = frozenset({SignatureMethod.RSA_SHA1})
"""What the official SDK samples use; accepted only from agencies flagged legacy."""
LEGACY_DIGEST_ALGORITHMS = frozenset({DigestAlgorithm.SHA1})
CANONICALIZATION_METHODS = frozenset(
    {
        CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        CanonicalizationMethod.CANONICAL_XML_1_0,
        CanonicalizationMethod.CANONICAL_XML_1_1,
    }
)
CANONICALIZATION_URIS = frozenset(m.value for m in CANONICALIZATION_METHODS)
ENVELOPED = SignatureConstructionMethod.enveloped.value
TRANSFORM_URIS = frozenset({ENVELOPED, *CANONICALIZATION_URIS})
MAX_CERTIFICATES = 8
"""KeyInfo certificates examined at most: a leaf and its chain need a handful; thousands would
cost quadratic CPU to sort out (a denial of service), so more is refused unread."""


@dataclass(frozen=True)
class VerificationPolicy:
    """What a :class:`Verifier` accepts beyond the defaults.

    ``allow_sha1``: accept RSA-SHA1 signatures and SHA-1 digests (agencies flagged legacy only).
    ``signer``: what the signing certificate must be (:mod:`signing.policy`).
    """

    allow_sha1: bool = False
    signer: SignerPolicy = DEFAULT_POLICY


@dataclass(frozen=True)
class VerifiedDocument:
    """A document whose signature checked out, reduced to what the signature covers."""

    signed_root: etree._Element
    """The signed content only (the document without its ``ds:Signature``)."""
    certificate: x509.Certificate
    signer_organ_id: str | None
    """The OrganId the signing certificate is bound to (:func:`signing.binding.organ_id_of`)."""
    signature_algorithm: str
    """The SignatureMethod URI, e.g. ``http://www.w3.org/2001/04/xmldsig-more#rsa-sha256``."""
    digest_algorithm: str
    """The DigestMethod URI, e.g. ``http://www.w3.org/2001/04/xmlenc#sha256``."""

    def require_organ(self, organ_id: str) -> None:
        """Check that the signing certificate is bound to exactly ``organ_id``.

        Raises:
            SignatureRejected: CERT_ORGAN_MISMATCH otherwise (also when it is bound to none).
        """
        if self.signer_organ_id is None or self.signer_organ_id != organ_id:
            bound = "no agency" if self.signer_organ_id is None else repr(self.signer_organ_id)
            raise SignatureRejected(
                f"the document is signed for {bound}, not for {organ_id!r}",
                code=ErrorCode.CERT_ORGAN_MISMATCH,
            )


class Verifier:
    """Checks signed documents against one trust store and policy; thread-safe, share one."""

    def __init__(self, trust: TrustStore, policy: VerificationPolicy | None = None) -> None:
        self.trust = trust
        self.policy = policy if policy is not None else VerificationPolicy()
        signature_methods, digest_algorithms = SIGNATURE_METHODS, DIGEST_ALGORITHMS
        if self.policy.allow_sha1:
            signature_methods = signature_methods | LEGACY_SIGNATURE_METHODS
            digest_algorithms = digest_algorithms | LEGACY_DIGEST_ALGORITHMS
        self._signature_uris = frozenset(m.value for m in signature_methods)
        self._digest_uris = frozenset(m.value for m in digest_algorithms)
        self._config = SignatureConfiguration(
            require_x509=True,
            location=".//",
            expect_references=1,
            signature_methods=signature_methods,
            digest_algorithms=digest_algorithms,
            # XML-DSig (and xmlsec1) canonicalize a Reference without a c14n transform with
            # inclusive C14N 1.0; signxml would default to 1.1
            default_reference_c14n_method=CanonicalizationMethod.CANONICAL_XML_1_0,
        )
        self._local = threading.local()

    def verify(
        self, data: bytes | etree._Element, *, at: datetime | None = None
    ) -> VerifiedDocument:
        """Verify the document's signature at ``at`` (default: now; naive means UTC).

        Raises:
            SignatureRejected: with SIGNATURE_MISSING, SIGNATURE_REFERENCE_INVALID,
                SIGNATURE_ALGORITHM_REFUSED, SIGNATURE_INVALID, a CERT_* or a KEY_* code (module
                docstring).
            XmlRejected: ``data`` is bytes that :func:`schemas.xml.parse` refuses.
        """
        root = parse(bytes(data)) if isinstance(data, bytes | bytearray | memoryview) else data
        when = as_utc(at)
        try:
            return self._verify(root, when)
        except (SignatureRejected, ConfigurationError):
            raise  # a broken CRL file is our problem, not the sender's
        except Exception as e:  # hostile input must never crash a worker
            raise SignatureRejected(
                f"the signature cannot be processed ({type(e).__name__})",
                code=ErrorCode.SIGNATURE_INVALID,
            ) from e

    # -- the steps ---------------------------------------------------------------------------

    def _verify(self, root: etree._Element, when: datetime) -> VerifiedDocument:
        signature = _the_signature(root)
        signed_info = _one(signature, "ds:SignedInfo")
        _check_reference(signed_info)
        signature_method, digest_method = self._check_algorithms(signed_info)
        leaf, intermediates = _certificates(signature)
        self.trust.verify_chain(leaf, intermediates, when)
        check_signer(leaf, self.policy.signer)
        signed_root = self._check_signature(root, leaf, when)
        return VerifiedDocument(
            signed_root=signed_root,
            certificate=leaf,
            signer_organ_id=organ_id_of(leaf),
            signature_algorithm=signature_method,
            digest_algorithm=digest_method,
        )

    def _check_algorithms(self, signed_info: etree._Element) -> tuple[str, str]:
        c14n = _algorithm(signed_info, "ds:CanonicalizationMethod")
        if c14n not in CANONICALIZATION_URIS:
            _refuse(f"canonicalization {_short(c14n)!r} is not accepted")
        signature_method = _algorithm(signed_info, "ds:SignatureMethod")
        if signature_method not in self._signature_uris:
            _refuse(_refusal("signature algorithm", signature_method))
        reference = _one(signed_info, "ds:Reference")
        digest_method = _algorithm(reference, "ds:DigestMethod")
        if digest_method not in self._digest_uris:
            _refuse(_refusal("digest algorithm", digest_method))
        for transform in reference.iterfind("ds:Transforms/ds:Transform", _NS):
            if transform.get("Algorithm") not in TRANSFORM_URIS:
                _refuse(f"transform {_short(transform.get('Algorithm'))!r} is not accepted")
        return signature_method, digest_method

    def _check_signature(
        self, root: etree._Element, leaf: x509.Certificate, when: datetime
    ) -> etree._Element:
        try:
            result = XMLVerifier().verify(  # one per call: signxml keeps per-call state on it
                root,
                x509_cert=leaf,
                parser=self._parser(),
                expect_config=replace(self._config, verification_time=when),
            )
        except InvalidDigest as e:
            raise _invalid("the signed content was changed after signing (digest mismatch)") from e
        except InvalidCertificate as e:
            raise _invalid(f"the signing certificate was refused: {_short(e)}") from e
        except InvalidSignature as e:
            raise _invalid("the signature value does not match the signed information") from e
        except InvalidInput as e:
            raise _invalid(f"the signature is malformed: {_short(e)}") from e
        except etree.DocumentInvalid as e:
            raise _invalid("the ds:Signature element does not follow the XML-DSig schema") from e
        signed_root = getattr(result, "signed_xml", None)
        if signed_root is None:
            raise _invalid("the signed content is not an XML document")
        return signed_root

    def _parser(self) -> etree.XMLParser:
        parser: etree.XMLParser | None = getattr(self._local, "parser", None)
        if parser is None:
            parser = self._local.parser = hardened_parser()
        return parser


def _the_signature(root: etree._Element) -> etree._Element:
    if root.tag == DS_SIGNATURE:
        raise SignatureRejected(
            "an enveloping signature (ds:Signature as the root) is not accepted",
            code=ErrorCode.SIGNATURE_REFERENCE_INVALID,
        )
    signatures = list(root.iter(DS_SIGNATURE))
    if not signatures:
        foreign = any(
            isinstance(e.tag, str) and etree.QName(e).localname == "Signature" for e in root.iter()
        )
        hint = " (a <Signature> outside the XML-DSig namespace is not one)" if foreign else ""
        raise SignatureRejected(
            f"the document carries no XML-DSig signature{hint}", code=ErrorCode.SIGNATURE_MISSING
        )
    if len(signatures) > 1:
        raise SignatureRejected(
            f"the document carries {len(signatures)} ds:Signature elements; only one is accepted",
            code=ErrorCode.SIGNATURE_REFERENCE_INVALID,
        )
    return signatures[0]


def _check_reference(signed_info: etree._Element) -> None:
    references = signed_info.findall("ds:Reference", _NS)
    if len(references) != 1:
        raise SignatureRejected(
            f'the signature has {len(references)} references; exactly one (URI="") is accepted',
            code=ErrorCode.SIGNATURE_REFERENCE_INVALID,
        )
    uri = references[0].get("URI")
    transforms = [
        t.get("Algorithm") for t in references[0].iterfind("ds:Transforms/ds:Transform", _NS)
    ]
    if uri == "" and ENVELOPED not in transforms:
        raise SignatureRejected(
            "a whole-document reference must use the enveloped-signature transform",
            code=ErrorCode.SIGNATURE_REFERENCE_INVALID,
        )
    if uri != "":
        raise SignatureRejected(
            f"the signature references {_short(uri)!r}; only the whole document "
            '(URI="") is accepted',
            code=ErrorCode.SIGNATURE_REFERENCE_INVALID,
        )


def _certificates(
    signature: etree._Element,
) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
    """The signing certificate (the one that issued no other) and the rest, from KeyInfo."""
    texts = [
        e.text or "" for e in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    ]
    if not texts:
        raise _invalid("the signature carries no X.509 certificate in KeyInfo/X509Data")
    if len(texts) > MAX_CERTIFICATES:
        raise _invalid(
            f"KeyInfo carries {len(texts)} certificates; at most {MAX_CERTIFICATES} are accepted"
        )
    try:
        certificates = [
            x509.load_der_x509_certificate(b64decode("".join(text.split()), validate=True))
            for text in texts
        ]
    except (ValueError, binascii.Error) as e:
        raise _invalid("a certificate in KeyInfo is not a readable X.509 certificate") from e
    leaves = [
        c
        for c in certificates
        if not any(o is not c and o.issuer == c.subject for o in certificates)
    ]
    leaf = leaves[0] if len(leaves) == 1 else certificates[0]
    return leaf, tuple(c for c in certificates if c is not leaf)


def _one(parent: etree._Element, path: str) -> etree._Element:
    found = parent.findall(path, _NS)
    if len(found) != 1:
        raise _invalid(f"the signature must have exactly one {path}, not {len(found)}")
    return found[0]


def _algorithm(parent: etree._Element, path: str) -> str:
    return _one(parent, path).get("Algorithm") or ""


def _refusal(what: str, uri: str) -> str:
    if uri.lower().endswith("sha1"):
        return f"{what} {_short(uri)!r} (SHA-1) is refused: the sender is not flagged legacy"
    return f"{what} {_short(uri)!r} is not accepted"


def _short(value: object, limit: int = 120) -> str:
    """Text from the (untrusted) document, cut short before it goes into an error message."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _refuse(message: str) -> NoReturn:
    raise SignatureRejected(message, code=ErrorCode.SIGNATURE_ALGORITHM_REFUSED)


def _invalid(message: str) -> SignatureRejected:
    return SignatureRejected(message, code=ErrorCode.SIGNATURE_INVALID)
