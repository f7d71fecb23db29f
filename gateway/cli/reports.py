"""Report commands: the quarterly report (báo cáo quý), and where its figures come from."""

from __future__ import annotations

import json

import click

from gateway.cli.common import open_services
from gateway.domain.reports import Figure, Quarter


def _quarter(_ctx: click.Context, _param: click.Parameter, value: str) -> Quarter:
    from gateway.errors import InputInvalid

    try:
        return Quarter.parse(value)
    except InputInvalid as e:
        raise click.BadParameter(e.message) from e


@click.group()
def report() -> None:
    """Quarterly reports to the Prime Minister, and the figures behind them."""


@report.command("explain")
@click.argument("quarter", callback=_quarter, metavar="QUARTER")
@click.option("--agency", "organ_id", required=True, metavar="ORGAN_ID")
@click.option(
    "--figure",
    type=click.Choice([f.value for f in Figure]),
    required=True,
    help="The per-agency figure to trace (as named in the report's machine formats).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def report_explain(quarter: Quarter, organ_id: str, figure: str, as_json: bool) -> None:
    """List the cases behind one agency's figure in QUARTER (e.g. 2026Q3): as many as the
    report counts, with the dates that decided each (no personal data)."""
    from gateway.service.reports import explain

    with open_services() as svc:
        traced = explain(svc, quarter, organ_id, Figure(figure))
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "petition_id": c.petition_id,
                        "case_id": c.case_id,
                        "routed_at": c.routed_at.isoformat(),
                        "clock_start": c.clock_start.isoformat() if c.clock_start else None,
                        "replied_at": c.replied_at.isoformat() if c.replied_at else None,
                        "overdue": [at.isoformat() for at in c.overdue],
                        "state_at_end": c.state_at_end,
                    }
                    for c in traced
                ],
                indent=2,
            )
        )
        return
    click.echo(f"{quarter} {organ_id} {figure}: {len(traced)}")
    for c in traced:
        replied = c.replied_at.isoformat(timespec="minutes") if c.replied_at else "-"
        overdue = ",".join(at.date().isoformat() for at in c.overdue) or "-"
        click.echo(
            f"  {c.petition_id}  case {c.case_id}  routed {c.routed_at:%Y-%m-%d}  "
            f"replied {replied}  overdue {overdue}  state {c.state_at_end}"
        )


COMMANDS = (report,)
