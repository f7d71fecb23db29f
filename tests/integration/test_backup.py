"""Backup and restore on both databases: a backup of a working gateway restores into a new
installation whose audit trail verifies and whose petitions are all there, as they were; a
changed backup file is refused; secrets are in the folder's keeping, not in its settings."""

from __future__ import annotations

import json
import os
import stat
from contextlib import nullcontext
from pathlib import Path

import pytest

from gateway.bootstrap import bootstrap
from gateway.config import Settings
from gateway.errors import InputInvalid, IntegrityBroken
from gateway.service.audit.seal import seal_now
from gateway.service.audit.verify import verify_trail
from gateway.service.backup import make_backup, read_manifest, restore_backup
from gateway.service.intake import submit_petition
from tests.conftest import AGENCY_A, OPERATOR_TOKEN, fresh_pg_database, new_petition
from tests.helpers import cli_runner


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_a_backup_restores_into_a_new_installation_that_verifies(
    backend: str, tmp_path: Path
) -> None:
    database = fresh_pg_database if backend == "postgresql" else (lambda: nullcontext(""))
    with database() as source_url, database() as target_url:  # "": SQLite under each home
        run(tmp_path, source_url, target_url)


def run(tmp_path: Path, source_url: str, target_url: str) -> None:
    source = Settings(home=tmp_path / "a", database_url=source_url, api_token=OPERATOR_TOKEN)
    svc = bootstrap(source)
    from gateway.service.admin import add_agency

    add_agency(svc, *AGENCY_A)
    ids = {
        submit_petition(svc, new_petition(i, route_to=(AGENCY_A[0],))).petition_id for i in range(5)
    }
    seal_now(svc, force=True)
    folder = tmp_path / "backup"
    manifest = make_backup(svc, source, folder, actor="test")
    svc.close()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert any(name.startswith("pki/") for name in manifest["files"])
    saved = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    assert "api_token" not in saved and OPERATOR_TOKEN not in json.dumps(saved)

    target = Settings(home=tmp_path / "b", database_url=target_url, api_token=OPERATOR_TOKEN)
    restore_backup(target, folder)
    restored = bootstrap(target)
    try:
        assert verify_trail(restored).ok
        with restored.store.unit_of_work() as uow:
            assert {r.petition.petition_id for r in uow.petitions.recent(limit=100)} == ids
            assert uow.audit.head()[0] == manifest["audit_head"]["seq"]
        assert (tmp_path / "b" / "pki").exists()
    finally:
        restored.close()
    with pytest.raises(InputInvalid, match="not empty"):  # a second time: its PKI is there now
        restore_backup(target, folder)


def test_a_changed_backup_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "a")
    svc = bootstrap(settings)
    folder = tmp_path / "backup"
    make_backup(svc, settings, folder, actor="test")
    svc.close()
    read_manifest(folder)
    (folder / "settings.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IntegrityBroken, match=r"settings\.json"):
        read_manifest(folder)
    other = Settings(home=tmp_path / "c")
    elsewhere = bootstrap(other)
    try:
        with pytest.raises(InputInvalid, match="not empty"):
            make_backup(elsewhere, other, folder, actor="test")
    finally:
        elsewhere.close()


def test_the_backup_and_restore_commands(tmp_path: Path) -> None:
    one = cli_runner({"GATEWAY_HOME": str(tmp_path / "one"), "GATEWAY_DATABASE_URL": ""})
    one("agency", "add", "000.00.00.G17", "--name", "Bộ Xây dựng")
    made = one("backup", "-o", str(tmp_path / "bk"))
    assert "audit chain up to event" in made.output
    two = cli_runner({"GATEWAY_HOME": str(tmp_path / "two"), "GATEWAY_DATABASE_URL": ""})
    done = two("restore", str(tmp_path / "bk"))
    assert "audit verify passed" in done.output
    assert "000.00.00.G17" in two("agency", "list").output
