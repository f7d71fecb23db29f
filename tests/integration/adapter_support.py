"""Helpers for adapter tests: services on a real database, a petition routed to one agency, and
running its delivery through the real use case."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from gateway.domain.delivery import Delivery
from gateway.service.delivery import Result, deliver
from gateway.service.intake import submit_petition
from gateway.service.services import Services
from gateway.simulator.agency import Behaviour, SimulatedAgency
from gateway.transport.base import Message, outbound_queue
from signing import DevPki, TrustStore, Verifier, XmlSigner, load_key_pair
from tests.conftest import AGENCY_A, new_petition


def simulated_agency(
    pki_dir: Path, tmp_path: Path, organ_id: str = AGENCY_A[0], behaviour: Behaviour | None = None
) -> SimulatedAgency:
    pki = DevPki(pki_dir)
    key, cert = pki.issue(organ_id, organ_id)
    return SimulatedAgency(
        organ_id,
        organ_id,
        signer=XmlSigner(load_key_pair(key, cert)),
        verifier=Verifier(TrustStore.from_pem_files((pki.ca_path,))),
        gateway_url="http://127.0.0.1:9",
        state_path=tmp_path / f"sim-{uuid.uuid4().hex[:6]}.db",
        behaviour=behaviour or Behaviour(reply=False),
    )


def routed_delivery(svc: Services, organ_id: str = AGENCY_A[0], i: int = 1) -> Delivery:
    submitted = submit_petition(svc, new_petition(i, route_to=(organ_id,)))
    with svc.store.unit_of_work() as uow:
        case = uow.cases.for_petition(submitted.petition_id)[0]
        return uow.deliveries.for_case(case.case.case_id)[0]


def run_delivery(svc: Services, delivery: Delivery) -> tuple[Result, Delivery]:
    body = json.dumps({"type": "deliver", "delivery_id": delivery.delivery_id}).encode()
    message = Message(outbound_queue(delivery.organ_id), body, str(uuid.uuid4()))
    result = deliver(svc, delivery.delivery_id, message)
    with svc.store.unit_of_work() as uow:
        after = uow.deliveries.get(delivery.delivery_id)
    assert after is not None
    return result, after
