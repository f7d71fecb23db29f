"""`gateway agency`: agencies (certificates: gateway/cli/pki.py; adapters: cli/adapters.py)."""

from __future__ import annotations

import json

import click

from gateway.cli.common import services


@click.group()
def agency() -> None:
    """Agencies (cơ quan) the gateway exchanges with."""


@agency.command("add")
@click.argument("organ_id")
@click.option("--name", required=True, help="The agency's name, e.g. 'Bộ Xây dựng'.")
@click.option(
    "--legacy-sha1",
    is_flag=True,
    help="Accept RSA-SHA1 signatures from this agency (old e-office software).",
)
def agency_add(organ_id: str, name: str, legacy_sha1: bool) -> None:
    """Register agency ORGAN_ID (mã định danh, e.g. 000.00.00.G17)."""
    from gateway.service.admin import add_agency

    for warning in add_agency(services(), organ_id, name, legacy_sha1=legacy_sha1):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"agency {organ_id} added")


@agency.command("set")
@click.argument("organ_id")
@click.option(
    "--legacy-sha1/--no-legacy-sha1",
    default=None,
    help="Accept (or stop accepting) RSA-SHA1 signatures from this agency.",
)
def agency_set(organ_id: str, legacy_sha1: bool | None) -> None:
    """Change a registered agency's settings."""
    from gateway.errors import InputInvalid
    from gateway.service.admin import set_legacy_sha1

    if legacy_sha1 is None:
        raise InputInvalid("nothing to change: give --legacy-sha1 or --no-legacy-sha1")
    changed = set_legacy_sha1(services(), organ_id, legacy_sha1)
    state = "accepts" if legacy_sha1 else "no longer accepts"
    click.echo(f"agency {organ_id} {state} SHA-1 signatures{'' if changed else ' (unchanged)'}")


@agency.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def agency_list(as_json: bool) -> None:
    """List registered agencies."""
    from gateway.service.admin import list_agencies

    agencies = list_agencies(services())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {"organ_id": a.organ_id, "name": a.name, "legacy_sha1": a.legacy_sha1}
                    for a in agencies
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for a in agencies:
        click.echo(f"{a.organ_id:<16} {a.name}{'  [legacy SHA-1]' if a.legacy_sha1 else ''}")
    if not agencies:
        click.echo("no agencies yet: gateway agency add ORGAN_ID --name NAME")


COMMANDS = (agency,)
