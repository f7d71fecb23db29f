"""A third-party adapter kind in its own tiny package (tests/fixtures/pakn_filedrop), installed
for the test: listed by `gateway adapter kinds` (its broken sibling listed as broken), added from
the CLI, and delivering through the real delivery use case."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gateway.bootstrap import bootstrap
from gateway.domain.delivery import DeliveryState
from tests.conftest import AGENCY_A
from tests.integration.adapter_support import routed_delivery, run_delivery

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pakn_filedrop"
G17 = AGENCY_A[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Install the package into a fresh folder as an installer would (module + dist-info with
    its entry points), without a network or a build backend."""
    target = tmp_path_factory.mktemp("site")
    project = tomllib.loads((FIXTURE / "pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    shutil.copy(FIXTURE / "pakn_filedrop.py", target)
    dist_info = target / f"{name.replace('-', '_')}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )
    lines = [
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items())
        for group, points in project["entry-points"].items()
    ]
    (dist_info / "entry_points.txt").write_text("\n".join(lines))
    return target


def gateway(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "gateway"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def env(installed, tmp_path, pki_dir) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(installed),
        "GATEWAY_HOME": str(tmp_path),
        "GATEWAY_PKI_DIR": str(pki_dir),
        "GATEWAY_DATABASE_URL": "",
    }


def test_the_installed_kind_is_listed_and_its_broken_sibling_breaks_nothing(env):
    result = gateway(env, "adapter", "kinds", "--json")
    assert result.returncode == 0, result.stderr
    kinds = {k["kind"]: k for k in json.loads(result.stdout)}
    assert kinds["filedrop"]["broken"] is False
    assert kinds["broken-kind"]["broken"] is True
    assert "ModuleNotFoundError" in kinds["broken-kind"]["error"]
    assert not any(kinds[k]["broken"] for k in ("rest", "soap", "pull"))


def test_the_third_party_kind_is_added_from_the_cli_and_delivers(
    env, tmp_path, settings, installed, monkeypatch
):
    drop = tmp_path / "drop"
    drop.mkdir()
    assert gateway(env, "agency", "add", G17, "--name", "Bộ Xây dựng").returncode == 0
    added = gateway(
        env, "adapter", "add", G17, "--kind", "filedrop", "--set", f"directory={drop}", "--enable"
    )
    assert added.returncode == 0 and "writable" in added.stdout, added.stderr
    broken = gateway(env, "adapter", "add", G17, "--kind", "broken-kind")
    assert broken.returncode == 1 and "is broken" in broken.stderr

    monkeypatch.syspath_prepend(str(installed))
    svc = bootstrap(settings)  # the same database the CLI wrote
    try:
        delivery = routed_delivery(svc, G17)
        _, after = run_delivery(svc, delivery)
        assert after.state is DeliveryState.DELIVERED
        with svc.store.unit_of_work() as uow:
            sent = uow.documents.get(delivery.document_id)
        assert sent is not None
        assert (drop / f"{delivery.delivery_id}.xml").read_bytes() == sent.body
    finally:
        svc.close()
