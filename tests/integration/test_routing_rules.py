"""Routing rules as data: an unrouted petition that matches a rule is transferred at intake;
one that matches none stays in VPCP's routing queue."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.service.intake import submit_petition
from tests.conftest import AGENCY_A, AGENCY_B, new_petition

RULES = """
[[rule]]
name = "xây dựng"
keywords = ["cấp phép xây dựng"]
agencies = ["000.00.00.G17", "000.00.00.G18"]
"""


@pytest.fixture
def svc(make_services, tmp_path: Path):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    return make_services(routing_rules=str(rules), agencies=(AGENCY_A, AGENCY_B))


def test_a_petition_matching_a_rule_gets_a_case_per_agency_of_the_rule(svc):
    submitted = submit_petition(
        svc, new_petition(1, content="Hồ sơ CẤP PHÉP XÂY DỰNG nộp đã lâu chưa có kết quả.")
    )
    with svc.store.unit_of_work() as uow:
        cases = uow.cases.for_petition(submitted.petition_id)
        actions = [e.action for e in uow.audit.for_petition(submitted.petition_id)]
        status = uow.petitions.get(submitted.petition_id).status
    assert sorted(c.case.organ_id for c in cases) == [AGENCY_A[0], AGENCY_B[0]]
    assert "petition.rule_matched" in actions and status == "transferred"


def test_a_petition_matching_no_rule_stays_with_vpcp(svc):
    submitted = submit_petition(svc, new_petition(2, content="Đường liên thôn bị hư hỏng."))
    with svc.store.unit_of_work() as uow:
        assert uow.cases.for_petition(submitted.petition_id) == []
        assert uow.petitions.get(submitted.petition_id).status == "received"


def test_a_petition_routed_by_the_portal_ignores_the_rules(svc):
    submitted = submit_petition(
        svc, new_petition(3, content="Cấp phép xây dựng chậm.", route_to=(AGENCY_B[0],))
    )
    with svc.store.unit_of_work() as uow:
        assert [c.case.organ_id for c in uow.cases.for_petition(submitted.petition_id)] == [
            AGENCY_B[0]
        ]
