"""Lifecycle from the CLI: route, escalate, list --escalated / --overdue, the scheduler."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gateway.cli import main

G17, G18 = "000.00.00.G17", "000.00.00.G18"


@pytest.fixture
def cli(cli):
    """The CLI on a fresh home with G17 and G18 registered."""
    run = cli
    run("agency", "add", G17, "--name", "Bộ Xây dựng")
    run("agency", "add", G18, "--name", "Bộ Y tế")
    return run


def submit(cli, *route: str) -> str:
    args = [a for organ in route for a in ("--to", organ)]
    return cli(
        "petition",
        "submit",
        "--category",
        "policy",
        "--title",
        "Thủ tục mẫu",
        "--content",
        "Nội dung mẫu",
        "--name",
        "Trần Thị Riêng Tư",
        *args,
    ).output.strip()


def test_an_unrouted_petition_is_routed_to_two_agencies_each_with_its_own_case(cli):
    petition_id = submit(cli)
    assert "received" in cli("petition", "show", petition_id).output
    assert "routed: cases 1, 2" in cli("petition", "route", petition_id, G17, G18).output
    view = json.loads(cli("petition", "show", petition_id, "--json").output)
    assert [c["agency"] for c in view["cases"]] == [G17, G18]
    routed_again = cli("petition", "route", petition_id, G17, ok=False)
    assert routed_again.output.strip() == f"error: CONFLICT: the petition is already with {G17}"


def test_an_operator_escalation_shows_in_the_list_and_the_petition(cli):
    quiet, escalated = submit(cli, G17), submit(cli, G17)
    assert (
        "escalated: government_authority"
        in cli("petition", "escalate", escalated, "--note", "Thẩm quyền của Thủ tướng").output
    )
    assert "already escalated" in cli("petition", "escalate", escalated).output
    listed = cli("petition", "list", "--escalated").output
    assert escalated in listed and quiet not in listed
    shown = cli("petition", "show", escalated).output
    assert "ESCALATED level 2 government_authority" in shown
    assert "Trần Thị Riêng Tư" not in shown


def test_escalating_an_unknown_petition_is_one_error_line(cli):
    result = cli("petition", "escalate", "nope", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == "error: NOT_FOUND: no petition nope"


def test_nothing_is_overdue_before_any_deadline_and_the_scheduler_says_so(cli):
    submit(cli, G17)
    assert cli("scheduler", "--once").output.strip() == "overdue: 0, reminders: 0"
    assert "no petitions" in cli("petition", "list", "--overdue").output


def test_scheduler_help_touches_no_database(tmp_path):
    env = {
        "GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "GATEWAY_PKI_DIR": str(tmp_path / "absent"),
    }
    for args in (
        ["scheduler", "--help"],
        ["calendar", "due", "--help"],
        ["petition", "escalate", "--help"],
    ):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0 and "Usage:" in result.output
    assert not (tmp_path / "absent").exists()


def test_publishing_a_petition_without_a_reply_is_refused_and_changes_nothing(cli):
    petition_id = submit(cli, G17)
    result = cli("petition", "publish", petition_id, ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: ILLEGAL_TRANSITION: petition {petition_id} cannot "
        "be published: its cases are transferred"
    )
    assert (
        json.loads(cli("petition", "show", petition_id, "--json").output)["status"] == "transferred"
    )
