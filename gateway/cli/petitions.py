"""Petition commands: submit, show, list, route."""

from __future__ import annotations

import json
import sys

import click

from gateway.cli.common import services
from gateway.domain.petition import Category, PetitionerKind


@click.group()
def petition() -> None:
    """Petitions (phản ánh, kiến nghị)."""


@petition.command("submit")
@click.option("--category", type=click.Choice([c.value for c in Category]), required=True)
@click.option("--title", required=True)
@click.option("--content", required=True, help="The petition text ('-' reads standard input).")
@click.option("--name", required=True, help="Petitioner's name (personal data: never logged).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in PetitionerKind]),
    default="citizen",
    show_default=True,
)
@click.option("--id-number", default="")
@click.option("--phone", default="")
@click.option("--email", default="")
@click.option("--address", default="")
@click.option(
    "--to",
    "route_to",
    multiple=True,
    metavar="ORGAN_ID",
    help="Route at once to this agency (repeatable).",
)
@click.option(
    "--client-ref", default=None, help="Idempotency key: resubmitting returns the same petition."
)
def petition_submit(
    category: str,
    title: str,
    content: str,
    name: str,
    kind: str,
    id_number: str,
    phone: str,
    email: str,
    address: str,
    route_to: tuple[str, ...],
    client_ref: str | None,
) -> None:
    """Record a petition as received from the CLI (operator entry)."""
    from gateway.domain.petition import Petitioner
    from gateway.service.intake import NewPetition, submit_petition

    if content == "-":
        content = sys.stdin.read()
    submitted = submit_petition(
        services(),
        NewPetition(
            category=Category(category),
            title=title,
            content=content,
            petitioner=Petitioner(PetitionerKind(kind), name, id_number, phone, email, address),
            portal="cli",
            client_ref=client_ref,
            route_to=route_to,
        ),
    )
    click.echo(
        submitted.petition_id
        if submitted.created
        else f"{submitted.petition_id} (already submitted)"
    )


@petition.command("route")
@click.argument("petition_id")
@click.argument("organ_ids", nargs=-1, required=True)
def petition_route(petition_id: str, organ_ids: tuple[str, ...]) -> None:
    """Transfer PETITION_ID to the agencies ORGAN_IDS."""
    from gateway.service.routing import route_petition

    case_ids = route_petition(services(), petition_id, organ_ids, actor="cli")
    click.echo(f"routed: cases {', '.join(map(str, case_ids))}")


@petition.command("show")
@click.argument("petition_id")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--trail",
    is_flag=True,
    help="Also the audit timeline: who, what, when, chain and signature checks, receipt digests.",
)
def petition_show(petition_id: str, as_json: bool, trail: bool) -> None:
    """Show a petition's status, cases, deadlines and deliveries (no personal data)."""
    from gateway.service.queries import petition_view

    svc = services()
    try:
        view = petition_view(svc, petition_id)
        if trail:
            from gateway.service.audit.trail import petition_trail, render

            view["trail"] = petition_trail(svc, petition_id)
    finally:
        svc.close()
    if as_json:
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    click.echo(f"{view['id']}  {view['status']}  [{view['category']}]  {view['title']}")
    click.echo(f"  received {view['received_at']} via {view['portal']}")
    for case in view["cases"]:
        click.echo(
            f"  case {case['case_id']} → {case['agency']}: {case['state']}"
            f"  due {case['due_date'] or '—'}{'  OVERDUE' if case['overdue'] else ''}"
            f"  transfer {case['transfer_document']}"
        )
        for d in case["deliveries"]:
            error = f"  ({d['failure_code'] or ''} {d['last_error']})" if d["last_error"] else ""
            click.echo(
                f"    delivery {d['delivery_id'][:8]}: {d['state']}, "
                f"{d['attempts']} attempt(s){error}"
            )
    for r in view["returns"]:
        rerouted = f", re-routed {r['rerouted_at']}" if r["rerouted_at"] else ""
        click.echo(f"  returned by {r['agency']} {r['returned_at']}: {r['reason']}{rerouted}")
    for e in view["escalations"]:
        related = f" (see {e['related_petition_id']})" if e["related_petition_id"] else ""
        click.echo(
            f"  ESCALATED level {e['level']} {e['reason']} {e['raised_at']}: {e['detail']}{related}"
        )
    if trail:
        click.echo("  trail:")
        for line in render(view["trail"], svc.zone):
            click.echo(line)


@petition.command("list")
@click.option("--status", default=None, help="Only petitions in this status.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--escalated", is_flag=True, help="Only petitions escalated to VPCP.")
@click.option("--overdue", is_flag=True, help="Only petitions with an overdue case.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def petition_list(
    status: str | None, limit: int, escalated: bool, overdue: bool, as_json: bool
) -> None:
    """List petitions, newest first."""
    from gateway.service.queries import petition_list as list_petitions

    rows = list_petitions(
        services(), status=status, limit=limit, escalated=escalated, overdue=overdue
    )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']}  {row['status']:<12} {row['received_at'][:19]}  {row['title']}")
    if not rows:
        click.echo("no petitions")


