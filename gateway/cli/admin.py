"""Administration commands: agency, adapter (pki is in :mod:`gateway.cli.pki`)."""

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
@click.option("--legacy-sha1", is_flag=True,
              help="Accept RSA-SHA1 signatures from this agency (old e-office software).")
def agency_add(organ_id: str, name: str, legacy_sha1: bool) -> None:
    """Register agency ORGAN_ID (mã định danh, e.g. 000.00.00.G17)."""
    from gateway.service.admin import add_agency

    for warning in add_agency(services(), organ_id, name, legacy_sha1=legacy_sha1):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"agency {organ_id} added")


@agency.command("set")
@click.argument("organ_id")
@click.option("--legacy-sha1/--no-legacy-sha1", default=None,
              help="Accept (or stop accepting) RSA-SHA1 signatures from this agency.")
def agency_set(organ_id: str, legacy_sha1: bool | None) -> None:
    """Change a registered agency's settings."""
    from gateway.errors import InputInvalid
    from gateway.service.admin import set_legacy_sha1

    if legacy_sha1 is None:
        raise InputInvalid("nothing to change: give --legacy-sha1 or --no-legacy-sha1")
    changed = set_legacy_sha1(services(), organ_id, legacy_sha1)
    state = "accepts" if legacy_sha1 else "no longer accepts"
    click.echo(f"agency {organ_id} {state} SHA-1 signatures"
               f"{'' if changed else ' (unchanged)'}")


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


@click.group()
def adapter() -> None:
    """How documents reach each agency's system (adapters)."""


@adapter.command("add")
@click.argument("organ_id")
@click.option("--kind", required=True, help="Adapter kind, e.g. rest.")
@click.option("--url", default=None, help="rest: the agency endpoint that takes edXML.")
@click.option("--header", "headers", multiple=True, metavar="NAME=VALUE",
              help="rest: an extra HTTP header (repeatable).")
@click.option("--bearer-token", default=None, help="rest: bearer token (never printed).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds before a call counts as a transient failure.")
@click.option("--enable/--disabled", default=False, show_default=True,
              help="Start delivering at once (default: added disabled).")
def adapter_add(organ_id: str, kind: str, url: str | None, headers: tuple[str, ...],
                bearer_token: str | None, timeout: float | None, enable: bool) -> None:
    """Configure how documents reach agency ORGAN_ID."""
    from gateway.errors import InputInvalid
    from gateway.service.admin import add_adapter

    config: dict[str, object] = {}
    if url:
        config["url"] = url
    if headers:
        pairs = [h.split("=", 1) for h in headers]
        if any(len(p) != 2 or not p[0] for p in pairs):
            raise InputInvalid("--header takes NAME=VALUE")
        config["headers"] = dict(pairs)
    if bearer_token:
        config["bearer_token"] = bearer_token
    if timeout:
        config["timeout"] = timeout
    adapter_id = add_adapter(services(), organ_id, kind, config, enabled=enable)
    click.echo(f"adapter {adapter_id} ({kind}) added for {organ_id}, "
               f"{'enabled' if enable else 'disabled'}")


@adapter.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def adapter_list(as_json: bool) -> None:
    """List configured adapters (secrets masked)."""
    from gateway.service.admin import list_adapters

    svc = services()
    rows = []
    for record in list_adapters(svc):
        kind = svc.adapters.kinds.get(record.kind)
        config = (kind.adapter.redact(record.config) if kind and kind.adapter
                  else {k: "••••" for k in record.config})
        rows.append({"adapter_id": record.adapter_id, "organ_id": record.organ_id,
                     "kind": record.kind, "enabled": record.enabled, "config": config})
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['adapter_id']:>4} {row['organ_id']:<16} {row['kind']:<6} "
                   f"{'enabled ' if row['enabled'] else 'disabled'} "
                   f"{json.dumps(row['config'], ensure_ascii=False)}")
    if not rows:
        click.echo("no adapters yet: gateway adapter add ORGAN_ID --kind rest --url URL")


COMMANDS = (agency, adapter)
