"""Administration commands: pki, agency (adapters: gateway/cli/adapters.py)."""

from __future__ import annotations

import json

import click

from gateway.cli.common import services
from gateway.config import Settings


@click.group()
def pki() -> None:
    """Keys and certificates (development PKI)."""


@pki.command("init")
def pki_init() -> None:
    """Create the development CA and the gateway's signing key (idempotent)."""
    from gateway.bootstrap import dev_pki

    settings = Settings.from_env()
    made = dev_pki(settings)
    click.echo(f"development PKI in {settings.pki_path}: CA {made.ca_path}, "
               f"gateway certificate {made.gateway_cert_path}")


@pki.command("issue")
@click.argument("organ_id")
@click.option("--name", default=None, help="Agency name for the certificate subject.")
@click.option("--force", is_flag=True, help="Issue a new key and certificate even if one exists.")
def pki_issue(organ_id: str, name: str | None, force: bool) -> None:
    """Issue a development certificate for agency ORGAN_ID (for simulators and tests)."""
    from gateway.bootstrap import dev_pki
    from gateway.domain.agency import check_organ_id

    for warning in check_organ_id(organ_id):
        click.echo(f"warning: {warning}", err=True)
    key, cert = dev_pki(Settings.from_env()).issue(organ_id, name or organ_id, force=force)
    click.echo(f"key {key}\ncertificate {cert}")


@click.group()
def agency() -> None:
    """Agencies (cơ quan) the gateway exchanges with."""


@agency.command("add")
@click.argument("organ_id")
@click.option("--name", required=True, help="The agency's name, e.g. 'Bộ Xây dựng'.")
@click.option("--legacy-sha1", is_flag=True,
              help="Accept RSA-SHA1 signatures from this agency (old e-office software).")
def agency_add(organ_id: str, name: str, legacy_sha1: bool) -> None:
    """Register agency ORGAN_ID (mã định danh, e.g. 000.00.00.G17)."""
    from gateway.service.admin import add_agency

    for warning in add_agency(services(), organ_id, name, legacy_sha1=legacy_sha1):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"agency {organ_id} added")


@agency.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def agency_list(as_json: bool) -> None:
    """List registered agencies."""
    from gateway.service.admin import list_agencies

    agencies = list_agencies(services())
    if as_json:
        click.echo(json.dumps([{"organ_id": a.organ_id, "name": a.name,
                                "legacy_sha1": a.legacy_sha1} for a in agencies],
                              ensure_ascii=False, indent=2))
        return
    for a in agencies:
        click.echo(f"{a.organ_id:<16} {a.name}{'  [legacy SHA-1]' if a.legacy_sha1 else ''}")
    if not agencies:
        click.echo("no agencies yet: gateway agency add ORGAN_ID --name NAME")


COMMANDS = (pki, agency)
