"""Shared fixtures for the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import cli_runner


@pytest.fixture
def cli(tmp_path: Path, pki_dir: Path):
    """Run `gateway …` in-process on a fresh SQLite home; asserts exit 0 unless ``ok=False``
    (or exit ``code=N``)."""
    return cli_runner(
        {
            "GATEWAY_HOME": str(tmp_path),
            "GATEWAY_PKI_DIR": str(pki_dir),
            "GATEWAY_DATABASE_URL": "",
        }
    )
