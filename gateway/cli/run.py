"""Commands that run things: up, demo, api, worker, relay, simulate agency, db upgrade."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from gateway.cli import common
from gateway.config import Settings

port_option = click.option(
    "--port",
    type=int,
    default=None,
    help="HTTP port of the API (default GATEWAY_HTTP_PORT or 8080).",
)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log what happens.")


@click.command()
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    help="Also start two simulated agencies and a stream of sample petitions.",
)
@click.option(
    "--petitions",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="How many sample petitions the demo stream submits (0 = endless).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between sample petitions.",
)
@port_option
@verbose_option
def up(with_demo: bool, petitions: int, interval: float, port: int | None, verbose: bool) -> None:
    """Start everything in one process: API, outbox relay, workers (and the demo)."""
    from gateway.runtime.up import configure_logging, run_up

    configure_logging(verbose)
    raise SystemExit(
        run_up(common.settings(port), with_demo=with_demo, petitions=petitions, interval=interval)
    )


@click.command()
@click.option(
    "--petitions",
    type=click.IntRange(min=1, max=1000),
    default=10,
    show_default=True,
    help="How many sample petitions to send.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120,
    show_default=True,
    help="Seconds to wait for every reply.",
)
@click.option(
    "--agency-delay",
    type=click.FloatRange(min=0),
    default=0.2,
    show_default=True,
    help="Seconds between the simulated agencies' status updates.",
)
@click.option(
    "--home",
    type=click.Path(path_type=Path),
    default=None,
    help="State directory (default: a fresh temporary directory).",
)
@verbose_option
def demo(
    petitions: int, timeout: float, agency_delay: float, home: Path | None, verbose: bool
) -> None:
    """Run the demo to the end; exit 0 only if every petition got a verified signed reply."""
    from gateway.runtime.up import configure_logging, run_demo

    configure_logging(verbose)
    with tempfile.TemporaryDirectory(prefix="pakn-demo-") as tmp:
        config = Settings.from_env().with_(home=home or Path(tmp), database_url="", pki_dir=None)
        raise SystemExit(
            run_demo(config, petitions=petitions, timeout=timeout, agency_delay=agency_delay)
        )


@click.command()
@port_option
@verbose_option
def api(port: int | None, verbose: bool) -> None:
    """Serve the HTTP API only, until stopped (SIGTERM/Ctrl-C)."""
    from gateway.bootstrap import bootstrap
    from gateway.runtime.roles import settle_heap, start_api
    from gateway.runtime.up import configure_logging, token_source

    configure_logging(verbose)
    svc = bootstrap(common.settings(port))
    stop = common.stop_on_signal()
    server = start_api(svc)
    settle_heap()
    click.echo(
        f"API on {server.url} (operator token: {token_source(svc.settings)}); Ctrl-C to stop"
    )
    stop.wait()
    server.stop()
    svc.close()


@click.command()
@click.option(
    "--threads",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Concurrent deliveries (default GATEWAY_WORKER_THREADS or 4).",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(min=1, max=65535),
    default=None,
    help="Serve this worker's measurements on http://127.0.0.1:PORT/metrics (Prometheus).",
)
@verbose_option
def worker(threads: int | None, metrics_port: int | None, verbose: bool) -> None:
    """Deliver queued documents to agencies until stopped (SIGTERM/Ctrl-C)."""
    from gateway.bootstrap import bootstrap
    from gateway.runtime import metrics
    from gateway.runtime.roles import start_workers
    from gateway.runtime.up import configure_logging

    configure_logging(verbose)
    if metrics_port is not None:
        metrics.serve(metrics_port)
    svc = bootstrap(common.settings())
    stop = common.stop_on_signal()
    workers = start_workers(svc, stop, threads)
    click.echo(f"worker running with {len(workers)} threads; Ctrl-C to stop")
    stop.wait()
    for thread in workers:
        thread.join(timeout=30)
    svc.close()


@click.command()
@verbose_option
def relay(verbose: bool) -> None:
    """Publish committed outbox messages to the transport until stopped."""
    from gateway.bootstrap import bootstrap
    from gateway.runtime.roles import start_relay
    from gateway.runtime.up import configure_logging

    configure_logging(verbose)
    svc = bootstrap(common.settings())
    stop = common.stop_on_signal()
    for thread in start_relay(svc, stop):
        thread.join()
    svc.close()


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    from gateway.store.db import make_engine, upgrade

    config = common.settings()
    config.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.db_url)
    upgrade(engine)
    click.echo(f"database at {engine.url.render_as_string(hide_password=True)} is up to date")


@click.group()
def simulate() -> None:
    """Simulated counterparts, for trying the gateway by hand."""


@simulate.command("agency")
@click.option("--organ-id", required=True, help="The simulated agency's OrganId.")
@click.option("--name", default="Cơ quan mô phỏng", show_default=True)
@click.option(
    "--protocol",
    type=click.Choice(["rest", "soap", "pull"]),
    default="rest",
    show_default=True,
    help="rest: takes POST /edxml; soap: a SOAP service with its "
    "own WSDL (needs spyne); pull: fetches from its inbox on the gateway.",
)
@click.option("--port", type=int, default=8081, show_default=True)
@click.option(
    "--gateway-url",
    default=None,
    help="Where to push statuses (default: this "
    "gateway's GATEWAY_PUBLIC_URL or http://127.0.0.1:8080).",
)
@click.option(
    "--token",
    envvar="GATEWAY_INBOX_TOKEN",
    default=None,
    help="pull: the agency's inbox token (or GATEWAY_INBOX_TOKEN).",
)
@click.option(
    "--delay",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds between status updates.",
)
@click.option(
    "--fail-first",
    type=click.IntRange(min=0),
    default=0,
    help="Answer the first N transfers with HTTP 503 / a SOAP Server fault.",
)
@click.option(
    "--reject-all", is_flag=True, help="Answer every transfer with HTTP 400 / a SOAP Client fault."
)
@click.option("--no-reply", is_flag=True, help="Send statuses but never the signed reply.")
@click.option(
    "--silent",
    is_flag=True,
    help="Only answer transfers with a signed receipt: no "
    "statuses, no reply (load and fault tests).",
)
@click.option(
    "--latency",
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds each transfer takes to answer (a slow system).",
)
def simulate_agency(
    organ_id: str,
    name: str,
    protocol: str,
    port: int,
    gateway_url: str | None,
    token: str | None,
    delay: float,
    fail_first: int,
    reject_all: bool,
    no_reply: bool,
    silent: bool,
    latency: float,
) -> None:
    """Run a simulated agency e-office system.

    Register it with: gateway agency add ORGAN_ID --name NAME; then, for rest,
    gateway adapter add ORGAN_ID --kind rest --url http://127.0.0.1:PORT/edxml --enable;
    for soap, gateway adapter add ORGAN_ID --kind soap --wsdl 'http://127.0.0.1:PORT/?wsdl'
    --operation ReceiveEdxmlBase64 --encoding base64 --enable; for pull,
    gateway adapter add ORGAN_ID --kind pull --enable (it prints the token to pass here).
    """
    from gateway.bootstrap import dev_pki
    from gateway.errors import InputInvalid
    from gateway.simulator.agency import Behaviour, SimulatedAgency
    from gateway.simulator.frontends import serve
    from signing import TrustStore, Verifier, XmlSigner, load_key_pair

    if protocol == "pull" and not token:
        raise InputInvalid(
            "--protocol pull needs --token (printed by `gateway adapter add ORGAN_ID --kind pull`)"
        )
    config = common.settings()
    pki = dev_pki(config)
    key, cert = pki.issue(organ_id, name)
    simulator = SimulatedAgency(
        organ_id,
        name,
        signer=XmlSigner(load_key_pair(key, cert)),
        verifier=Verifier(TrustStore.from_pem_files((pki.ca_path,))),
        gateway_url=gateway_url or config.base_url,
        state_path=config.home / "simulators" / f"{organ_id}.db",
        behaviour=Behaviour(
            delay=delay,
            reject_all=reject_all,
            fail_first=fail_first,
            reply=not no_reply,
            silent=silent,
            latency=latency,
        ),
        gateway_organ_id=config.organ_id,
    )
    stop = common.stop_on_signal()
    with serve(simulator, protocol, port=port, token=token, stop=stop) as where:
        click.echo(
            f"simulated agency {organ_id} ({protocol}) {where}, pushing to {simulator.gateway_url}"
        )
        simulator.run_pusher(stop)
    simulator.close()


COMMANDS = (up, demo, api, worker, relay, db, simulate)
