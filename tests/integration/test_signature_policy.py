"""The signature policy (gateway.service.signatures): the strict verifier first; RSA-SHA1 only
from an agency flagged legacy, a flag read only for a SHA-1 signature; the signer bound to the
organ."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ErrorCode, SignatureRejected
from gateway.service.signatures import legacy_lookup, verify_signed
from schemas import xml
from tests.integration.test_bad_input import AGENCY, sha1_signed, signed, status_root


def test_sha1_verifies_only_for_an_agency_flagged_legacy(svc, pki_dir: Path) -> None:
    body = sha1_signed(pki_dir, status_root(), AGENCY)
    with pytest.raises(SignatureRejected) as refused:
        verify_signed(svc.trust, xml.parse(body), AGENCY, legacy=False)
    assert refused.value.code == ErrorCode.SIGNATURE_ALGORITHM_REFUSED
    verified = verify_signed(svc.trust, xml.parse(body), AGENCY, legacy=True)
    assert verified.signature_algorithm.endswith("rsa-sha1")


def test_a_legacy_signature_is_still_bound_to_its_organ(svc, pki_dir: Path) -> None:
    body = sha1_signed(pki_dir, status_root(), AGENCY)
    with pytest.raises(SignatureRejected) as refused:
        verify_signed(svc.trust, xml.parse(body), "000.00.00.G18", legacy=True)
    assert refused.value.code == ErrorCode.CERT_ORGAN_MISMATCH


def test_the_legacy_flag_is_the_agencys(make_services) -> None:
    svc = make_services(agencies=((AGENCY, "Bộ Kế hoạch và Đầu tư"),))
    assert not legacy_lookup(svc.store, AGENCY)()
    with svc.store.unit_of_work() as uow:
        uow.agencies.set_legacy_sha1(AGENCY, True)
        uow.commit()
    assert legacy_lookup(svc.store, AGENCY)()
    assert not legacy_lookup(svc.store, "000.00.00.G99")()  # not registered
    assert not legacy_lookup(svc.store, None)()


def test_the_legacy_flag_is_asked_for_only_when_a_sha1_signature_was_refused(
    svc, pki_dir: Path
) -> None:
    asked: list[bool] = []

    def lookup() -> bool:
        asked.append(True)
        return True

    verify_signed(svc.trust, xml.parse(signed(pki_dir, status_root())), AGENCY, legacy=lookup)
    assert asked == []  # a SHA-2 document costs no lookup (no database read per document)
    verified = verify_signed(
        svc.trust, xml.parse(sha1_signed(pki_dir, status_root(), AGENCY)), AGENCY, legacy=lookup
    )
    assert asked == [True] and verified.signature_algorithm.endswith("rsa-sha1")
