"""`gateway pki …` and `gateway agency set`: import, list, revoke, verify from the CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from gateway.cli import main
from gateway.domain.documents import StatusCode
from schemas import edxml
from signing import DevPki, XmlSigner, load_key_pair
from tests import signer_certs
from tests.helpers import cli_runner

G17, G18 = "000.00.00.G17", "000.00.00.G18"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli(home: Path):
    run = cli_runner(
        {
            "GATEWAY_HOME": str(home),
            "GATEWAY_PKI_DIR": str(home / "pki"),
            "GATEWAY_DATABASE_URL": "",
            "GATEWAY_CRL_DIR": "",
        }
    )
    run("pki", "init")
    run("pki", "issue", G17, "--name", "Bộ Xây dựng")
    run("agency", "add", G17, "--name", "Bộ Xây dựng")
    run("agency", "add", G18, "--name", "Bộ Y tế")
    return run


def status_signed_by(key: Path, cert: Path, path: Path, sender: str = G17) -> Path:
    root = edxml.encode_status(
        edxml.StatusPackage(
            edxml.Organ(sender, organ_name="Cơ quan"),
            edxml.ResponseFor("000.00.00.G22", document_id="000.00.00.G22,2026/01/05,1/VPCP-PAKN"),
            StatusCode.ARRIVED,
            datetime(2026, 1, 5, 9),
            description="Đã đến",
        )
    )
    path.write_bytes(XmlSigner(load_key_pair(key, cert)).sign(root, edxml.header_of(root)))
    return path


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def test_pki_help_touches_no_key_or_database(tmp_path: Path) -> None:
    env = {
        "GATEWAY_PKI_DIR": str(tmp_path / "absent"),
        "GATEWAY_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
    }
    for args in (
        ["pki", "--help"],
        ["pki", "import", "--help"],
        ["pki", "list", "--help"],
        ["pki", "revoke", "--help"],
        ["pki", "verify", "--help"],
        ["agency", "set", "--help"],
    ):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0 and "Usage:" in result.output
    assert not (tmp_path / "absent").exists()


def test_pki_list_shows_binding_validity_and_status(cli) -> None:
    listed = json.loads(cli("pki", "list", "--json").stdout)
    agency = next(e for e in listed if e["organ_id"] == G17)
    assert agency["origin"] == "development" and agency["status"] == "valid"
    assert f"UID={G17}" in agency["subject"] and 700 < agency["days_left"] <= 730
    assert any(e["origin"] == "trust-anchor" and e["ca"] for e in listed)


def test_pki_list_warns_sixty_days_before_expiry(cli, home: Path) -> None:
    DevPki(home / "pki").issue(G18, "Bộ Y tế", valid_days=45)

    result = cli("pki", "list")

    assert f"warning: {G18} certificate" in result.stderr and "is expiring" in result.stderr
    assert any(line.startswith("expiring") and G18 in line for line in result.stdout.splitlines())


def test_a_revoked_certificate_no_longer_verifies(cli, home: Path, tmp_path: Path) -> None:
    document = status_signed_by(*DevPki(home / "pki").agency_paths(G17), tmp_path / "s.edxml")
    assert last_line(cli("pki", "verify", str(document))).startswith(f"OK: signed by {G17}")

    cli("pki", "revoke", G17, "--reason", "khóa bị lộ")
    result = cli("pki", "verify", str(document), ok=False)

    assert result.exit_code == 1
    assert last_line(result).startswith("error: CERT_REVOKED: ")
    listed = json.loads(cli("pki", "list", "--json").stdout)
    assert next(e for e in listed if e["organ_id"] == G17)["status"] == "revoked"


def test_revoking_an_unknown_certificate_is_one_error_line(cli) -> None:
    result = cli("pki", "revoke", G18, ok=False)
    assert result.exit_code == 1 and last_line(result).startswith("error: NOT_FOUND: ")


def test_an_imported_agency_ca_is_trusted_for_that_agency_only(cli, tmp_path: Path) -> None:
    ministry = DevPki(tmp_path / "ministry-ca")  # a CA the gateway does not run
    ministry.init()
    g18_key, g18_cert = ministry.issue(G18, "Bộ Y tế")
    g17_key, g17_cert = ministry.issue(G17, "Bộ Xây dựng")
    bundle = tmp_path / "g18-chain.pem"
    bundle.write_bytes(g18_cert.read_bytes() + ministry.ca_path.read_bytes())
    document = status_signed_by(g18_key, g18_cert, tmp_path / "g18.edxml", sender=G18)
    assert last_line(cli("pki", "verify", str(document), ok=False)).startswith(
        "error: CERT_UNTRUSTED: "
    )

    imported = cli("pki", "import", G18, str(bundle))

    assert "imported CA" in imported.output and "imported signing certificate" in imported.output
    assert last_line(cli("pki", "verify", str(document))).startswith(f"OK: signed by {G18}")
    # the same CA speaking for G17 is not trusted: it was imported for G18 only
    forged = status_signed_by(g17_key, g17_cert, tmp_path / "g17.edxml")
    assert last_line(cli("pki", "verify", str(forged), ok=False)).startswith(
        "error: CERT_UNTRUSTED: "
    )
    listed = json.loads(cli("pki", "list", "--json").stdout)
    assert {
        (e["origin"], e["pinned_to"], e["ca"]) for e in listed if e["origin"] == "imported"
    } == {("imported", G18, True), ("imported", G18, False)}


def test_importing_a_certificate_bound_to_another_agency_is_refused_and_keeps_nothing(
    cli, home: Path, tmp_path: Path
) -> None:
    ministry = DevPki(tmp_path / "ministry-ca")
    ministry.init()
    _, g17_cert = ministry.issue(G17, "Bộ Xây dựng")
    bundle = tmp_path / "chain.pem"
    bundle.write_bytes(g17_cert.read_bytes() + ministry.ca_path.read_bytes())

    result = cli("pki", "import", G18, str(bundle), ok=False)

    assert last_line(result).startswith("error: CERT_ORGAN_MISMATCH: ")
    assert not (home / "pki" / "imported").exists()


def test_importing_a_certificate_outside_the_signer_policy_is_refused_and_keeps_nothing(
    cli, home: Path, tmp_path: Path
) -> None:
    ministry = DevPki(tmp_path / "ministry-ca")
    ministry.init()
    ca = load_key_pair(ministry.ca_key_path, ministry.ca_path)
    for name, code in (
        ("rsa-1024", "KEY_TOO_WEAK"),
        ("ec-secp256k1", "KEY_CURVE_REFUSED"),
        ("ed25519", "KEY_TYPE_REFUSED"),
        ("eku-server-auth-only", "CERT_USAGE_REFUSED"),
    ):
        leaf = signer_certs.issue(signer_certs.variant(name), ca).certificate
        bundle = tmp_path / f"{name}.pem"
        bundle.write_bytes(leaf.public_bytes(Encoding.PEM) + ministry.ca_path.read_bytes())

        result = cli("pki", "import", G17, str(bundle), ok=False)

        assert result.exit_code == 1
        assert last_line(result).startswith(f"error: {code}: "), result.output
    assert not (home / "pki" / "imported").exists()


def test_a_gateway_signing_key_outside_the_policy_is_a_clear_start_up_error(
    cli, home: Path, tmp_path: Path
) -> None:
    dev = DevPki(home / "pki")
    weak = signer_certs.issue(
        signer_certs.variant("rsa-1024"), load_key_pair(dev.ca_key_path, dev.ca_path)
    )
    key, cert = tmp_path / "gateway.key", tmp_path / "gateway.pem"
    key.write_bytes(
        weak.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    cert.write_bytes(weak.certificate.public_bytes(Encoding.PEM))
    env = {
        "GATEWAY_HOME": str(home),
        "GATEWAY_PKI_DIR": str(home / "pki"),
        "GATEWAY_DATABASE_URL": "",
        "GATEWAY_CRL_DIR": "",
        "GATEWAY_SIGNING_KEY": str(key),
        "GATEWAY_SIGNING_CERT": str(cert),
        "GATEWAY_TRUSTED_CA": str(dev.ca_path),
    }

    result = CliRunner().invoke(main, ["pki", "list"], env=env)

    assert result.exit_code != 0
    assert last_line(result).startswith("error: KEY_TOO_WEAK: the gateway's signing certificate")


def test_importing_a_file_without_a_certificate_is_input_invalid(cli, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    assert last_line(cli("pki", "import", G18, str(junk), ok=False)).startswith(
        "error: INPUT_INVALID: "
    )


def test_the_legacy_sha1_flag_is_set_and_cleared_after_creation(cli) -> None:
    cli("agency", "set", G17, "--legacy-sha1")
    assert json.loads(cli("agency", "list", "--json").stdout)[0]["legacy_sha1"] is True

    cli("agency", "set", G17, "--no-legacy-sha1")
    assert json.loads(cli("agency", "list", "--json").stdout)[0]["legacy_sha1"] is False
    assert last_line(cli("agency", "set", "000.00.00.G99", "--legacy-sha1", ok=False)).startswith(
        "error: UNKNOWN_AGENCY: "
    )
