"""Audit commands: verify the trail, seal it, export a petition's evidence bundle, verify one."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gateway.cli import common
from gateway.cli.common import services

if TYPE_CHECKING:
    from gateway.service.services import Services


@click.group()
def audit() -> None:
    """The signed audit trail (nhật ký kiểm toán): verify, seal, export, verify-bundle."""


@audit.command("verify")
@click.option(
    "--from",
    "from_seq",
    type=click.IntRange(1),
    default=None,
    help="First event to check (default: the first).",
)
@click.option(
    "--to",
    "to_seq",
    type=click.IntRange(1),
    default=None,
    help="Last event to check (default: the last).",
)
@click.option("--no-documents", is_flag=True, help="Check the chain and seals only.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit_verify(
    from_seq: int | None, to_seq: int | None, no_documents: bool, as_json: bool
) -> None:
    """Recompute the hash chain, check every seal and every stored document's digest and
    signature. Exit 0 only if all holds; otherwise name the first broken event."""
    from gateway.errors import InputInvalid
    from gateway.service.audit.verify import verify_trail

    if from_seq is not None and to_seq is not None and from_seq > to_seq:
        raise InputInvalid(f"--from {from_seq} is after --to {to_seq}")
    svc = services()
    try:
        total = _count(svc, from_seq, to_seq)
        show = not as_json and sys.stderr.isatty() and total > 20_000
        if show:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("verifying the audit chain", total=total)
                report = verify_trail(
                    svc,
                    from_seq=from_seq,
                    to_seq=to_seq,
                    documents=not no_documents,
                    progress=lambda n: bar.advance(task, n),
                )
        else:
            report = verify_trail(svc, from_seq=from_seq, to_seq=to_seq, documents=not no_documents)
    finally:
        svc.close()
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        if not report.ok:
            sys.exit(1)
        return
    span = (
        f"{report.events} events ({report.first_seq}–{report.last_seq})"
        if report.events
        else "no events"
    )
    summary = f"{span}, {report.seals} seal(s), {report.documents} document(s)"
    if report.ok:
        click.echo(f"audit trail OK: {summary}")
        return
    click.echo(f"audit trail BROKEN: {summary}; {len(report.problems)} problem(s):")
    for problem in report.problems[:50]:
        click.echo(f"  {problem.line()}")
    report.raise_if_broken()


def _count(svc: object, from_seq: int | None, to_seq: int | None) -> int:
    with svc.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        return int(uow.audit.count(from_seq=from_seq, to_seq=to_seq))


@audit.command("seal")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep sealing every GATEWAY_AUDIT_SEAL_EVENTS "
    "events or GATEWAY_AUDIT_SEAL_MINUTES minutes until stopped (what `gateway up` "
    "runs inside).",
)
def audit_seal(watch: bool) -> None:
    """Seal the chain head now (if anything is unsealed), signed by the gateway."""
    from gateway.service.audit.seal import seal_now

    svc = services()
    if watch:
        _watch(svc)
        return
    try:
        seal = seal_now(svc, force=True)
    finally:
        svc.close()
    if seal is None:
        click.echo("nothing to seal: the chain head is already sealed")
    else:
        click.echo(
            f"sealed event {seal.seq} (hash {seal.head_hash[:16]}…) as seal "
            f"{seal.seal_id}, sha256 {seal.sha256}"
        )


def _watch(svc: Services) -> None:
    from gateway.runtime.roles import start_sealer

    stop = common.stop_on_signal()
    click.echo("sealing the audit chain; Ctrl-C to stop")
    try:
        for thread in start_sealer(svc, stop):
            thread.join()
    finally:
        svc.close()


@audit.command("export")
@click.argument("petition_id")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The bundle to write (.zip).",
)
def audit_export(petition_id: str, output: Path) -> None:
    """Export PETITION_ID's evidence: its signed documents and receipts (exact bytes), its
    audit events with the hash-chain path to a seal, the seal, the certificates, a manifest."""
    from gateway.service.audit.export import export_bundle

    svc = services()
    try:
        summary = export_bundle(svc, petition_id, output)
    finally:
        svc.close()
    click.echo(f"wrote {output}: {summary}")


@audit.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trusted-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Trust these CA certificates (PEM) instead of the bundle's "
    "own (recommended: the gateway operator's published CA).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def audit_verify_bundle(bundle: Path, trusted_ca: tuple[Path, ...], as_json: bool) -> None:
    """Verify an exported bundle with no database: every file against the manifest, every
    signature, the events' hash chain up to the seal, and the seal."""
    from gateway.audit.offline import verify_bundle

    result = verify_bundle(bundle, trusted_ca=trusted_ca)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        if not result.ok:
            sys.exit(1)
        return
    if result.ok:
        click.echo(f"bundle OK: {result.summary()}")
        return
    click.echo(f"bundle BROKEN: {result.summary()}")
    for problem in result.problems:
        click.echo(f"  {problem}")
    result.raise_if_broken()


COMMANDS = (audit,)
