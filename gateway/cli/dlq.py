"""Dead-letter commands: list, show, replay. The database is the record of failures."""

from __future__ import annotations

import json

import click

from gateway.cli.common import open_services
from gateway.errors import InputInvalid


@click.group()
def dlq() -> None:
    """Dead letters (thư chết): messages that failed for good, and their replay."""


@dlq.command("list")
@click.option("--all", "include_replayed", is_flag=True, help="Include replayed ones.")
@click.option("--json", "as_json", is_flag=True)
def dlq_list(include_replayed: bool, as_json: bool) -> None:
    """Dead letters not yet replayed (oldest first)."""
    from gateway.service import dead_letters

    with open_services() as svc:
        found = dead_letters.listing(svc, include_replayed=include_replayed)
    if as_json:
        click.echo(json.dumps([d.summary() for d in found], ensure_ascii=False, indent=2))
        return
    for d in found:
        replayed = f"  replayed {d.replayed_at:%Y-%m-%d %H:%M}" if d.replayed_at else ""
        click.echo(
            f"{d.id:>6}  {d.dead_at:%Y-%m-%d %H:%M:%S}  {d.queue:<28} {d.code:<22} "
            f"{d.reason[:60]}{replayed}"
        )
    click.echo(f"{len(found)} dead letter(s)")


@dlq.command("show")
@click.argument("dead_letter_id", type=int)
def dlq_show(dead_letter_id: int) -> None:
    """One dead letter: where it was going, why it died, what happened since."""
    from gateway.service import dead_letters

    with open_services() as svc:
        record = dead_letters.get(svc, dead_letter_id)
    click.echo(json.dumps(record.summary(), ensure_ascii=False, indent=2))


@dlq.command("replay")
@click.argument("dead_letter_id", type=int, required=False)
@click.option(
    "--all", "replay_all", is_flag=True, help="Replay every dead letter not yet replayed."
)
def dlq_replay(dead_letter_id: int | None, replay_all: bool) -> None:
    """Re-queue dead letter DEAD_LETTER_ID (or --all); recorded in the audit trail."""
    from gateway.service import dead_letters

    if (dead_letter_id is None) == (not replay_all):
        raise InputInvalid("give one DEAD_LETTER_ID or --all")
    with open_services() as svc:
        if replay_all:
            replayed = dead_letters.replay_all(svc)
            click.echo(f"replayed {len(replayed)} dead letter(s)")
            return
        message_id = dead_letters.replay(svc, dead_letter_id)  # type: ignore[arg-type]
    click.echo(f"dead letter {dead_letter_id} replayed as message {message_id}")


COMMANDS = (dlq,)
