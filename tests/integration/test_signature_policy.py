"""The signature policy (gateway.service.signatures): the strict verifier first; RSA-SHA1 only
from an agency flagged legacy, a flag read before the check; the signer bound to the organ."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ErrorCode, SignatureRejected
from gateway.service.signatures import look_up_legacy, verify_signed
from schemas import xml
from tests.integration.test_bad_input import AGENCY, sha1_signed, status_root


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
    assert not look_up_legacy(svc.store, AGENCY)
    with svc.store.unit_of_work() as uow:
        uow.agencies.set_legacy_sha1(AGENCY, True)
        uow.commit()
    assert look_up_legacy(svc.store, AGENCY)
    assert not look_up_legacy(svc.store, "000.00.00.G99")  # not registered
    assert not look_up_legacy(svc.store, None)
