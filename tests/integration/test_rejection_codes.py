"""One stable code per rejection reason: the same in the HTTP problem body, our signed rejection
receipt, the CLI's error line and the audit event."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gateway.cli import main
from gateway.domain.documents import ReceiptOutcome
from gateway.service.signatures import verify_signed
from gateway.simulator.agency import Behaviour
from gateway.store import tables as t
from schemas import xml
from schemas.receipt import decode_receipt
from tests.integration.test_bad_input import signed, status_root

TAMPERED = "tampered"
WRONG_AGENCY = "wrong-agency"


def body_for(kind: str, pki_dir: Path) -> bytes:
    if kind == TAMPERED:
        return signed(pki_dir, status_root()).replace("Đã đến".encode(), b"Xong")
    return signed(pki_dir, status_root(sender="000.00.00.G18"), organ_id="000.00.00.G17")


@pytest.mark.parametrize(
    ("kind", "code"), [(TAMPERED, "SIGNATURE_INVALID"), (WRONG_AGENCY, "CERT_ORGAN_MISMATCH")]
)
def test_the_code_is_the_same_in_problem_receipt_cli_and_audit(
    gateway, api, pki_dir: Path, tmp_path: Path, kind: str, code: str
) -> None:
    for agency in gateway.agencies:
        agency.simulator.behaviour = Behaviour(delay=600)
    body = body_for(kind, pki_dir)

    response = api.post("/v1/edxml", content=body)

    problem = response.json()
    assert response.status_code == 422 and problem["code"] == code
    svc = gateway.svc
    verified = verify_signed(
        svc.trust, xml.parse(problem["receipt"].encode()), svc.organ_id, legacy=False
    )
    receipt = decode_receipt(verified.signed_root)
    assert (receipt.outcome, receipt.reason_code) == (ReceiptOutcome.REJECTED, code)
    with svc.store.engine.connect() as c:
        event = c.execute(
            select(t.audit_events).where(t.audit_events.c.action == "document.rejected")
        ).one()
    assert event.details["code"] == code and event.details["receipt_id"] == receipt.receipt_id
    assert event.sha256 == receipt.digest_sha256
    document = tmp_path / "refused.edxml"
    document.write_bytes(body)
    env = {
        "GATEWAY_HOME": str(svc.settings.home),
        "GATEWAY_PKI_DIR": str(pki_dir),
        "GATEWAY_DATABASE_URL": svc.settings.db_url,
    }
    cli = CliRunner().invoke(main, ["pki", "verify", str(document)], env=env)
    assert cli.exit_code == 1
    assert cli.output.strip().splitlines()[-1].startswith(f"error: {code}: ")
