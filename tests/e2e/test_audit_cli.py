"""`gateway audit …`: help without side effects, exit 0 only when everything holds, one error
line naming the first broken event otherwise."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import create_engine

from gateway.cli import main


def test_audit_help_touches_no_database_or_keys(tmp_path):
    env = {
        "GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "GATEWAY_PKI_DIR": str(tmp_path / "absent"),
    }
    for args in (
        ["audit", "--help"],
        ["audit", "verify", "--help"],
        ["audit", "export", "--help"],
        ["audit", "verify-bundle", "--help"],
        ["audit", "seal", "--help"],
        ["petition", "show", "--help"],
    ):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0 and "Usage:" in result.output, args
    assert not (tmp_path / "absent").exists()


def test_verify_passes_then_names_the_first_broken_event_after_tampering(cli, tmp_path):
    cli("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    petition_id = cli(
        "petition",
        "submit",
        "--category",
        "policy",
        "--title",
        "T",
        "--content",
        "C",
        "--name",
        "Nguyễn Văn Mẫu",
        "--to",
        "000.00.00.G17",
    ).output.strip()
    assert "sealed event" in cli("audit", "seal").output
    assert "nothing to seal" in cli("audit", "seal").output
    ok = cli("audit", "verify")
    assert ok.output.startswith("audit trail OK: 6 events (1–6), 1 seal(s), 1 document(s)")
    assert json.loads(cli("audit", "verify", "--json").output)["ok"] is True

    engine = create_engine(f"sqlite:///{tmp_path / 'gateway.db'}")
    with engine.begin() as c:
        c.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        c.exec_driver_sql("UPDATE audit_events SET action = 'petition.withdrawn' WHERE seq = 3")
    engine.dispose()
    broken = cli("audit", "verify", code=1)
    assert (
        "error: AUDIT_CHAIN_BROKEN: event 3: its content does not match its hash" in broken.output
    )
    report = json.loads(cli("audit", "verify", "--json", code=1).output)
    assert report["first_problem"]["seq"] == 3
    assert cli("audit", "verify", "--to", "2").output.startswith("audit trail OK")
    trail = cli("petition", "show", petition_id, "--trail").output
    assert "#3      ⛓ ✗" in trail and "Nguyễn Văn Mẫu" not in trail


def test_bad_ranges_and_unknown_petitions_are_one_line_errors(cli, tmp_path):
    assert (
        "error: INPUT_INVALID: --from 5 is after --to 2"
        in cli("audit", "verify", "--from", "5", "--to", "2", code=1).output
    )
    assert (
        "error: NOT_FOUND"
        in cli("audit", "export", "nope", "-o", str(tmp_path / "x.zip"), code=1).output
    )
    assert not (tmp_path / "x.zip").exists()
    assert "error: NOT_FOUND" in cli("petition", "show", "nope", "--trail", code=1).output
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip")
    assert "error: BUNDLE_INVALID" in cli("audit", "verify-bundle", str(garbage), code=1).output
