"""Accounts on both databases: users and roles, argon2 passwords, sessions with a server-side
expiry, login throttling, per-user API tokens, experts invited to escalated petitions; through the
service layer and the API, with every change audited and no secret stored or audited."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.api.app import create_app
from gateway.clock import FixedClock
from gateway.domain.access import Principal, Role
from gateway.errors import (
    Forbidden,
    IllegalTransition,
    InputInvalid,
    NotFound,
    StoreConflict,
    TooManyRequests,
    Unauthorized,
)
from gateway.service import accounts
from gateway.service.accounts import NewUser
from gateway.service.escalations import escalate_petition
from gateway.service.intake import submit_petition
from gateway.store import tables as t
from tests.conftest import AGENCY_A, AGENCY_B, OPERATOR, new_petition
from tests.helpers import query, served

ADMIN = Principal("", "cli", Role.ADMIN, system=True)
PASSWORD = "mật khẩu đủ dài 2026"


@pytest.fixture
def world(make_services):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    svc = make_services(agencies=(AGENCY_A, AGENCY_B), clock=clock)
    return svc, clock


def add(svc, name: str, role: Role, **scope: str) -> str:  # type: ignore[no-untyped-def]
    _, generated = accounts.add_user(
        svc, NewUser(name, f"Người dùng {name}", role, **scope), by=ADMIN, password=PASSWORD
    )
    assert generated is None
    return name


def test_users_are_added_once_with_their_scope_and_argon2_passwords(world) -> None:  # type: ignore[no-untyped-def]
    svc, _ = world
    made, generated = accounts.add_user(
        svc, NewUser("Lan.Nguyen", "Nguyễn Thị Lan", Role.OPERATOR), by=ADMIN
    )
    assert made.username == "lan.nguyen" and generated and len(generated) >= 12
    with pytest.raises(StoreConflict):
        accounts.add_user(svc, NewUser("lan.nguyen", "X", Role.AUDITOR), by=ADMIN)
    with pytest.raises(InputInvalid, match="names its agency"):
        accounts.add_user(svc, NewUser("staff", "X", Role.AGENCY), by=ADMIN)
    with pytest.raises(NotFound):
        accounts.add_user(svc, NewUser("staff", "X", Role.AGENCY, organ_id="nope"), by=ADMIN)
    with pytest.raises(InputInvalid, match="at least 12"):
        accounts.add_user(svc, NewUser("short", "X", Role.AUDITOR), by=ADMIN, password="abc")
    stored = query(svc.store.engine, select(t.users.c.password_hash))
    assert all(h.startswith("$argon2id$") for (h,) in stored)
    operator = accounts.log_in(svc, "lan.nguyen", generated).principal
    with pytest.raises(Forbidden):  # only administrators manage users
        accounts.add_user(svc, NewUser("x1", "X", Role.ADMIN), by=operator)


def test_a_session_ends_at_logout_at_its_expiry_and_when_its_user_is_disabled(world) -> None:  # type: ignore[no-untyped-def]
    svc, clock = world
    add(svc, "auditor1", Role.AUDITOR)
    add(svc, "admin1", Role.ADMIN)
    first = accounts.log_in(svc, "auditor1", PASSWORD)
    second = accounts.log_in(svc, "AUDITOR1", PASSWORD)
    assert first.secret != second.secret  # a new session id at every login
    found = accounts.session_principal(svc, first.secret)
    assert found is not None and found[0].role is Role.AUDITOR and found[1] == first.csrf
    accounts.log_out(svc, first.secret)
    assert accounts.session_principal(svc, first.secret) is None
    assert accounts.session_principal(svc, second.secret) is not None
    clock.advance(timedelta(hours=svc.account_policy.session_hours, seconds=1))
    assert accounts.session_principal(svc, second.secret) is None  # expired server-side
    third = accounts.log_in(svc, "auditor1", PASSWORD)
    _, token = accounts.issue_token(svc, "auditor1", "scripts", by=ADMIN)
    assert accounts.token_principal(svc, token) is not None
    accounts.set_disabled(svc, "auditor1", True, by=ADMIN)
    assert accounts.session_principal(svc, third.secret) is None
    assert accounts.token_principal(svc, token) is None
    with pytest.raises(Unauthorized):
        accounts.log_in(svc, "auditor1", PASSWORD)
    with pytest.raises(IllegalTransition, match="last administrator"):
        accounts.set_disabled(svc, "admin1", True, by=ADMIN)


def test_logins_are_throttled_per_user_name_until_the_window_passes(world) -> None:  # type: ignore[no-untyped-def]
    svc, clock = world
    add(svc, "op1", Role.OPERATOR)
    for _ in range(svc.account_policy.login_max_failures):
        with pytest.raises(Unauthorized):
            accounts.log_in(svc, "op1", "wrong password!")
    with pytest.raises(TooManyRequests):  # even the right password, for now
        accounts.log_in(svc, "op1", PASSWORD)
    with pytest.raises(TooManyRequests):  # and an unknown name is throttled alike
        for _ in range(svc.account_policy.login_max_failures + 1):
            with contextlib.suppress(Unauthorized):
                accounts.log_in(svc, "nobody", "x" * 12)
    clock.advance(timedelta(minutes=svc.account_policy.login_window_minutes, seconds=1))
    assert accounts.log_in(svc, "op1", PASSWORD).principal.username == "op1"


def test_a_role_change_ends_the_sessions_and_tokens_are_revocable(world) -> None:  # type: ignore[no-untyped-def]
    svc, _ = world
    add(svc, "op2", Role.OPERATOR)
    login = accounts.log_in(svc, "op2", PASSWORD)
    accounts.set_role(svc, "op2", Role.AUDITOR, by=ADMIN)
    assert accounts.session_principal(svc, login.secret) is None
    token_id, token = accounts.issue_token(svc, "op2", "a script", by=ADMIN)
    principal = accounts.token_principal(svc, token)
    assert principal is not None and principal.role is Role.AUDITOR
    accounts.revoke_token(svc, token_id, by=ADMIN)
    assert accounts.token_principal(svc, token) is None
    with pytest.raises(NotFound):
        accounts.revoke_token(svc, token_id, by=ADMIN)


def test_every_change_is_audited_and_no_secret_is_stored_or_audited(world) -> None:  # type: ignore[no-untyped-def]
    svc, _ = world
    add(svc, "op3", Role.OPERATOR)
    login = accounts.log_in(svc, "op3", PASSWORD)
    _, token = accounts.issue_token(svc, "op3", "x", by=ADMIN)
    new_password = accounts.reset_password(svc, "op3", by=ADMIN)
    accounts.set_role(svc, "op3", Role.AUDITOR, by=ADMIN)
    accounts.set_disabled(svc, "op3", True, by=ADMIN)
    events = query(svc.store.engine, select(t.audit_events.c.action, t.audit_events.c.details))
    actions = [a for a, _ in events]
    for expected in ("user.added", "user.logged_in", "user.token_issued", "user.changed"):
        assert expected in actions
    everything = json.dumps(
        [
            list(map(str, row))
            for table in (t.audit_events, t.users, t.user_sessions, t.user_tokens)
            for row in query(svc.store.engine, select(table))
        ],
        ensure_ascii=False,
    )
    for secret in (PASSWORD, login.secret, token, new_password):  # (the CSRF token is no key)
        assert secret not in everything


def test_an_expert_is_invited_to_an_escalated_petition_only_and_writes_an_opinion(world) -> None:  # type: ignore[no-untyped-def]
    svc, clock = world
    add(svc, "expert1", Role.EXPERT)
    add(svc, "op4", Role.OPERATOR)
    operator = accounts.log_in(svc, "op4", PASSWORD).principal
    pid = submit_petition(svc, new_petition(1, route_to=(AGENCY_A[0],))).petition_id
    other = submit_petition(svc, new_petition(2, route_to=(AGENCY_A[0],))).petition_id
    with pytest.raises(IllegalTransition, match="not been escalated"):
        accounts.invite_expert(svc, "expert1", pid, days=7, by=operator)
    escalate_petition(svc, pid, "government_authority", note="", actor="operator")
    with pytest.raises(InputInvalid, match="not an expert"):
        accounts.invite_expert(svc, "op4", pid, days=7, by=operator)
    accounts.invite_expert(svc, "expert1", pid, days=7, by=operator)
    expert = accounts.log_in(svc, "expert1", PASSWORD).principal
    accounts.write_opinion(svc, pid, "Đề nghị lấy ý kiến hiệp hội ngành nghề.", by=expert)
    with pytest.raises(NotFound):  # not invited: as if it did not exist
        accounts.write_opinion(svc, other, "…", by=expert)
    with pytest.raises(Forbidden):
        accounts.write_opinion(svc, pid, "…", by=operator)
    shown = accounts.opinions(svc, pid, by=operator)
    assert [o.username for o in shown] == ["expert1"]
    clock.advance(timedelta(days=8))  # the invitation has ended
    expert = accounts.log_in(svc, "expert1", PASSWORD).principal
    with pytest.raises(NotFound):
        accounts.write_opinion(svc, pid, "late", by=expert)


def test_the_api_checks_each_tokens_role_and_scope(world) -> None:  # type: ignore[no-untyped-def]
    svc, _ = world
    add(svc, "cong.nguoidan", Role.PORTAL, portal="nguoidan")
    add(svc, "staff.g17", Role.AGENCY, organ_id=AGENCY_A[0])
    add(svc, "audit2", Role.AUDITOR)
    tokens = {
        name: accounts.issue_token(svc, name, "test", by=ADMIN)[1]
        for name in ("cong.nguoidan", "staff.g17", "audit2")
    }

    def bearer(name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[name]}"}

    body = {
        "category": "policy",
        "title": "Thủ tục cấp phép xây dựng",
        "content": "Đề nghị rút gọn thành phần hồ sơ.",
        "petitioner": {"kind": "citizen", "name": "Nguyễn Văn Mẫu"},
        "portal": "nguoidan",
        "route_to": [AGENCY_A[0]],
    }
    with served(create_app(svc)) as api:
        mine = api.post("/v1/petitions", json=body, headers=bearer("cong.nguoidan"))
        assert mine.status_code == 201, mine.text
        pid = mine.json()["id"]
        other_portal = api.post(
            "/v1/petitions", json={**body, "portal": "doanhnghiep"}, headers=bearer("cong.nguoidan")
        )
        assert other_portal.status_code == 403
        theirs = api.post(
            "/v1/petitions",
            json={**body, "portal": "doanhnghiep", "route_to": [AGENCY_B[0]]},
            headers=OPERATOR,  # the bootstrap token keeps working
        ).json()["id"]
        assert api.get(f"/v1/petitions/{pid}", headers=bearer("cong.nguoidan")).status_code == 200
        assert (
            api.get(f"/v1/petitions/{theirs}", headers=bearer("cong.nguoidan")).status_code == 404
        )
        listed = api.get("/v1/petitions", headers=bearer("cong.nguoidan")).json()["petitions"]
        assert [p["id"] for p in listed] == [pid]
        route = {"agencies": [AGENCY_B[0]]}
        refused = api.post(
            f"/v1/petitions/{pid}/route", json=route, headers=bearer("cong.nguoidan")
        )
        assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
        # an agency's staff: their agency's petitions only, and nothing to change
        assert api.get(f"/v1/petitions/{pid}", headers=bearer("staff.g17")).status_code == 200
        assert api.get(f"/v1/petitions/{theirs}", headers=bearer("staff.g17")).status_code == 404
        staff_list = api.get("/v1/petitions", headers=bearer("staff.g17")).json()["petitions"]
        assert [p["id"] for p in staff_list] == [pid]
        assert (
            api.post(f"/v1/petitions/{pid}/publish", headers=bearer("staff.g17")).status_code == 403
        )
        # an auditor reads everything and changes nothing
        assert api.get(f"/v1/petitions/{theirs}", headers=bearer("audit2")).status_code == 200
        escalate = {"reason": "government_authority"}
        assert (
            api.post(
                f"/v1/petitions/{pid}/escalate", json=escalate, headers=bearer("audit2")
            ).status_code
            == 403
        )
        # a disabled user's token stops at once, before its body is read
        accounts.set_disabled(svc, "cong.nguoidan", True, by=ADMIN)
        gone = api.post("/v1/petitions", json=body, headers=bearer("cong.nguoidan"))
        assert gone.status_code == 401
        assert api.get(f"/v1/petitions/{pid}", headers=bearer("cong.nguoidan")).status_code == 401
