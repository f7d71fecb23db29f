"""An agency's clock is its own: a status Timestamp or a reply's PromulgationDate must be a real
time within [petition received - skew, now + skew] (gateway.domain.timestamps), else it is refused
with TIMESTAMP_INVALID (422), a signed rejection receipt and an audit event like every other
rejection. One wrong clock from before this check cannot freeze a case. On both databases, with a
clock the test controls."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from gateway.clock import FixedClock
from gateway.config import Settings
from gateway.domain.documents import BusinessDocType, ReceiptOutcome, StatusCode
from gateway.errors import ErrorCode, Rejected
from gateway.runtime.up import Running, start
from gateway.service.admin import add_agency
from gateway.service.inbound import accept_document
from gateway.service.intake import submit_petition
from gateway.service.services import Services
from gateway.service.signatures import verify_signed
from gateway.store import tables as t
from schemas import edxml, xml
from schemas.receipt import decode_receipt
from signing import DevPki, XmlSigner, load_key_pair
from tests.conftest import AGENCY_A, new_petition

G17 = AGENCY_A[0]
VN = edxml.VN_TIME
SKEW = timedelta(seconds=300)


@dataclass
class World:
    running: Running
    clock: FixedClock
    signer: XmlSigner
    transfer_key: str
    petition_id: str
    received: datetime
    """When the gateway received the petition (aware, UTC)."""

    @property
    def svc(self) -> Services:
        return self.running.svc


@pytest.fixture
def world(settings: Settings, db_url: str, pki_dir: Path) -> Iterator[World]:
    received = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(received)
    running = start(settings.with_(database_url=db_url), with_demo=False, clock=clock)
    svc = running.svc
    assert svc.settings.clock_skew_seconds == SKEW.total_seconds()
    add_agency(svc, *AGENCY_A)
    petition_id = submit_petition(svc, new_petition(0, route_to=(G17,))).petition_id
    with svc.store.unit_of_work() as uow:
        transfer_key = uow.cases.for_petition(petition_id)[0].transfer_doc_key
    assert transfer_key is not None
    clock.advance(timedelta(hours=1))  # the agency answers an hour later
    signer = XmlSigner(load_key_pair(*DevPki(pki_dir).agency_paths(G17)))
    try:
        yield World(running, clock, signer, transfer_key, petition_id, received)
    finally:
        running.shutdown()


def local(moment: datetime) -> datetime:
    """An aware moment as an agency stamps it: Vietnam's local time, naive."""
    return moment.astimezone(VN).replace(tzinfo=None)


def status(w: World, stamp: datetime, code: StatusCode = StatusCode.ARRIVED) -> bytes:
    root = edxml.encode_status(
        edxml.StatusPackage(
            edxml.Organ(G17, organ_name="Bộ Xây dựng"),
            edxml.ResponseFor(w.svc.organ_id, document_id=w.transfer_key),
            code,
            stamp,
            description="Trạng thái",
        )
    )
    return w.signer.sign(root, edxml.header_of(root))


def reply(w: World, promulgated: date) -> bytes:
    root = edxml.encode_edoc(
        edxml.Edoc(
            from_=edxml.Organ(G17, organ_name="Bộ Xây dựng"),
            to=(edxml.Organ(w.svc.organ_id, organ_name="Văn phòng Chính phủ"),),
            document_id=f"{G17},{promulgated:%Y/%m/%d},77/TL-PAKN",
            code_number="77",
            code_notation="TL-PAKN",
            promulgation_place="Hà Nội",
            promulgation_date=promulgated,
            document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Công văn"),
            subject="Trả lời phản ánh, kiến nghị",
            content="Nội dung trả lời.",
            response_for=(edxml.ResponseFor(w.svc.organ_id, document_id=w.transfer_key),),
            trace=(edxml.TraceHeader(G17, local(w.clock.now())),),
            business=edxml.Business(BusinessDocType.NEW, reason="Văn bản trả lời"),
        )
    )
    return w.signer.sign(root, edxml.header_of(root))


def state(w: World) -> tuple[Any, ...]:
    """Documents, business audit events, and the case as stored."""
    with w.svc.store.engine.connect() as c:
        return (
            c.execute(select(func.count()).select_from(t.documents)).scalar_one(),
            c.execute(
                select(func.count())
                .select_from(t.audit_events)
                .where(t.audit_events.c.action != "document.rejected")
            ).scalar_one(),
            c.execute(select(t.cases)).all(),
        )


