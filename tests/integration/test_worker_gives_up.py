"""A message that keeps coming back unsettled (it kills its worker) is dead-lettered by the worker
without running again, and its delivery is visibly FAILED — on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

from gateway.bootstrap import bootstrap
from gateway.runtime.relay import OutboxRelay
from gateway.runtime.worker import Worker
from gateway.service import adapters, admin, dead_letters
from gateway.service.delivery import Settle
from gateway.service.intake import submit_petition
from gateway.transport.base import outbound_queue
from gateway.transport.embedded import EmbeddedTransport
from tests.conftest import AGENCY_A, new_petition
from tests.helpers import query


def test_a_message_handed_out_too_often_fails_its_delivery_and_is_recorded_dead(settings, db_url):
    svc = bootstrap(settings.with_(database_url=db_url))
    transport = EmbeddedTransport(svc.store.engine, lease_seconds=30)
    try:
        admin.add_agency(svc, *AGENCY_A, actor="test")
        adapters.add(
            svc,
            AGENCY_A[0],
            "rest",
            {"url": "http://127.0.0.1:9/edxml"},
            enabled=True,
            actor="test",
        )
        petition = submit_petition(svc, new_petition(1, route_to=(AGENCY_A[0],)))
        assert OutboxRelay(svc.store, transport, svc.clock).run_once() == 1
        worker = Worker(svc, transport, threads=1)
        received = transport.receive([outbound_queue(AGENCY_A[0])], timeout=2)
        assert received is not None
        received.deliveries = worker.max_deliveries + 1  # as after that many worker deaths

        assert worker.handle(received) is Settle.DEAD

        delivery_id = json.loads(received.message.body)["delivery_id"]
        with svc.store.unit_of_work() as uow:
            delivery = uow.deliveries.get(delivery_id)
            assert delivery is not None and delivery.attempts == 0  # never sent again
        events = query(svc.store.engine, "SELECT action FROM audit_events ORDER BY seq")
        assert delivery.state == "failed" and delivery.failure_code == "DELIVERY_EXHAUSTED"
        [dead] = dead_letters.listing(svc)
        assert dead.delivery_id == delivery_id and dead.code == "DELIVERY_EXHAUSTED"
        assert [d.message.message_id for d in transport.dead_letters()] == [dead.message_id]
        assert ("delivery.failed",) in events and ("message.dead_lettered",) in events
        assert petition.petition_id
    finally:
        transport.close()
        svc.close()
