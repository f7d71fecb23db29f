"""How a certificate is bound to an agency: the OrganId (mã định danh) in the subject's ``UID``.

DESIGN §7 asks that every inbound document be signed by a certificate "whose subject is bound to the
``From`` OrganId". The binding this gateway uses, and the one the README cites, is:

    **The agency's OrganId is the value of the certificate subject's ``UID`` attribute**
    (``userID``, OID ``0.9.2342.19200300.100.1.1``, ``NameOID.USER_ID``), e.g.
    ``CN=Bộ Xây dựng, O=Bộ Xây dựng, UID=000.00.00.G17, C=VN``.

Why ``UID``: it is a standard, single-valued directory attribute (RFC 4519) that any CA can put in
a subject without a private OID or extension, that every tool shows (``openssl x509 -subject``,
xmlsec1, the Windows certificate viewer), and that leaves ``CN``/``O`` for the agency's name. Names
are neither unique nor stable (they change with restructurings), so ``CN``/``O`` are never used for
the binding. A production CA that carries the OrganId elsewhere needs a change here, and only here.

Rules (strict on purpose):

* exactly one ``UID`` attribute in the subject → its value is the OrganId, compared **exactly**
  (no trimming, no case folding) with the OrganId a document claims;
* no ``UID``, or more than one (ambiguous) → the certificate is bound to no agency
  (:func:`organ_id_of` returns ``None``), so it can sign nothing an agency is accountable for.

The development PKI (:mod:`signing.pki`) builds subjects with :func:`subject_for`, so issuing and
checking use the same rule.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

ORGAN_ID_OID = NameOID.USER_ID
"""The subject attribute that carries the OrganId: ``UID`` (0.9.2342.19200300.100.1.1)."""


def organ_id_of(cert: x509.Certificate) -> str | None:
    """The OrganId a certificate is bound to, or ``None`` when it is bound to no agency.

    ``None`` when the subject has no ``UID`` attribute, more than one, or an empty one.
    """
    values = cert.subject.get_attributes_for_oid(ORGAN_ID_OID)
    if len(values) != 1:
        return None
    value = values[0].value
    if not isinstance(value, str) or not value:
        return None
    return value


def subject_for(organ_id: str, name: str, *, country: str = "VN") -> x509.Name:
    """The subject name binding a certificate to ``organ_id``: CN=name, O=name, UID=organ_id, C."""
    if not organ_id:
        raise ValueError("an OrganId is required to bind a certificate to an agency")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(ORGAN_ID_OID, organ_id),
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        ]
    )
