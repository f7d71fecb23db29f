"""`gateway scheduler`: the deadline scheduler (reminders, overdue marks)."""

from __future__ import annotations

import click

from gateway.cli import common


@click.command()
@click.option("--once", is_flag=True, help="Run one pass, print what it emitted, and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def scheduler(once: bool, verbose: bool) -> None:
    """Emit OVERDUE events and reminders as deadlines come due (safe to run several at once)."""
    from gateway.bootstrap import bootstrap
    from gateway.runtime.roles import start_scheduler
    from gateway.runtime.scheduler import DeadlineScheduler
    from gateway.runtime.up import configure_logging

    configure_logging(verbose)
    svc = bootstrap(common.settings())
    try:
        if once:
            tick = DeadlineScheduler(svc).run_once()
            click.echo(f"overdue: {len(tick.overdue)}, reminders: {len(tick.reminders)}")
            return
        stop = common.stop_on_signal()
        threads = start_scheduler(svc, stop)
        click.echo(f"scheduler running every {svc.settings.scheduler_interval:g} s; Ctrl-C to stop")
        for thread in threads:
            thread.join()
    finally:
        svc.close()


COMMANDS = (scheduler,)
