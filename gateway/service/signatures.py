"""Chính sách chữ ký: which signatures the gateway accepts, and from whom.

The strict verifier (SHA-2 signatures only) runs first. Only when it refuses a document with
SIGNATURE_ALGORITHM_REFUSED (an RSA-SHA1 signature), and only for an agency flagged legacy (old
e-office software), does the permissive one run. The signer's certificate is then bound to the
organ the document comes from.

Whether an agency is flagged legacy is the caller's to say: one that has a unit of work open
reads it there (:func:`flagged_legacy`); the others pass a lookup (:func:`legacy_lookup`) that
runs only after the strict verifier has refused a SHA-1 signature, so the common SHA-2 document
costs no database read. Nothing here opens a unit of work of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from lxml import etree

from gateway.errors import ErrorCode, SignatureRejected
from gateway.store.uow import Store, UnitOfWork
from signing import VerifiedDocument
from signing.certificates import LiveTrust


def verify_signed(
    trust: LiveTrust,
    root: etree._Element | bytes,
    organ_id: str | None,
    *,
    legacy: bool | Callable[[], bool],
    at: datetime | None = None,
) -> VerifiedDocument:
    """Verify a document that says it comes from ``organ_id``, and bind its signer to it.

    ``legacy``: ``organ_id`` is an agency flagged legacy, whose RSA-SHA1 signatures are
    accepted — or a lookup that says so, asked only when the strict verifier refused SHA-1.
    ``organ_id=None`` verifies without binding (the caller binds once it has read the signed
    content). The certificate must be valid at ``at`` (default: now). The verifiers are the live
    ones (``trust`` follows `gateway pki import` without a restart).

    Raises:
        SignatureRejected: any SIGNATURE_* / CERT_* code.
    """
    verifiers = trust.current()
    try:
        verified = verifiers.strict.verify(root, at=at)
    except SignatureRejected as e:
        if e.code != ErrorCode.SIGNATURE_ALGORITHM_REFUSED:
            raise
        if not (legacy() if callable(legacy) else legacy):
            raise
        verified = verifiers.legacy.verify(root, at=at)
    if organ_id is not None:
        verified.require_organ(organ_id)
    return verified


def flagged_legacy(uow: UnitOfWork, organ_id: str | None) -> bool:
    """Is ``organ_id`` a registered agency flagged legacy (its SHA-1 signatures accepted)?"""
    if not organ_id:
        return False
    agency = uow.agencies.get(organ_id)
    return agency is not None and agency.legacy_sha1


def legacy_lookup(store: Store, organ_id: str | None) -> Callable[[], bool]:
    """:func:`flagged_legacy` in a short unit of work of its own, for a caller that has none
    open; :func:`verify_signed` asks it only for a SHA-1 signature."""

    def lookup() -> bool:
        if not organ_id:
            return False
        with store.unit_of_work() as uow:
            return flagged_legacy(uow, organ_id)

    return lookup
