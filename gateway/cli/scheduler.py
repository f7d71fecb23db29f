"""`gateway scheduler`: the deadline scheduler (reminders, overdue marks)."""

from __future__ import annotations

import click

from gateway.cli import common


@click.command()
@click.option("--once", is_flag=True, help="Run one pass, print what it emitted, and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
def scheduler(once: bool, verbose: bool) -> None:
    """Emit OVERDUE events and reminders as deadlines come due (safe to run several at once)."""
    import signal
    import threading

    from gateway.bootstrap import bootstrap
    from gateway.runtime.scheduler import DeadlineScheduler
    from gateway.runtime.up import configure_logging

    configure_logging(verbose)
    svc = bootstrap(common.settings())
    try:
        runner = DeadlineScheduler(svc)
        if once:
            tick = runner.run_once()
            click.echo(f"overdue: {len(tick.overdue)}, reminders: {len(tick.reminders)}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        click.echo(f"scheduler running every {runner.interval:g} s; Ctrl-C to stop")
        runner.run(stop)
    finally:
        svc.close()


COMMANDS = (scheduler,)
