"""Report commands: the quarterly report (báo cáo quý), and where its figures come from."""

from __future__ import annotations

import json
from pathlib import Path

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
        click.echo(json.dumps([c.as_dict() for c in traced], indent=2, ensure_ascii=False))
        return
    click.echo(f"{quarter} {organ_id} {figure}: {len(traced)}")
    for c in traced:
        replied = c.replied_at.isoformat(timespec="minutes") if c.replied_at else "-"
        overdue = ",".join(at.date().isoformat() for at in c.overdue) or "-"
        click.echo(
            f"  {c.petition_id}  case {c.case_id}  routed {c.routed_at:%Y-%m-%d}  "
            f"replied {replied}  overdue {overdue}  state {c.state_at_end}"
        )


@report.command("quarterly")
@click.argument("quarter", callback=_quarter, metavar="QUARTER")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "html", "csv", "xlsx", "json"]),
    default="pdf",
    show_default=True,
)
@click.option("--press", is_flag=True, help="The one-page press summary (thông cáo báo chí).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Where to write it (default: bao-cao-QUARTER.FORMAT in the current directory).",
)
def report_quarterly(quarter: Quarter, fmt: str, press: bool, output: str | None) -> None:
    """Write the quarterly report on petitions received and handled in QUARTER (e.g. 2026Q3).

    A closed quarter's report is issued once (every format, the PDFs signed by the gateway's
    key, the machine formats with a signed manifest of their digests), stored and audited;
    asking again gives the same bytes. The current quarter's is provisional (tạm tính) and is
    not stored."""
    from gateway.reporting.formats import Format
    from gateway.service.reports import file_name, report_document

    kind = "press" if press else "report"
    with open_services() as svc:
        document = report_document(svc, quarter, Format(fmt), kind=kind, actor="cli")
    path = Path(output or file_name(quarter, kind, Format(fmt)))
    path.write_bytes(document.body)
    state = "issued" if document.report_id else "provisional (the quarter has not ended)"
    click.echo(f"{path}: {state}, {len(document.body)} bytes, sha256 {document.sha256}")


@report.command("manifest")
@click.argument("quarter", callback=_quarter, metavar="QUARTER")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True)
def report_manifest(quarter: Quarter, output: str) -> None:
    """Write the signed manifest of the digests of QUARTER's issued machine formats."""
    from gateway.reporting.formats import Format
    from gateway.service.reports import issued_report

    with open_services() as svc:
        document = issued_report(svc, quarter, "report", Format.JSON)
    assert document.manifest is not None
    Path(output).write_bytes(document.manifest)
    click.echo(f"{output}: signed manifest of {quarter}")


COMMANDS = (report,)
