"""``gateway pki``: keys and certificates — the development CA, agencies' certificates, revocation.

``--help`` touches nothing; ``init``/``issue`` touch only the PKI directory; the others build the
services (database for the audit trail, trust store).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from gateway.cli.common import open_services
from gateway.config import Settings


@click.group()
def pki() -> None:
    """Keys and certificates: development CA, agency certificates, revocation.

    A certificate speaks for the agency whose OrganId is its subject's UID attribute.
    """


@pki.command("init")
def pki_init() -> None:
    """Create the development CA and the gateway's signing key (idempotent)."""
    from gateway.bootstrap import dev_pki

    settings = Settings.from_env()
    made = dev_pki(settings)
    click.echo(
        f"development PKI in {settings.pki_path}: CA {made.ca_path}, "
        f"gateway certificate {made.gateway_cert_path}"
    )


@pki.command("issue")
@click.argument("organ_id")
@click.option("--name", default=None, help="Agency name for the certificate subject.")
@click.option(
    "--key-type",
    type=click.Choice(["rsa", "ec"]),
    default="rsa",
    show_default=True,
    help="RSA-2048 or ECDSA P-256.",
)
@click.option("--force", is_flag=True, help="Issue a new key and certificate even if one exists.")
def pki_issue(organ_id: str, name: str | None, key_type: str, force: bool) -> None:
    """Issue a development certificate for agency ORGAN_ID (for simulators and tests)."""
    from gateway.bootstrap import dev_pki
    from gateway.domain.agency import check_organ_id

    for warning in check_organ_id(organ_id):
        click.echo(f"warning: {warning}", err=True)
    key, cert = dev_pki(Settings.from_env()).issue(
        organ_id, name or organ_id, key_type=key_type, force=force
    )
    click.echo(f"key {key}\ncertificate {cert}")


@pki.command("import")
@click.argument("organ_id")
@click.argument("pem_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def pki_import(organ_id: str, pem_file: Path) -> None:
    """Trust a real agency's certificate or CA chain (PEM) for agency ORGAN_ID.

    A signing certificate in the file must carry UID=ORGAN_ID and chain, with the file's CAs, to
    a trust anchor now. Root CAs in the file are trusted for ORGAN_ID only. Restart running
    gateway processes to use a newly imported CA.
    """
    from gateway.service.pki import import_certificate

    with open_services() as svc:
        kept = import_certificate(svc, organ_id, pem_file.read_bytes())
    for entry in kept:
        kind = "CA" if entry.is_ca else "signing certificate"
        click.echo(
            f"imported {kind} {entry.certificate.subject.rfc4514_string()} "
            f"(serial {entry.serial}) for {organ_id}"
        )


@pki.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def pki_list(as_json: bool) -> None:
    """Certificates known here: subject, OrganId binding, validity, days to expiry, status.

    Warns (on stderr) from 60 days before a certificate expires.
    """
    from gateway.service.pki import list_certificates

    with open_services() as svc:
        views = list_certificates(svc)
    for v in views:
        if v.status.value in ("expiring", "expired", "revoked"):
            who = v.entry.organ_id or v.entry.certificate.subject.rfc4514_string()
            click.echo(
                f"warning: {who} certificate {v.entry.serial} is {v.status.value}"
                f" ({v.days_left} days left)",
                err=True,
            )
    if as_json:
        click.echo(json.dumps([v.as_json() for v in views], ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{'status':<14} {'origin':<12} {'organ_id':<16} {'not after':<10} {'days':>5}  "
        "serial / subject"
    )
    for v in views:
        c = v.entry.certificate
        organ = v.entry.organ_id or ("CA" if v.entry.is_ca else "-")
        pinned = (
            f" [trusted for {v.entry.pinned_to} only]"
            if v.entry.is_ca and v.entry.pinned_to
            else ""
        )
        click.echo(
            f"{v.status.value:<14} {v.entry.origin.value:<12} {organ:<16} "
            f"{c.not_valid_after_utc:%Y-%m-%d} {v.days_left:>5}  "
            f"{v.entry.serial[:16]} {c.subject.rfc4514_string()}{pinned}"
        )


@pki.command("revoke")
@click.argument("organ_id")
@click.option(
    "--serial", default=None, help="Which certificate (hex), when the agency has several."
)
@click.option("--reason", default="", help="Why (kept in the revocation list and audit trail).")
def pki_revoke(organ_id: str, serial: str | None, reason: str) -> None:
    """Revoke agency ORGAN_ID's signing certificate (local revocation list; immediate)."""
    from gateway.service.pki import revoke_certificate

    with open_services() as svc:
        entry = revoke_certificate(svc, organ_id, serial=serial, reason=reason)
    click.echo(f"revoked {entry.certificate.subject.rfc4514_string()} (serial {entry.serial})")


@pki.command("verify")
@click.argument("edxml_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def pki_verify(edxml_file: Path) -> None:
    """Check a signed edXML document exactly as POST /v1/edxml would; store nothing."""
    from gateway.service.pki import verify_file

    with open_services() as svc:
        inbound = verify_file(svc, edxml_file.read_bytes())
    click.echo(
        f"OK: signed by {inbound.verified.signer_organ_id} "
        f"({inbound.verified.certificate.subject.rfc4514_string()}), "
        f"{inbound.verified.signature_algorithm.rsplit('#', 1)[-1]}"
    )


COMMANDS = (pki,)
