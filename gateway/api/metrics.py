"""``GET /metrics``: the gateway's state in the Prometheus text format (prometheus-client),
computed from the database at each scrape (gateway/service/health.py), so any API process
exposes the whole gateway. Labels are bounded (agency ids, states, certificate roles); no
personal data. Names follow Prometheus' conventions (``_total``, ``_seconds``, base units)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.service.health import snapshot
from gateway.service.services import Services

MEDIA_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class GatewayCollector(Collector):
    def __init__(self, svc: Services) -> None:
        self.svc = svc

    def collect(self) -> Iterator[Metric]:
        s = snapshot(self.svc)
        received = CounterMetricFamily(
            "pakn_petitions_received", "Petitions received since the gateway was installed."
        )
        received.add_metric([], sum(s.petitions_by_status.values()))
        yield received
        yield _labelled("pakn_petitions", "Petitions by status.", "status", s.petitions_by_status)
        yield _labelled("pakn_deliveries", "Deliveries by state.", "state", s.deliveries_by_state)
        yield _labelled(
            "pakn_agency_queue_depth",
            "Deliveries not settled yet (queued, sending, retrying), per agency.",
            "agency",
            s.waiting_by_agency,
        )
        yield _gauge("pakn_dead_letters", "Dead letters not replayed.", s.dead_letters)
        yield _gauge("pakn_outbox_backlog", "Outbox rows not yet published.", s.outbox_pending)
        yield _gauge(
            "pakn_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet published (0: none waits).",
            s.outbox_oldest_seconds or 0.0,
        )
        yield _labelled(
            "pakn_circuit_open_seconds",
            "Agencies whose adapter circuit is not closed, and for how long.",
            "agency",
            s.open_circuits,
        )
        yield _gauge("pakn_circuits_open", "Adapter circuits not closed.", len(s.open_circuits))
        yield _labelled(
            "pakn_overdue_cases", "Cases overdue, per agency.", "agency", s.overdue_by_agency
        )
        yield _gauge("pakn_escalations_open", "Escalations not decided.", s.open_escalations)
        expiry = GaugeMetricFamily(
            "pakn_certificate_expiry_days",
            "Days until each certificate (gateway, agencies, CAs) expires.",
            labels=["organ_id", "role"],
        )
        for c in s.certificates:
            expiry.add_metric([c.organ_id, c.role], c.days_left)
        yield expiry
        yield _gauge(
            "pakn_audit_unsealed_events",
            "Audit events after the last seal.",
            s.unsealed_events,
        )
        if s.last_seal_seconds is not None:
            yield _gauge(
                "pakn_audit_last_seal_age_seconds",
                "Age of the last seal of the audit chain.",
                s.last_seal_seconds,
            )
        if s.last_verify_seconds is not None:
            yield _gauge(
                "pakn_audit_last_verify_age_seconds",
                "Age of the last run of audit verify.",
                s.last_verify_seconds,
            )
            yield _gauge(
                "pakn_audit_last_verify_ok",
                "1 if the last run of audit verify found no problem.",
                1.0 if s.last_verify_ok else 0.0,
            )


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def _labelled(name: str, doc: str, label: str, values: dict[str, int] | dict[str, float]) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def metrics_router(svc: Services) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector(svc))

    @router.get("/metrics")
    def metrics() -> Response:
        # the gateway's state, then what this process measured (in `gateway up`: every role)
        body = generate_latest(registry) + generate_latest(REGISTRY)
        return Response(body, media_type=MEDIA_TYPE)

    return router
