"""Operations commands: ``gateway check``, the alert conditions for sites without Prometheus."""

from __future__ import annotations

import sys

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


COMMANDS = (check,)
