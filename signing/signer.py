"""Signing gateway documents: one enveloped XML-DSig signature over the whole document.

The signature (W3C XML-DSig, as QCVN 102:2016 asks for edXML):

* enveloped, ``Reference URI=""`` — it covers the whole document, attachments included;
* transforms: enveloped-signature, then exclusive C14N (``xml-exc-c14n#``, also for SignedInfo);
* digest SHA-256; signature RSA-SHA256 for RSA keys, ECDSA-SHA256 for EC keys;
* KeyInfo/X509Data with the signing certificate, then its intermediates.

Where it goes: the last child of ``parent`` — ``edXMLHeader`` for edXML packages, the root for our
own receipts. The configuration is built once per :class:`XmlSigner`; the key is loaded once (by
:func:`signing.keys.load_key_pair`) and held in memory.
"""

from __future__ import annotations

import copy
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConstructionMethod,
    SignatureMethod,
)
from signxml.signer import SignatureReference
from signxml.signer import XMLSigner as _SignxmlSigner

from gateway.errors import ConfigurationError
from signing.keys import KeyPair

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DS_SIGNATURE = f"{{{DS_NS}}}Signature"
C14N_METHOD = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0
DIGEST_ALGORITHM = DigestAlgorithm.SHA256
RSA_SIGNATURE_METHOD = SignatureMethod.RSA_SHA256
EC_SIGNATURE_METHOD = SignatureMethod.ECDSA_SHA256
_WHOLE_DOCUMENT = SignatureReference(URI="")


class _WholeDocumentSigner(_SignxmlSigner):
    """signxml's signer, always referencing the whole document (``URI=""``).

    signxml points the reference at ``#<Id>`` when the signed root has an ``Id``/``ID`` attribute;
    our contract is ``URI=""`` whatever the root carries, so the one reference is replaced here.
    """

    def _unpack(self, data: Any, references: Any) -> Any:
        sig_root, doc_root, c14n_inputs, _references = super()._unpack(data, references)
        return sig_root, doc_root, c14n_inputs, [_WHOLE_DOCUMENT]


def signature_method_for(key_pair: KeyPair) -> SignatureMethod:
    """RSA-SHA256 for an RSA key, ECDSA-SHA256 for an EC key.

    Raises:
        ConfigurationError: any other kind of key.
    """
    if isinstance(key_pair.private_key, rsa.RSAPrivateKey):
        return RSA_SIGNATURE_METHOD
    if isinstance(key_pair.private_key, ec.EllipticCurvePrivateKey):
        return EC_SIGNATURE_METHOD
    raise ConfigurationError(f"cannot sign with a {type(key_pair.private_key).__name__}")


class XmlSigner:
    """Signs documents with one key pair; thread-safe, share one per key."""

    def __init__(self, key_pair: KeyPair) -> None:
        self.key_pair = key_pair
        self.signature_method = signature_method_for(key_pair)
        self._certificates = [key_pair.certificate, *key_pair.chain]
        self._signer = _WholeDocumentSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=self.signature_method,
            digest_algorithm=DIGEST_ALGORITHM,
            c14n_algorithm=C14N_METHOD,
        )

    def sign(self, root: etree._Element, parent: etree._Element | None = None) -> bytes:
        """Return the serialized signed document (UTF-8, with XML declaration).

        The ``ds:Signature`` is placed as the last child of ``parent`` (default: ``root``). The
        caller's tree is not changed: a copy is signed.

        Raises:
            ValueError: ``parent`` is not ``root`` or inside it, or the document already contains a
                ``ds:Signature``.
        """
        document = copy.deepcopy(root)
        document.tail = None
        target = document if parent is None else _counterpart(root, parent, document)
        if next(document.iter(DS_SIGNATURE), None) is not None:
            raise ValueError("the document already contains a ds:Signature")
        etree.SubElement(target, DS_SIGNATURE, {"Id": "placeholder"}, nsmap={"ds": DS_NS})
        signed = self._signer.sign(document, key=self.key_pair.private_key, cert=self._certificates)
        body: bytes = etree.tostring(signed, xml_declaration=True, encoding="UTF-8")
        return body


def _counterpart(
    root: etree._Element, element: etree._Element, copied_root: etree._Element
) -> etree._Element:
    """The element of ``copied_root`` at the same position as ``element`` in ``root``."""
    steps: list[int] = []
    node = element
    while node is not root:
        up = node.getparent()
        if up is None:
            raise ValueError("parent must be the root element or one of its descendants")
        steps.append(up.index(node))
        node = up
    for step in reversed(steps):
        copied_root = copied_root[step]
    return copied_root
