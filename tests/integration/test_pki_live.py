"""A certificate imported with `gateway pki import` is trusted by the running gateway without a
restart (the CLI is another process; the gateway notices the new files), on both databases."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.config import Settings
from gateway.domain.documents import StatusCode
from gateway.runtime.up import Running
from schemas import edxml
from signing import DevPki, XmlSigner, load_key_pair
from tests.helpers import wait_until
from tests.integration.test_reply_changes import replied_petition

G17 = "000.00.00.G17"


@pytest.fixture
def gateway_settings(settings: Settings, db_url: str, tmp_path: Path) -> Settings:
    own = tmp_path / "pki"  # imports must not reach the session's shared development PKI
    shutil.copytree(settings.pki_path, own)
    return settings.with_(database_url=db_url, pki_dir=own)


def status_signed_by(signer: XmlSigner, gateway: Running, transfer_key: str) -> bytes:
    me = edxml.Organ(G17, organ_name="Bộ Xây dựng", organization_in_charge="Bộ Xây dựng")
    ref = edxml.ResponseFor(gateway.svc.organ_id, code="1/VPCP-PAKN", document_id=transfer_key)
    root = edxml.encode_status(
        edxml.StatusPackage(
            me,
            ref,
            StatusCode.RECALL_REQUESTED,
            datetime.now(edxml.VN_TIME).replace(tzinfo=None, microsecond=0),
            description="Đề nghị thu hồi",
        )
    )
    return signer.sign(root, edxml.header_of(root))


def test_an_agency_ca_imported_from_the_cli_is_trusted_by_the_running_gateway(
    gateway, api, gateway_settings, tmp_path
):
    petition = replied_petition(gateway, api)
    ministry = DevPki(tmp_path / "ministry-ca")  # the agency's own CA, unknown to the gateway
    ministry.init()
    key, cert = ministry.issue(G17, "Bộ Xây dựng")
    document = status_signed_by(
        XmlSigner(load_key_pair(key, cert)), gateway, petition["cases"][0]["transfer_document"]
    )
    refused = api.post("/v1/edxml", content=document)
    assert refused.status_code == 422 and refused.json()["code"] == "CERT_UNTRUSTED"

    chain = tmp_path / "g17-chain.pem"
    chain.write_bytes(cert.read_bytes() + ministry.ca_path.read_bytes())
    env = {
        "GATEWAY_HOME": str(gateway_settings.home),
        "GATEWAY_DATABASE_URL": gateway_settings.database_url,
        "GATEWAY_PKI_DIR": str(gateway_settings.pki_path),
    }
    imported = CliRunner().invoke(main, ["pki", "import", G17, str(chain)], env=env)
    assert imported.exit_code == 0, imported.output

    accepted = wait_until(
        lambda: (r := api.post("/v1/edxml", content=document)).status_code == 200 and r,
        timeout=5,
        what="the imported CA trusted",
    )
    assert accepted.headers["X-Document-Id"]
