"""The `gateway` command: thin commands, one readable error line, nothing saved on bad input."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gateway.cli import main


def test_help_works_without_touching_a_database_or_keys(tmp_path):
    env = {
        "GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "GATEWAY_PKI_DIR": str(tmp_path / "absent"),
    }
    runner = CliRunner()
    for args in (
        ["--help"],
        ["up", "--help"],
        ["petition", "submit", "--help"],
        ["adapter", "add", "--help"],
        ["simulate", "agency", "--help"],
    ):
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 0 and "Usage:" in result.output
    assert not (tmp_path / "absent").exists()


def test_an_agency_added_from_the_cli_is_listed(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    listed = json.loads(cli("agency", "list", "--json").output)
    assert listed == [{"organ_id": "000.00.00.G17", "name": "Bộ Xây dựng", "legacy_sha1": False}]


def test_a_non_standard_organ_id_is_accepted_with_a_warning(cli):
    result = cli("agency", "add", "28.22.H17", "--name", "UBND xã mẫu")
    assert "warning:" in result.output and "ddd.dd.dd.Xdd" in result.output


def test_adding_the_same_agency_twice_is_one_clear_error_line(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    result = cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng", ok=False)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: CONFLICT: agency 000.00.00.G17 is already registered"
    ]


def test_an_adapter_for_an_unknown_agency_is_refused_and_nothing_is_saved(cli):
    result = cli(
        "adapter",
        "add",
        "000.00.00.G99",
        "--kind",
        "rest",
        "--url",
        "http://127.0.0.1:9/edxml",
        ok=False,
    )
    assert result.exit_code == 1 and "UNKNOWN_AGENCY" in result.output
    assert json.loads(cli("adapter", "list", "--json").output) == []


def test_an_unknown_adapter_kind_is_refused_naming_the_known_ones(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    result = cli("adapter", "add", "000.00.00.G17", "--kind", "fax", ok=False)
    assert result.exit_code == 1
    assert "unknown adapter kind 'fax'" in result.output and "rest" in result.output


def test_a_rest_adapter_without_a_url_is_refused(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    result = cli("adapter", "add", "000.00.00.G17", "--kind", "rest", ok=False)
    assert result.exit_code == 1 and "'url'" in result.output


def test_an_adapter_is_added_disabled_unless_enabled_and_its_token_is_never_printed(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    cli(
        "adapter",
        "add",
        "000.00.00.G17",
        "--kind",
        "rest",
        "--url",
        "http://127.0.0.1:9/edxml",
        "--bearer-token",
        "s3cr3t-token",
    )
    listed = cli("adapter", "list").output
    assert "disabled" in listed and "s3cr3t-token" not in listed


def test_a_petition_submitted_from_the_cli_can_be_shown_without_personal_data(cli):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    petition_id = cli(
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
        "--phone",
        "0912345678",
        "--to",
        "000.00.00.G17",
    ).output.strip()
    shown = cli("petition", "show", petition_id).output
    assert "transferred" in shown and "000.00.00.G17" in shown
    assert "Trần Thị Riêng Tư" not in shown and "0912345678" not in shown
    listed = json.loads(cli("petition", "list", "--json").output)
    assert [p["id"] for p in listed] == [petition_id]


def test_a_petition_routed_to_an_unknown_agency_is_refused_and_not_stored(cli):
    result = cli(
        "petition",
        "submit",
        "--category",
        "policy",
        "--title",
        "T",
        "--content",
        "C",
        "--name",
        "N",
        "--to",
        "000.00.00.G99",
        ok=False,
    )
    assert result.exit_code == 1 and "UNKNOWN_AGENCY" in result.output
    assert "no petitions" in cli("petition", "list").output


def test_showing_an_unknown_petition_is_one_clear_error_line(cli):
    result = cli("petition", "show", "does-not-exist", ok=False)
    assert result.exit_code == 1
    assert result.output.strip() == "error: NOT_FOUND: no petition does-not-exist"


def test_pki_issue_writes_an_agency_key_and_certificate(cli, tmp_path):
    result = cli("pki", "issue", "000.00.00.G03", "--name", "Bộ Giáo dục và Đào tạo")
    assert "certificate" in result.output
    assert "000.00.00.G03.pem" in result.output


def test_db_upgrade_is_idempotent(cli):
    cli("db", "upgrade")
    assert "up to date" in cli("db", "upgrade").output
