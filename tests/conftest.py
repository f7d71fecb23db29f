"""Shared fixtures: real databases, a development PKI made once per session, services, factories.

Tests that need PostgreSQL (or RabbitMQ) skip when it is not running on a developer's machine,
and fail when the environment variable CI is set: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

from gateway.config import Settings
from gateway.domain.petition import Category, Petitioner, PetitionerKind

if TYPE_CHECKING:
    from gateway.service.intake import NewPetition

PG_ADMIN_URL = os.environ.get(
    "GATEWAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
AGENCY_A = ("000.00.00.G17", "Bộ Xây dựng")
AGENCY_B = ("000.00.00.G18", "Bộ Y tế")


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a local server is down — or fail, when running under CI."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        message = f"{name} is not running on {host}:{port}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set: tests that need it must not be skipped)")
        pytest.skip(message)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards (its URL)."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"pakn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development PKI with the gateway and two agencies, made once (RSA keygen is slow)."""
    from signing import DevPki

    directory = tmp_path_factory.mktemp("pki")
    pki = DevPki(directory)
    pki.init()
    for organ_id, name in (AGENCY_A, AGENCY_B):
        pki.issue(organ_id, name)
    return directory


OPERATOR_TOKEN = "test-operator-token"
OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
"""Headers of a portal / VPCP operator calling the API (gateway.api.auth)."""


@pytest.fixture
def settings(tmp_path: Path, pki_dir: Path) -> Settings:
    return Settings(
        home=tmp_path,
        pki_dir=pki_dir,
        http_port=0,
        worker_threads=2,
        api_token=OPERATOR_TOKEN,
        lease_seconds=5,
        retry_base_seconds=0.05,
        retry_cap_seconds=0.2,
        max_attempts=3,
        adapter_timeout=3,
        max_document_bytes=1_000_000,
    )


def new_petition(
    i: int = 1, *, route_to: tuple[str, ...] = (), client_ref: str | None = None, **changes: object
) -> NewPetition:
    """Factory: a valid petition command with invented data."""
    from gateway.service.intake import NewPetition

    values: dict[str, object] = {
        "category": Category.POLICY,
        "title": f"Thủ tục hành chính chưa phù hợp số {i}",
        "content": "Đề nghị xem xét sửa đổi quy định về thành phần hồ sơ.",
        "petitioner": Petitioner(
            PetitionerKind.CITIZEN,
            f"Nguyễn Văn Mẫu {i}",
            "001200000001",
            "0900000001",
            "mau@example.vn",
            "Số 1 phố Mẫu, Hà Nội",
        ),
        "portal": "nguoidan",
        "client_ref": client_ref,
        "route_to": route_to,
    }
    values.update(changes)
    return NewPetition(**values)  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


AMQP_URL = os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@pytest.fixture
def amqp_prefix() -> Iterator[str]:
    """A RabbitMQ name prefix of its own for one test; its queues and exchanges are deleted
    afterwards (quorum queues are not free)."""
    require_service("RabbitMQ", "127.0.0.1", 5672)
    prefix = f"t{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        delete_broker_names(prefix)


def delete_broker_names(prefix: str) -> None:
    import subprocess

    import pika

    listed = {
        kind: subprocess.run(
            ["rabbitmqctl", f"list_{kind}", "--silent", "name"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
        for kind in ("queues", "exchanges")
    }
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        channel = connection.channel()
        for name in listed["queues"]:
            if name.startswith(prefix + "."):
                channel.queue_delete(name)
        for name in listed["exchanges"]:
            if name.startswith(prefix + "."):
                channel.exchange_delete(name)
    finally:
        connection.close()
