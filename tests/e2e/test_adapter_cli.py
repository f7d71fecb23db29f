"""`gateway adapter …` from the command line, against a real SOAP server (spyne) and a real HTTP
server: every command, and bad input giving one clear line, exit 1 and nothing saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.simulator.soap import SoapServer, soap_application
from tests.conftest import AGENCY_A
from tests.integration.adapter_support import simulated_agency

G17 = AGENCY_A[0]


@pytest.fixture
def cli(cli):
    """The CLI on a fresh home with G17 registered."""
    run = cli
    run("agency", "add", G17, "--name", "Bộ Xây dựng")
    return run


@pytest.fixture
def soap(pki_dir, tmp_path):
    simulator = simulated_agency(pki_dir, tmp_path, G17)
    server = SoapServer(soap_application(simulator.receive, known=simulator.knows)).start()
    yield server
    server.stop()
    simulator.close()


def soap_args(server: SoapServer, *extra: str) -> list[str]:
    return [
        "adapter",
        "add",
        G17,
        "--kind",
        "soap",
        "--wsdl",
        server.wsdl_url,
        "--operation",
        "ReceiveEdxmlBase64",
        "--encoding",
        "base64",
        "--status-operation",
        "GetStatus",
        *extra,
    ]


def listed(cli) -> list[dict]:
    return json.loads(cli("adapter", "list", "--json").output)


def audit_actions(tmp_path: Path) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    with engine.connect() as c:
        actions = [
            r[0]
            for r in c.execute(
                text("SELECT action FROM audit_events WHERE action LIKE 'adapter.%' ORDER BY seq")
            )
        ]
    engine.dispose()
    return actions


def one_error_line(result, code: str) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {code}: "), result.output
    return lines[0]


def test_kinds_lists_the_installed_kinds(cli):
    kinds = {k["kind"]: k for k in json.loads(cli("adapter", "kinds", "--json").output)}
    assert {"rest", "soap", "pull"} <= set(kinds)
    assert not any(kinds[k]["broken"] for k in ("rest", "soap", "pull"))
    assert "WSDL" in cli("adapter", "kinds").output


def test_a_soap_adapter_is_checked_added_disabled_and_tested_with_a_signed_round_trip(cli, soap):
    added = cli(*soap_args(soap)).output
    assert "added for 000.00.00.G17, disabled" in added and "WSDL loaded" in added
    tested = cli("adapter", "test", G17).output
    assert "round trip ok" in tested and "signed receipt verified" in tested
    assert "status operation says 'received'" in tested
    dry = cli("adapter", "test", G17, "--dry-run").output
    assert "dry run: nothing sent" in dry


def test_an_unreachable_wsdl_is_refused_and_nothing_is_saved(cli):
    result = cli(
        "adapter",
        "add",
        G17,
        "--kind",
        "soap",
        "--wsdl",
        "http://127.0.0.1:9/?wsdl",
        "--operation",
        "ReceiveEdxml",
        ok=False,
    )
    assert "cannot load the WSDL" in one_error_line(result, "INPUT_INVALID")
    assert listed(cli) == []


def test_a_missing_operation_is_refused_naming_the_ones_there_and_nothing_is_saved(cli, soap):
    result = cli(
        "adapter",
        "add",
        G17,
        "--kind",
        "soap",
        "--wsdl",
        soap.wsdl_url,
        "--operation",
        "Deliver",
        ok=False,
    )
    line = one_error_line(result, "INPUT_INVALID")
    assert "no operation 'Deliver'" in line and "ReceiveEdxml" in line
    assert listed(cli) == []


def test_a_wrong_document_parameter_is_refused(cli, soap):
    result = cli(*soap_args(soap, "--document-param", "body"), ok=False)
    assert "no parameter 'body'" in one_error_line(result, "INPUT_INVALID")
    assert listed(cli) == []


def test_an_unknown_kind_is_refused_naming_the_known_ones(cli):
    line = one_error_line(cli("adapter", "add", G17, "--kind", "fax", ok=False), "INPUT_INVALID")
    assert "unknown adapter kind 'fax'" in line and "soap" in line
    assert listed(cli) == []


def test_an_unknown_agency_is_refused_for_every_command(cli, soap):
    for args in (
        [*soap_args(soap)[:2], "000.00.00.G99", *soap_args(soap)[3:]],
        ["adapter", "show", "000.00.00.G99"],
        ["adapter", "test", "000.00.00.G99"],
        ["adapter", "enable", "000.00.00.G99"],
        ["adapter", "disable", "000.00.00.G99"],
        ["adapter", "edit", "000.00.00.G99", "--timeout", "3"],
        ["adapter", "remove", "000.00.00.G99"],
    ):
        one_error_line(cli(*args, ok=False), "UNKNOWN_AGENCY")
    assert listed(cli) == []


def test_enable_disable_edit_remove_are_audited_and_secrets_never_printed(cli, soap, tmp_path):
    cli(*soap_args(soap, "--auth", "wsse", "--username", "vpcp", "--password", "s3cr3t-pw"))
    assert "enabled" in cli("adapter", "enable", G17).output
    assert "already enabled" in cli("adapter", "enable", G17).output
    assert listed(cli)[0]["enabled"] is True
    cli(
        "adapter",
        "edit",
        G17,
        "--timeout",
        "4",
        "--unset",
        "auth",
        "--unset",
        "username",
        "--unset",
        "password",
    )
    shown = json.loads(cli("adapter", "show", G17, "--json").output)
    assert shown["config"]["timeout"] == 4 and "password" not in shown["config"]
    cli("adapter", "disable", G17)
    everything = "".join(
        cli(*a).output
        for a in (["adapter", "list"], ["adapter", "show", G17], ["adapter", "list", "--json"])
    )
    assert "s3cr3t-pw" not in everything
    assert "removed" in cli("adapter", "remove", G17).output
    assert listed(cli) == []
    assert audit_actions(tmp_path) == [
        "adapter.added",
        "adapter.enabled",
        "adapter.changed",
        "adapter.disabled",
        "adapter.removed",
    ]


def test_a_bad_edit_is_refused_and_the_old_configuration_kept(cli, soap):
    cli(*soap_args(soap))
    result = cli("adapter", "edit", G17, "--operation", "Nope", ok=False)
    one_error_line(result, "INPUT_INVALID")
    assert listed(cli)[0]["config"]["operation"] == "ReceiveEdxmlBase64"
    one_error_line(cli("adapter", "edit", G17, ok=False), "INPUT_INVALID")


def test_a_failing_round_trip_names_the_cause_and_the_time_taken(cli, tmp_path):
    cli("adapter", "add", G17, "--kind", "rest", "--url", "http://127.0.0.1:9/edxml")
    line = one_error_line(cli("adapter", "test", G17, ok=False), "DELIVERY_TRANSIENT")
    assert "cannot reach" in line and " ms)" in line and "firewall" in line
    assert audit_actions(tmp_path)[-1] == "adapter.tested"


def test_a_pull_adapter_prints_its_token_once_and_never_again(cli):
    output = cli("adapter", "add", G17, "--kind", "pull", "--enable").output
    token = output.strip().splitlines()[-1].rsplit(" ", 1)[-1]
    assert token.startswith("pakn_") and len(token) > 40
    shown = cli("adapter", "show", G17).output + cli("adapter", "list", "--json").output
    assert token not in shown and "inbox token" in shown
    assert "revoked" in cli("adapter", "remove", G17).output


def test_several_adapters_for_one_agency_need_an_id(cli, soap):
    cli(*soap_args(soap))
    cli("adapter", "add", G17, "--kind", "rest", "--url", "http://127.0.0.1:9/edxml")
    one_error_line(cli("adapter", "show", G17, ok=False), "INPUT_INVALID")
    second = listed(cli)[1]["adapter_id"]
    assert (
        json.loads(cli("adapter", "show", G17, "--id", str(second), "--json").output)["kind"]
        == "rest"
    )


def test_the_circuit_state_is_listed(cli):
    cli(
        "adapter",
        "add",
        G17,
        "--kind",
        "rest",
        "--url",
        "http://127.0.0.1:9/edxml",
        "--breaker-failures",
        "2",
    )
    assert "circuit closed" in cli("adapter", "list").output
    assert listed(cli)[0]["circuit"]["state"] == "closed"


def test_help_of_every_adapter_command_touches_nothing(tmp_path):
    env = {
        "GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "GATEWAY_PKI_DIR": str(tmp_path / "absent"),
    }
    for command in (
        "kinds",
        "add",
        "list",
        "show",
        "test",
        "enable",
        "disable",
        "edit",
        "token",
        "remove",
    ):
        result = CliRunner().invoke(main, ["adapter", command, "--help"], env=env)
        assert result.exit_code == 0 and "Usage:" in result.output
    assert not (tmp_path / "absent").exists()


def test_a_new_token_replaces_the_old_one_and_only_pull_agencies_get_tokens(cli, tmp_path):
    first = cli("adapter", "add", G17, "--kind", "pull").output.strip().rsplit(" ", 1)[-1]
    output = cli("adapter", "token", G17).output
    second = output.strip().rsplit(" ", 1)[-1]
    assert "1 old token(s) revoked" in output and second != first
    shown = json.loads(cli("adapter", "show", G17, "--json").output)["tokens"]
    assert [t["revoked_at"] is None for t in shown] == [False, True]
    cli("adapter", "remove", G17)
    cli("adapter", "add", G17, "--kind", "rest", "--url", "http://127.0.0.1:9/edxml")
    assert "no pull adapter" in one_error_line(
        cli("adapter", "token", G17, ok=False), "INPUT_INVALID"
    )


def test_a_dry_run_reaches_a_rest_endpoint_without_sending_anything(cli, soap):
    cli("adapter", "add", G17, "--kind", "rest", "--url", f"{soap.url}edxml")
    assert "TCP connection to 127.0.0.1" in cli("adapter", "test", G17, "--dry-run").output
    cli("adapter", "edit", G17, "--url", "http://127.0.0.1:9/edxml")
    line = one_error_line(cli("adapter", "test", G17, "--dry-run", ok=False), "DELIVERY_TRANSIENT")
    assert "cannot reach 127.0.0.1:9" in line and "firewall" in line


def test_bad_circuit_settings_are_refused_on_add_and_edit_naming_the_key(cli):
    rest = ("adapter", "add", G17, "--kind", "rest", "--url", "http://127.0.0.1:9/edxml")
    pull = ("adapter", "add", G17, "--kind", "pull")
    for args, key in (
        ((*rest, "--set", "breaker_cooldown=soon"), "breaker_cooldown"),
        ((*rest, "--set", "breaker_failures=0"), "breaker_failures"),
        ((*pull, "--set", "breaker_failures=0"), "breaker_failures"),
    ):
        assert key in one_error_line(cli(*args, ok=False), "INPUT_INVALID")
    assert listed(cli) == []
    cli(*rest, "--breaker-failures", "2", "--breaker-cooldown", "5")
    edit = cli("adapter", "edit", G17, "--set", "breaker_failures=2.5", ok=False)
    assert "breaker_failures" in one_error_line(edit, "INPUT_INVALID")
    assert listed(cli)[0]["config"]["breaker_failures"] == 2
