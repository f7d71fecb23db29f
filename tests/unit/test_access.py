"""The role table: for every action and every role, allowed or refused, written out here a second
time so that a change to the rules is a change to this table too; a new action without a rule
(or without a row here) fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.domain.access import RULES, Action, Invitation, Principal, Role

OP, A, D, G, E, P = "operator", "auditor", "admin", "agency", "expert", "portal"

EXPECTED: dict[Action, set[str]] = {
    Action.PETITION_SUBMIT: {OP, P},
    Action.PETITION_READ: {OP, A, G, E, P},
    Action.PETITION_LIST: {OP, A, G, P},
    Action.PETITION_ROUTE: {OP},
    Action.PETITION_RECALL: {OP},
    Action.PETITION_ESCALATE: {OP},
    Action.ESCALATION_DECIDE: {OP},
    Action.PETITION_MARK_USEFUL: {OP},
    Action.PETITION_PUBLISH: {OP},
    Action.PETITION_CLOSE: {OP},
    Action.DOCUMENT_READ: {OP, A, G},
    Action.DOCUMENT_VERIFY: {OP, A, G},
    Action.RECEIPT_READ: {OP, A, P},
    Action.AUDIT_READ: {OP, A},
    Action.AUDIT_VERIFY: {OP, A},
    Action.AUDIT_EXPORT: {OP, A},
    Action.REPORT_READ: {OP, A, D},
    Action.REPORT_ISSUE: {OP},
    Action.ADMIN_READ: {D, A},
    Action.AGENCY_MANAGE: {D},
    Action.CERTIFICATE_MANAGE: {D},
    Action.ADAPTER_MANAGE: {D},
    Action.DEAD_LETTER_MANAGE: {D},
    Action.USER_MANAGE: {D},
    Action.EXPERT_INVITE: {OP},
    Action.OPINION_WRITE: {E},
    Action.DASHBOARD_READ: {OP, A, D},
}
CHANGES_NOTHING = {Role.AUDITOR}


def test_every_action_has_a_rule_and_a_row_here() -> None:
    assert set(RULES) == set(Action)
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_each_role_may_do_exactly_what_the_table_says(action: Action, role: Role) -> None:
    principal = Principal("u", "someone", role)
    assert principal.may(action) is (role.value in EXPECTED[action])


def test_an_auditor_changes_nothing() -> None:
    reads = {"read", "list", "verify", "export"}
    for action in Action:
        if Principal("u", "a", Role.AUDITOR).may(action):
            assert action.value.split(".")[1] in reads, action


def test_the_bootstrap_token_may_do_everything() -> None:
    system = Principal("", "api", Role.ADMIN, system=True)
    assert all(system.may(a) for a in Action)
    assert system.actor == "api"
    assert Principal("u", "lan", Role.OPERATOR).actor == "user:lan"


def test_scoped_roles_see_only_their_own_petitions() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)

    def sees(p: Principal, organs: set[str], portal: str = "nguoidan", pid: str = "p1") -> bool:
        return p.sees(petition_id=pid, organ_ids=frozenset(organs), portal=portal, at=now)

    staff = Principal("u", "g", Role.AGENCY, organ_id="000.00.00.G17")
    assert sees(staff, {"000.00.00.G17", "000.00.00.H29"})
    assert not sees(staff, {"000.00.00.H29"})
    assert not sees(Principal("u", "g", Role.AGENCY), {""})  # no agency: nothing
    portal = Principal("u", "p", Role.PORTAL, portal="doanhnghiep")
    assert sees(portal, set(), "doanhnghiep") and not sees(portal, set(), "nguoidan")
    invited = Invitation("p1", until=now + timedelta(days=1))
    expert = Principal("u", "e", Role.EXPERT, invitations=(invited,))
    assert sees(expert, set(), pid="p1") and not sees(expert, set(), pid="p2")
    ended = Principal("u", "e", Role.EXPERT, invitations=(Invitation("p1", until=now),))
    assert not sees(ended, set(), pid="p1")
    assert sees(Principal("u", "o", Role.OPERATOR), set())


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_the_service_layer_refuses_what_the_table_refuses(action: Action, role: Role) -> None:
    # the one check every entry point (API, console, CLI) calls before a use case
    from gateway.errors import Forbidden
    from gateway.service.access import authorize

    principal = Principal("u", "someone", role)
    if role.value in EXPECTED[action]:
        authorize(principal, action)
    else:
        with pytest.raises(Forbidden):
            authorize(principal, action)