def rejections(w: World) -> list[dict[str, Any]]:
    with w.svc.store.engine.connect() as c:
        rows = c.execute(
            select(t.audit_events.c.details)
            .where(t.audit_events.c.action == "document.rejected")
            .order_by(t.audit_events.c.seq)
        )
        return [row.details for row in rows]


def assert_refused_for_its_time(w: World, body: bytes) -> None:
    before, events = state(w), len(rejections(w))
    with pytest.raises(Rejected) as caught:
        accept_document(w.svc, body)
    error = caught.value
    assert (error.code, error.http_status) == (ErrorCode.TIMESTAMP_INVALID, 422), error
    receipt = decode_receipt(
        verify_signed(
            w.svc.trust, xml.parse(error.receipt), w.svc.organ_id, legacy=False
        ).signed_root
    )
    assert (receipt.outcome, receipt.reason_code) == (ReceiptOutcome.REJECTED, "TIMESTAMP_INVALID")
    logged = rejections(w)
    assert len(logged) == events + 1
    assert logged[-1]["code"] == "TIMESTAMP_INVALID"
    assert logged[-1]["receipt_id"] == receipt.receipt_id
    assert state(w) == before


STAMPS = {
    "year-1": lambda w: datetime(1, 1, 1, 0, 0, 0),
    "year-9999": lambda w: datetime(9999, 12, 31, 23, 59, 59),
    "year-2099": lambda w: datetime(2099, 1, 1, 9, 0, 0),
    "ten-minutes-ahead": lambda w: local(w.clock.now() + timedelta(minutes=10)),
    "before-the-petition": lambda w: local(w.received - timedelta(minutes=10)),
}


@pytest.mark.parametrize("name", STAMPS)
def test_an_implausible_status_timestamp_is_refused_like_any_rejection(
    world: World, name: str
) -> None:
    assert_refused_for_its_time(world, status(world, STAMPS[name](world)))


@pytest.mark.parametrize(
    "ahead",
    [timedelta(minutes=2), timedelta(0), -timedelta(minutes=59)],
    ids=["two-minutes-ahead", "now", "just-after-the-petition"],
)
def test_a_status_within_the_skew_is_accepted(world: World, ahead: timedelta) -> None:
    accepted = accept_document(world.svc, status(world, local(world.clock.now() + ahead)))
    assert not accepted.duplicate
    with world.svc.store.unit_of_work() as uow:
        case = uow.cases.for_petition(world.petition_id)[0].case
    assert case.state.value == "arrived"


def test_the_refusal_is_a_422_problem_with_the_receipt_over_http(world: World) -> None:
    with httpx.Client(base_url=world.running.api.url, timeout=10) as client:
        response = client.post("/v1/edxml", content=status(world, datetime(1, 1, 1, 0, 0, 0)))
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "TIMESTAMP_INVALID" and "receipt" in problem


@pytest.mark.parametrize(
    "promulgated",
    [lambda w: date(2099, 1, 1), lambda w: (w.received - timedelta(days=2)).astimezone(VN).date()],
    ids=["reply-dated-2099", "reply-dated-before-the-petition"],
)
def test_a_reply_promulgated_on_an_implausible_date_is_refused(world: World, promulgated) -> None:
    assert_refused_for_its_time(world, reply(world, promulgated(world)))


def test_a_reply_promulgated_today_is_accepted(world: World) -> None:
    accepted = accept_document(world.svc, reply(world, world.clock.now().astimezone(VN).date()))
    assert not accepted.duplicate


def test_a_case_with_a_stored_2099_status_time_still_moves_on(world: World) -> None:
    accept_document(world.svc, status(world, local(world.clock.now())))
    with world.svc.store.unit_of_work() as uow:
        case_id = uow.cases.for_petition(world.petition_id)[0].case.case_id
    frozen = datetime(2099, 1, 1, 2, 0, tzinfo=UTC)  # accepted before timestamps were checked
    with world.svc.store.engine.begin() as c:
        c.execute(update(t.cases).where(t.cases.c.case_id == case_id).values(last_status_at=frozen))
    world.clock.advance(timedelta(minutes=5))

    accept_document(world.svc, status(world, local(world.clock.now()), StatusCode.ACCEPTED))

    with world.svc.store.unit_of_work() as uow:
        case = uow.cases.get(case_id)
    assert case is not None and case.case.state.value == "accepted"
    assert case.case.last_status_at == world.clock.now()
