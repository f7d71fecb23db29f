"""The `gateway` command. Commands are thin: they build services and call a use case.

``--help`` never touches a database, a broker, a key or a WSDL: services are built inside the
command body. A failure prints one readable line (``error: CODE: message``) and exits non-zero.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from gateway.errors import GatewayError


class GatewayGroup(click.Group):
    """Turns our errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GatewayError as e:
            click.echo(f"error: {e.code}: {e.message}", err=True)
            sys.exit(1)


@click.group(cls=GatewayGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pakn-gateway")
def main() -> None:
    """PAKN Gateway: signed edXML exchange of petitions between VPCP and agencies.

    Configuration comes from GATEWAY_* environment variables (see README); the defaults run
    everything on one machine under ./var.
    """


def _register() -> None:
    from gateway.cli import (
        adapters,
        agency,
        audit,
        calendar,
        operations,
        petitions,
        pki,
        reports,
        run,
        scheduler,
        users,
    )

    for command in (
        *run.COMMANDS,
        *pki.COMMANDS,
        *agency.COMMANDS,
        *adapters.COMMANDS,
        *petitions.COMMANDS,
        *calendar.COMMANDS,
        *scheduler.COMMANDS,
        *audit.COMMANDS,
        *reports.COMMANDS,
        *users.COMMANDS,
        *operations.COMMANDS,
    ):
        main.add_command(command)

    from gateway.cli import dlq

    for command in dlq.COMMANDS:
        main.add_command(command)


_register()
