"""`gateway adapter …`: how documents reach each agency's system.

kinds · add · list · show · test · enable · disable · edit · token · remove. Secrets are never
printed; every change is an audit event; running workers pick changes up without a restart.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import click

from gateway.cli.common import services

MASK_HINT = "(never printed)"


def _config_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options that set configuration keys, shared by `add` and `edit`."""
    options = [
        click.option("--url", help="rest: the agency endpoint that takes edXML."),
        click.option("--method", type=click.Choice(["POST", "PUT"]), help="rest: HTTP method."),
        click.option(
            "--header",
            "headers",
            multiple=True,
            metavar="NAME=VALUE",
            help="rest: an extra HTTP header (repeatable).",
        ),
        click.option("--bearer-token", help=f"rest: bearer token {MASK_HINT}."),
        click.option(
            "--success-status",
            type=click.IntRange(100, 599),
            multiple=True,
            help="rest: an HTTP status that means delivered (repeatable; default any 2xx).",
        ),
        click.option("--wsdl", help="soap: WSDL URL or file."),
        click.option("--service", "soap_service", help="soap: service name (default first)."),
        click.option("--soap-port", help="soap: port name (default the service's first)."),
        click.option("--operation", help="soap: the operation that receives a document."),
        click.option(
            "--document-param",
            help="soap: the parameter carrying the edXML (default the operation's first).",
        ),
        click.option(
            "--encoding",
            type=click.Choice(["string", "base64"]),
            help="soap: pass the edXML as XML text or as base64Binary.",
        ),
        click.option("--status-operation", help="soap: optional operation for status polling."),
        click.option(
            "--auth",
            type=click.Choice(["basic", "wsse"]),
            help="soap: HTTP basic, or WS-Security UsernameToken (rest: basic is "
            "implied by --username).",
        ),
        click.option("--username", help="Basic / UsernameToken user."),
        click.option("--password", help=f"Basic / UsernameToken password {MASK_HINT}."),
        click.option("--ca-bundle", help="TLS: CA certificates (PEM) to trust."),
        click.option("--client-cert", help="TLS: client certificate (PEM)."),
        click.option("--client-key", help="TLS: the client certificate's key (PEM)."),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            help="Seconds before a call counts as a transient failure.",
        ),
        click.option(
            "--breaker-failures",
            type=click.IntRange(min=1),
            help="Transient failures in a row that open the circuit (default 5).",
        ),
        click.option(
            "--breaker-cooldown",
            type=click.FloatRange(min=1),
            help="Seconds the circuit stays open before a probe (default 30).",
        ),
        click.option(
            "--set",
            "extra",
            multiple=True,
            metavar="KEY=VALUE",
            help="Any other configuration key (for third-party kinds; VALUE is read "
            "as JSON when it parses, else as text).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(values: dict[str, Any]) -> dict[str, Any]:
    from gateway.errors import InputInvalid

    config: dict[str, Any] = {}
    simple = {
        "url": "url",
        "method": "method",
        "bearer_token": "bearer_token",
        "wsdl": "wsdl",
        "soap_service": "service",
        "soap_port": "port",
        "operation": "operation",
        "document_param": "document_param",
        "encoding": "encoding",
        "status_operation": "status_operation",
        "auth": "auth",
        "username": "username",
        "password": "password",
        "ca_bundle": "ca_bundle",
        "client_cert": "client_cert",
        "client_key": "client_key",
        "timeout": "timeout",
        "breaker_failures": "breaker_failures",
        "breaker_cooldown": "breaker_cooldown",
    }
    for option, key in simple.items():
        if values.get(option) is not None:
            config[key] = values[option]
    if values.get("headers"):
        pairs = [h.split("=", 1) for h in values["headers"]]
        if any(len(p) != 2 or not p[0] for p in pairs):
            raise InputInvalid("--header takes NAME=VALUE")
        config["headers"] = dict(pairs)
    if values.get("success_status"):
        config["success_status"] = sorted(set(values["success_status"]))
    for item in values.get("extra") or ():
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InputInvalid("--set takes KEY=VALUE")
        try:
            config[key] = json.loads(raw)
        except ValueError:
            config[key] = raw
    return config


id_option = click.option(
    "--id", "adapter_id", type=int, default=None, help="Which adapter, when the agency has several."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


@click.group()
def adapter() -> None:
    """How documents reach each agency's system (adapters)."""


@adapter.command("kinds")
@json_option
def adapter_kinds(as_json: bool) -> None:
    """List the adapter kinds: pull (built in) and those installed (entry points
    `gateway.adapters`), broken ones too."""
    from adapters.registry import discover

    kinds = sorted(discover().values(), key=lambda k: k.name)
    rows = [
        {
            "kind": k.name,
            "target": k.target,
            "broken": k.broken,
            "error": k.error,
            "summary": k.summary,
        }
        for k in kinds
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "BROKEN" if row["broken"] else "ok"
        detail = row["error"] if row["broken"] else row["summary"]
        click.echo(f"{row['kind']:<10} {state:<6} {row['target']:<36} {detail}")


@adapter.command("add")
@click.argument("organ_id")
@click.option("--kind", required=True, help="Adapter kind (see `gateway adapter kinds`).")
@_config_options
@click.option(
    "--enable/--disabled",
    default=False,
    show_default=True,
    help="Start delivering at once (default: added disabled).",
)
def adapter_add(organ_id: str, kind: str, enable: bool, **values: Any) -> None:
    """Configure how documents reach agency ORGAN_ID; checked before it is saved."""
    from gateway.service import adapters

    started = time.perf_counter()
    added = adapters.add(services(), organ_id, kind, _config(values), enabled=enable)
    click.echo(
        f"adapter {added.adapter_id} ({kind}) added for {organ_id}, "
        f"{'enabled' if enable else 'disabled'}; check: {added.diagnosis} "
        f"({(time.perf_counter() - started) * 1000:.0f} ms)"
    )
    if added.token:
        click.echo(f"inbox token for {organ_id} (shown only now, stored hashed): {added.token}")


def _circuit_text(view: Any) -> str:
    circuit = view.circuit
    if circuit.state.value == "closed":
        return "closed" if not circuit.failures else f"closed({circuit.failures} failed)"
    until = circuit.open_until.isoformat(timespec="seconds") if circuit.open_until else "?"
    return f"{circuit.state.value} until {until}"


def _view_row(view: Any) -> dict[str, Any]:
    record = view.record
    return {
        "adapter_id": record.adapter_id,
        "organ_id": record.organ_id,
        "kind": record.kind,
        "enabled": record.enabled,
        "broken": view.broken,
        "circuit": {
            "state": view.circuit.state.value,
            "failures": view.circuit.failures,
            "open_until": (
                view.circuit.open_until.isoformat() if view.circuit.open_until else None
            ),
            "last_error": view.circuit.last_error,
        },
        "config": view.config,
        "updated_at": record.updated_at.isoformat(),
        "tokens": [
            {
                "token_id": t.token_id,
                "created_at": t.created_at.isoformat(),
                "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in view.tokens
        ],
    }


@adapter.command("list")
@json_option
def adapter_list(as_json: bool) -> None:
    """List configured adapters, with their circuit state (secrets masked)."""
    from gateway.service import adapters

    views = adapters.views(services())
    if as_json:
        click.echo(json.dumps([_view_row(v) for v in views], ensure_ascii=False, indent=2))
        return
    for v in views:
        r = v.record
        click.echo(
            f"{r.adapter_id:>4} {r.organ_id:<16} {r.kind:<6} "
            f"{'enabled ' if r.enabled else 'disabled'} circuit {_circuit_text(v):<12} "
            f"{'BROKEN ' if v.broken else ''}"
            f"{json.dumps(v.config, ensure_ascii=False)}"
        )
    if not views:
        click.echo("no adapters yet: gateway adapter add ORGAN_ID --kind rest --url URL")


@adapter.command("show")
@click.argument("organ_id")
@id_option
@json_option
def adapter_show(organ_id: str, adapter_id: int | None, as_json: bool) -> None:
    """Show one agency's adapter: configuration (secrets masked), circuit, inbox tokens."""
    from gateway.service import adapters

    svc = services()
    record = adapters.resolve(svc, organ_id, adapter_id)
    [view] = [v for v in adapters.views(svc, organ_id) if v.record.adapter_id == record.adapter_id]
    row = _view_row(view)
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"adapter {record.adapter_id} for {organ_id}: kind {record.kind}, "
        f"{'enabled' if record.enabled else 'disabled'}"
        f"{', BROKEN: ' + view.broken if view.broken else ''}"
    )
    click.echo(
        f"circuit: {_circuit_text(view)}"
        + (f"; last error: {view.circuit.last_error}" if view.circuit.last_error else "")
    )
    for key, value in sorted(view.config.items()):
        click.echo(f"  {key} = {json.dumps(value, ensure_ascii=False)}")
    for token in row["tokens"]:
        click.echo(
            f"  inbox token {token['token_id']} issued {token['created_at']}"
            + (f", revoked {token['revoked_at']}" if token["revoked_at"] else "")
        )


DIAGNOSES = (
    (
        "timeout",
        "the agency system did not answer in time: is it running? if it is just slow, "
        "raise --timeout",
    ),
    (
        "cannot reach",
        "nothing answers at that address: check the URL/WSDL, the host, the port and any firewall",
    ),
    (
        "cannot load the WSDL",
        "nothing serves the WSDL there: check the URL and that the service is up",
    ),
    (
        "SOAP fault",
        "the agency's SOAP service refused the call: check the operation, its "
        "parameter and the encoding, and that it trusts the gateway's certificate",
    ),
    (
        "HTTP 4",
        "the agency system refused the document: check the URL, the credentials and "
        "that it trusts the gateway's certificate",
    ),
    ("HTTP 5", "the agency system failed internally: ask its operators"),
    (
        "receipt",
        "the agency answered with a receipt that is not for this document or not "
        "signed by a certificate bound to it: check its key and OrganId",
    ),
)


@adapter.command("test")
@click.argument("organ_id")
@id_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only check the configuration and the agency system (e.g. load the WSDL); send nothing.",
)
def adapter_test(organ_id: str, adapter_id: int | None, dry_run: bool) -> None:
    """Test agency ORGAN_ID's adapter: a signed test document there and back, timed.

    The test document is a signed edXML package whose notation is VPCP-TEST (not a petition);
    the agency's answer must be its signed receipt for exactly those bytes."""
    from gateway.errors import GatewayError
    from gateway.service import adapters

    svc = services()
    record = adapters.resolve(svc, organ_id, adapter_id)
    started = time.perf_counter()
    try:
        report = adapters.connection_check(svc, record, dry_run=dry_run)
    except GatewayError as e:
        elapsed = (time.perf_counter() - started) * 1000
        hint = next((h for needle, h in DIAGNOSES if needle in e.message), "")
        e.message = f"{e.message} (after {elapsed:.0f} ms)" + (f" — {hint}" if hint else "")
        raise
    click.echo(
        f"adapter {report.adapter_id} ({report.kind}) for {organ_id}: "
        f"check ok in {report.check_ms:.0f} ms: {report.check}"
    )
    if report.round_trip:
        click.echo(f"round trip ok in {report.round_trip_ms:.0f} ms: {report.round_trip}")
    elif dry_run:
        click.echo("dry run: nothing sent")
    else:
        click.echo("pull adapter: nothing is pushed; the agency fetches from its inbox")


def _switch(enabled: bool) -> Callable[[str, int | None], None]:
    def command(organ_id: str, adapter_id: int | None) -> None:
        from gateway.service import adapters

        svc = services()
        record = adapters.resolve(svc, organ_id, adapter_id)
        changed = adapters.set_enabled(svc, record, enabled)
        word = "enabled" if enabled else "disabled"
        click.echo(
            f"adapter {record.adapter_id} for {organ_id} "
            f"{word if changed else 'was already ' + word}"
        )

    return command


adapter.command("enable", help="Start delivering to ORGAN_ID through its adapter.")(
    id_option(click.argument("organ_id")(_switch(True)))
)
adapter.command("disable", help="Stop delivering to ORGAN_ID (documents stay queued).")(
    id_option(click.argument("organ_id")(_switch(False)))
)


@adapter.command("edit")
@click.argument("organ_id")
@id_option
@_config_options
@click.option("--unset", multiple=True, metavar="KEY", help="Remove a configuration key.")
def adapter_edit(
    organ_id: str, adapter_id: int | None, unset: tuple[str, ...], **values: Any
) -> None:
    """Change ORGAN_ID's adapter configuration; checked before it is saved."""
    from gateway.service import adapters

    svc = services()
    record = adapters.resolve(svc, organ_id, adapter_id)
    diagnosis = adapters.edit(svc, record, _config(values), unset)
    click.echo(f"adapter {record.adapter_id} for {organ_id} changed; check: {diagnosis}")


@adapter.command("token")
@click.argument("organ_id")
@click.option("--keep-old", is_flag=True, help="Do not revoke the agency's current tokens.")
def adapter_token(organ_id: str, keep_old: bool) -> None:
    """Issue a new inbox token for pull agency ORGAN_ID (shown once; old ones revoked)."""
    from gateway.service import adapters

    token, revoked = adapters.issue_token(services(), organ_id, revoke_old=not keep_old)
    click.echo(f"{revoked} old token(s) revoked" if revoked else "no token revoked")
    click.echo(f"inbox token for {organ_id} (shown only now, stored hashed): {token}")


@adapter.command("remove")
@click.argument("organ_id")
@id_option
def adapter_remove(organ_id: str, adapter_id: int | None) -> None:
    """Remove ORGAN_ID's adapter (a pull adapter's inbox tokens are revoked)."""
    from gateway.service import adapters

    svc = services()
    record = adapters.resolve(svc, organ_id, adapter_id)
    revoked = adapters.remove(svc, record)
    click.echo(
        f"adapter {record.adapter_id} ({record.kind}) for {organ_id} removed"
        + (f"; {revoked} inbox token(s) revoked" if revoked else "")
    )


COMMANDS = (adapter,)
