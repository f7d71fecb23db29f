"""Operations commands: ``gateway check`` (the alert conditions for sites without
Prometheus) and ``gateway maintenance``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gateway.cli.common import open_services


@click.command()
def check() -> None:
    """Judge the gateway's health from the database, Nagios-style: one line per condition
    (OK / WARNING / CRITICAL) and exit 0, 1 or 2 for the worst. The conditions are those of
    docker/alerts.yml: dead letters, circuits open (critical after 10 minutes), certificates
    expiring within 30 days (critical within 7), overdue cases, an outbox stuck for 5 minutes,
    no audit seal for an hour, a failed audit verify."""
    from gateway.service.health import checks, snapshot

    with open_services() as svc:
        results = checks(snapshot(svc))
    for result in results:
        click.echo(result.line())
    sys.exit(max(r.status for r in results))


@click.group()
def maintenance() -> None:
    """Pause intake for maintenance (bảo trì): petitions and agency pushes answer 503, workers
    take no new work; nothing accepted is lost."""


@maintenance.command("on")
@click.option("--reason", required=True, help="Why (shown to whoever is refused; audited).")
def maintenance_on(reason: str) -> None:
    """Open a maintenance window (seen by every process within a few seconds)."""
    from gateway.service.maintenance import start_maintenance

    with open_services() as svc:
        start_maintenance(svc, reason, actor="cli")
    click.echo(f"maintenance on: {reason}")


@maintenance.command("off")
def maintenance_off() -> None:
    """Close the maintenance window: intake and delivery resume."""
    from gateway.service.maintenance import end_maintenance

    with open_services() as svc:
        end_maintenance(svc, actor="cli")
    click.echo("maintenance off")


@maintenance.command("status")
def maintenance_status() -> None:
    """Say whether a maintenance window is open (exit 0 either way)."""
    from gateway.service.maintenance import current_window

    with open_services() as svc:
        window = current_window(svc)
    if window is None:
        click.echo("running: no maintenance window")
    else:
        since = f"{window.started_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"maintenance since {since} by {window.started_by}: {window.reason}")


@click.command()
@click.option(
    "-o", "--output", "folder", required=True, type=click.Path(path_type=Path), help="A new folder."
)
def backup(folder: Path) -> None:
    """Back up the database (a consistent snapshot while petitions flow), the PKI, the keys and
    the configuration into a new folder (mode 0700: it holds keys), with a manifest of digests."""
    from gateway.service.backup import make_backup

    with open_services() as svc:
        manifest = make_backup(svc, svc.settings, folder, actor="cli")
    head = manifest["audit_head"]["seq"]
    click.echo(
        f"backup in {folder}: {len(manifest['files'])} files, audit chain up to event {head}"
    )


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Replace a PKI folder that is not empty.")
def restore(folder: Path, force: bool) -> None:
    """Restore a backup made by `gateway backup` into the configured database and folders (stop
    the gateway first), then verify the audit trail: exit 1 if it finds a problem."""
    from gateway.cli.common import settings
    from gateway.service.audit.verify import verify_trail
    from gateway.service.backup import restore_backup, restored

    manifest = restore_backup(settings(), folder, force=force)
    with open_services() as fresh:  # built on what was restored
        report = verify_trail(fresh)
        restored(fresh, manifest, report, actor="cli")
    click.echo(
        f"restored the backup of {manifest['made_at']}: audit verify "
        + ("passed" if report.ok else f"found {len(report.problems)} problems")
        + f" ({report.events} events, {report.documents} documents)"
    )
    for problem in report.problems[:20]:
        click.echo(f"  {problem.line()}", err=True)
    sys.exit(0 if report.ok else 1)


COMMANDS = (check, maintenance, backup, restore)
