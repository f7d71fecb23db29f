"""Shared fixtures for the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main


@pytest.fixture
def cli(tmp_path: Path, pki_dir: Path):
    """Run `gateway …` in-process on a fresh SQLite home; asserts exit 0 unless ``ok=False``."""
    runner = CliRunner()
    env = {
        "GATEWAY_HOME": str(tmp_path),
        "GATEWAY_PKI_DIR": str(pki_dir),
        "GATEWAY_DATABASE_URL": "",
    }

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