@petition.command("publish")
@click.argument("petition_id")
@click.option(
    "--preview",
    is_flag=True,
    help="Show what the public would see (masked), and publish nothing.",
)
@click.option(
    "--mask",
    "masks",
    multiple=True,
    metavar="TEXT",
    help="Further text to hide before publication, wherever it occurs (repeatable), besides "
    "the personal data found by the rules and the petitioner's own identity.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (with --preview).")
def petition_publish(
    petition_id: str, preview: bool, masks: tuple[str, ...], as_json: bool
) -> None:
    """Make PETITION_ID's replies public (công khai): its replied cases become published, and
    the public pages (/cong-khai/) show the title, content and reply, masked for personal data.

    Look first with --preview; add --mask TEXT for anything else to hide."""
    from gateway.service.publication import public_view, publication_preview, publish_petition

    if preview:
        shown = [public_view(r) for r in publication_preview(services(), petition_id, mask=masks)]
        if as_json:
            click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
            return
        for r in shown:
            click.echo(f"case {r['case_id']} ({r['organ_id']}) — as the public would see it:")
            click.echo(f"  Tiêu đề:  {r['title']}")
            click.echo(f"  Nội dung: {r['content']}")
            click.echo(f"  Trả lời:  {r['reply_text']}")
            click.echo(f"  Ký bởi {r['signed_by']}; SHA-256 {r['reply_sha256']}")
        if not shown:
            click.echo("nothing to publish: no replied case")
        return
    cases = publish_petition(services(), petition_id, actor="cli", mask=masks)
    click.echo(f"published: cases {', '.join(map(str, cases))}")


@petition.command("decide")
@click.argument("petition_id")
@click.option("--reason", required=True, help="The escalation decided (e.g. government_authority).")
@click.option(
    "--decision",
    required=True,
    type=click.Choice(["reroute", "coordinate", "consult", "report_to_pm", "no_further_action"]),
    help="What VPCP decided.",
)
@click.option("--note", required=True, help="The grounds (căn cứ); recorded in the audit trail.")
def petition_decide(petition_id: str, reason: str, decision: str, note: str) -> None:
    """Decide an escalated petition (quyết định xử lý): the escalation leaves the open queue."""
    from gateway.service.escalations import decide_escalation

    decide_escalation(services(), petition_id, reason, decision, note=note, actor="cli")
    click.echo(f"decided: {petition_id} {reason} → {decision}")


@petition.command("close")
@click.argument("petition_id")
@click.option(
    "--unpublished-reason",
    default="",
    metavar="TEXT",
    help="Why replies that were never published are not made public (lý do không công khai); "
    "needed to close a petition whose replies were not published. Recorded in the audit trail.",
)
def petition_close(petition_id: str, unpublished_reason: str) -> None:
    """Close PETITION_ID (kết thúc): its replied or published cases become closed.

    Replies are published first (`petition publish`); a petition whose replies are not to be
    made public is closed only with --unpublished-reason."""
    from gateway.service.publication import close_petition

    cases = close_petition(
        services(), petition_id, actor="cli", unpublished_reason=unpublished_reason
    )
    click.echo(f"closed: cases {', '.join(map(str, cases))}")


@petition.command("recall")
@click.argument("petition_id")
@click.argument("organ_id")
@click.option(
    "--action",
    type=click.Choice(["revoke", "update", "replace"]),
    default="revoke",
    show_default=True,
    help="BussinessDocType 1, 2 or 3.",
)
@click.option("--reason", required=True, help="Why (sent to the agency).")
def petition_recall(petition_id: str, organ_id: str, action: str, reason: str) -> None:
    """Send ORGAN_ID a signed revoke/update/replace of its transfer; it answers 15 or 16."""
    from gateway.service.recall import request_change

    doc_key = request_change(services(), petition_id, organ_id, action, reason=reason, actor="cli")
    click.echo(f"{action} sent: {doc_key}")


@petition.command("escalate")
@click.argument("petition_id")
@click.option(
    "--reason",
    type=click.Choice(["government_authority", "agencies_disagree"]),
    default="government_authority",
    show_default=True,
)
@click.option("--note", default="", help="Why (shown to operators; no personal data).")
def petition_escalate(petition_id: str, reason: str, note: str) -> None:
    """Escalate PETITION_ID to VPCP (e.g. the matter is within the Government's authority)."""
    from gateway.service.escalations import escalate_petition

    new = escalate_petition(services(), petition_id, reason, note=note, actor="cli")
    click.echo(f"escalated: {reason}" if new else f"already escalated: {reason}")


@petition.command("mark-useful")
@click.argument("petition_id")
@click.option("--note", default="", help="Why it is useful (for operators; not published).")
def petition_mark_useful(petition_id: str, note: str) -> None:
    """Mark PETITION_ID as a useful contribution: the quarterly report commends it (category,
    masked title and agencies only; never who sent it)."""
    from gateway.service.reports import mark_useful

    new = mark_useful(services(), petition_id, actor="cli", note=note)
    click.echo("marked useful" if new else "already marked useful")


COMMANDS = (petition,)
