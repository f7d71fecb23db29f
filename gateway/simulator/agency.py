"""A simulated agency e-office system (hệ thống quản lý văn bản và điều hành), for demos and tests.

It behaves like a real one, with its own key, its own state and its own HTTP endpoint:

1. ``POST /edxml`` takes a transfer from the gateway: verifies the gateway's signature (certificate
   bound to VPCP's OrganId), de-duplicates by DocumentId (a repeat gets the same receipt, and is
   never applied twice), answers with a receipt it signs for the exact bytes' SHA-256.
2. Then, ``delay`` seconds apart, it pushes signed status packages 01, 03, 04, 05, 06 and a signed
   reply edoc (ResponseFor the transfer) to the gateway's ``POST /v1/edxml``, each built and signed
   once and stored, so a push repeated after a crash is the same document.

Its state is a small SQLite file of its own, so killing and restarting it loses nothing either.
``GET /state`` reports what it applied (for the demo and the tests).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from gateway.domain.documents import (
    VPCP_ORGAN_ID,
    BusinessDocType,
    Receipt,
    ReceiptOutcome,
    StatusCode,
)
from gateway.errors import GatewayError
from schemas import edxml, xml
from schemas.petition import decode_petition
from schemas.receipt import encode_receipt
from signing import Verifier, XmlSigner

log = logging.getLogger("gateway.simulator")
TEST_NOTATION = "VPCP-TEST"  # gateway.service.adapters.TEST_NOTATION
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

PLAN: tuple[tuple[StatusCode, str], ...] = (
    (StatusCode.ARRIVED, "Văn thư: đã nhận văn bản điện tử"),
    (StatusCode.ACCEPTED, "Văn thư: tiếp nhận, vào sổ văn bản đến"),
    (StatusCode.ASSIGNED, "Lãnh đạo: phân công xử lý"),
    (StatusCode.PROCESSING, "Chuyên viên: đang xử lý"),
    (StatusCode.FINISHED, "Hoàn thành xử lý, đã ban hành văn bản trả lời"),
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (
    doc_key TEXT PRIMARY KEY, sha256 TEXT NOT NULL, petition_id TEXT, receipt BLOB NOT NULL,
    received_count INTEGER NOT NULL DEFAULT 1, applied_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_key TEXT NOT NULL, seq INTEGER NOT NULL,
    kind TEXT NOT NULL, body BLOB NOT NULL, due REAL NOT NULL, done INTEGER NOT NULL DEFAULT 0,
    tries INTEGER NOT NULL DEFAULT 0, UNIQUE (doc_key, seq));
"""


@dataclass(frozen=True)
class Behaviour:
    """How the simulated system answers (for trying failure paths by hand and in tests)."""

    delay: float = 0.5
    reject_all: bool = False
    """Answer every transfer with HTTP 400 (a permanent failure)."""
    fail_first: int = 0
    """Answer the first N requests with HTTP 503 (transient failures), then work."""
    reply: bool = True
    return_reason: str | None = None
    """Return every transfer (status 01, then 02 with this reason) instead of handling it."""
    statuses: int | None = None
    """Send only the first N statuses of the plan (then fall silent; no reply)."""
    reply_content: str | None = None
    """What the signed reply says (default: a standard acknowledgement)."""
    refuse_changes: bool = False
    """Answer VPCP's revoke/update/replace with 16 (refused) instead of 15 (agreed)."""
    latency: float = 0.0
    """Seconds each transfer takes to answer (a slow e-office system)."""
    silent: bool = False
    """Answer transfers with a signed receipt but send no statuses or reply (load tests)."""


class SimulatedAgency:
    def __init__(
        self,
        organ_id: str,
        name: str,
        *,
        signer: XmlSigner,
        verifier: Verifier,
        gateway_url: str,
        state_path: Path,
        behaviour: Behaviour | None = None,
        gateway_organ_id: str = VPCP_ORGAN_ID,
    ) -> None:
        self.organ_id = organ_id
        self.name = name
        self.signer = signer
        self.verifier = verifier
        self.gateway_url = gateway_url.rstrip("/")
        self.gateway_organ_id = gateway_organ_id
        self.behaviour = behaviour or Behaviour()
        state_path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            state_path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self.db.executescript("PRAGMA journal_mode=WAL;" + SCHEMA)
        self.lock = threading.Lock()
        self.requests = 0
        self.http = httpx.Client(timeout=10.0)

    # -- receiving ------------------------------------------------------------------------------

    def receive(self, body: bytes) -> tuple[int, bytes, str]:
        """Handle one transfer; returns (HTTP status, body, media type)."""
        if self.behaviour.latency:
            time.sleep(self.behaviour.latency)
        with self.lock:
            self.requests += 1
            if self.requests <= self.behaviour.fail_first:
                return 503, b"temporarily unavailable", "text/plain"
        if self.behaviour.reject_all:
            return 400, b"rejected by configuration", "text/plain"
        try:
            verified = self.verifier.verify(xml.parse(body))
            verified.require_organ(self.gateway_organ_id)
            doc = edxml.decode(verified.signed_root)
        except GatewayError as e:
            return 400, f"{e.code}: {e.message}".encode(), "text/plain"
        if not isinstance(doc, edxml.Edoc) or self.organ_id not in {t.organ_id for t in doc.to}:
            return 400, b"WRONG_RECIPIENT: not addressed to this agency", "text/plain"
        with self.lock:
            row = self.db.execute(
                "SELECT receipt FROM applied WHERE doc_key = ?", (doc.document_id,)
            ).fetchone()
            if row is not None:
                self.db.execute(
                    "UPDATE applied SET received_count = received_count + 1 WHERE doc_key = ?",
                    (doc.document_id,),
                )
                return 200, bytes(row[0]), "application/xml"
            receipt = self._receipt(doc.document_id, body)
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.execute(
                    "INSERT INTO applied (doc_key, sha256, petition_id, receipt, applied_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        doc.document_id,
                        hashlib.sha256(body).hexdigest(),
                        _petition_id(doc),
                        receipt,
                        time.time(),
                    ),
                )
                if doc.code_notation == TEST_NOTATION:
                    pass  # connection tests get no statuses
                elif doc.business is not None and doc.business.doc_type != BusinessDocType.NEW:
                    self._plan_answer(doc)
                else:
                    self._plan_pushes(doc)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return 200, receipt, "application/xml"

    def _receipt(self, doc_key: str, body: bytes) -> bytes:
        receipt = Receipt(
            str(uuid.uuid4()),
            doc_key,
            self.gateway_organ_id,
            self.organ_id,
            hashlib.sha256(body).hexdigest(),
            datetime.now(UTC),
            ReceiptOutcome.ACCEPTED,
        )
        return self.signer.sign(encode_receipt(receipt))

    def _plan_answer(self, change: edxml.Edoc) -> None:
        """VPCP revokes/updates/replaces a transfer: answer 15 (agreed) or 16 (refused); an
        agreed revoke also stops what was still to be sent about the transfer."""
        assert change.business is not None
        refused = self.behaviour.refuse_changes
        code = StatusCode.CHANGE_REFUSED if refused else StatusCode.CHANGE_AGREED
        ref = edxml.ResponseFor(
            self.gateway_organ_id,
            code=f"{change.code_number}/{change.code_notation}",
            promulgation_date=change.promulgation_date,
            document_id=change.document_id,
        )
        me = edxml.Organ(self.organ_id, organ_name=self.name, organization_in_charge=self.name)
        package = edxml.StatusPackage(
            me,
            ref,
            code,
            datetime.now(ZONE).replace(microsecond=0, tzinfo=None),
            description="Không đồng ý" if refused else "Đồng ý",
            staff_info=edxml.StaffInfo(department="Văn phòng", staff="Cán bộ đầu mối PAKN"),
        )
        root = edxml.encode_status(package)
        if not refused and change.business.doc_type == BusinessDocType.REVOKE:
            self.db.execute(
                "UPDATE pushes SET done = -1 WHERE doc_key = ? AND done = 0",
                (change.business.document_id,),
            )
        self.db.execute(
            "INSERT INTO pushes (doc_key, seq, kind, body, due) VALUES (?, 1, ?, ?, ?)",
            (
                change.document_id,
                f"status:{code.value}",
                self.signer.sign(root, edxml.header_of(root)),
                time.time() + self.behaviour.delay,
            ),
        )

    def _plan_pushes(self, transfer: edxml.Edoc) -> None:
        if self.behaviour.silent:
            return
        start = datetime.now(ZONE).replace(microsecond=0, tzinfo=None)
        ref = edxml.ResponseFor(
            self.gateway_organ_id,
            code=f"{transfer.code_number}/{transfer.code_notation}",
            promulgation_date=transfer.promulgation_date,
            document_id=transfer.document_id,
        )
        me = edxml.Organ(self.organ_id, organ_name=self.name, organization_in_charge=self.name)
        staff = edxml.StaffInfo(department="Văn phòng", staff="Cán bộ đầu mối PAKN")
        docs: list[tuple[str, bytes]] = []
        plan, reply = PLAN, self.behaviour.reply
        if self.behaviour.return_reason is not None:
            plan, reply = (PLAN[0], (StatusCode.REJECTED, self.behaviour.return_reason)), False
        elif self.behaviour.statuses is not None:
            plan, reply = PLAN[: self.behaviour.statuses], False
        for i, (code, description) in enumerate(plan):
            package = edxml.StatusPackage(
                me,
                ref,
                code,
                start + timedelta(seconds=i),
                description=description,
                staff_info=staff,
            )
            root = edxml.encode_status(package)
            docs.append((f"status:{code.value}", self.signer.sign(root, edxml.header_of(root))))
        if reply:
            root = edxml.encode_edoc(self._reply(transfer, me, ref, start))
            docs.append(("reply", self.signer.sign(root, edxml.header_of(root))))
        now = time.time()
        for seq, (kind, body) in enumerate(docs, start=1):
            self.db.execute(
                "INSERT INTO pushes (doc_key, seq, kind, body, due) VALUES (?, ?, ?, ?, ?)",
                (transfer.document_id, seq, kind, body, now + seq * self.behaviour.delay),
            )

    def _reply(
        self, transfer: edxml.Edoc, me: edxml.Organ, ref: edxml.ResponseFor, start: datetime
    ) -> edxml.Edoc:
        number = int(hashlib.sha256(transfer.document_id.encode()).hexdigest()[:6], 16)
        return edxml.Edoc(
            from_=me,
            to=(edxml.Organ(self.gateway_organ_id, organ_name="Văn phòng Chính phủ"),),
            document_id=f"{self.organ_id},{start:%Y/%m/%d},{number}/TL-PAKN",
            code_number=str(number),
            code_notation="TL-PAKN",
            promulgation_place="Hà Nội",
            promulgation_date=start.date(),
            document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Công văn"),
            subject=f"Trả lời phản ánh, kiến nghị ({transfer.document_id})",
            content=self.behaviour.reply_content
            or (
                "Cơ quan đã xem xét nội dung phản ánh, kiến nghị và trả lời như sau: "
                "nội dung đã được tiếp thu và xử lý theo quy định."
            ),
            signer=edxml.SignerInfo(
                competence="KT. BỘ TRƯỞNG", position="Thứ trưởng", full_name="Người ký mô phỏng"
            ),
            response_for=(ref,),
            trace=(edxml.TraceHeader(self.organ_id, start),),
            business=edxml.Business(BusinessDocType.NEW, reason="Văn bản trả lời"),
        )

    # -- pushing status back -------------------------------------------------------------------

    def push_due(self) -> int:
        """Push every document that is due and whose predecessor went through. Returns count."""
        with self.lock:
            rows = self.db.execute(
                "SELECT p.id, p.body, p.tries FROM pushes p WHERE p.done = 0 AND p.due <= ? "
                "AND NOT EXISTS (SELECT 1 FROM pushes q WHERE q.doc_key = p.doc_key "
                "AND q.seq < p.seq AND q.done = 0) ORDER BY p.due LIMIT 50",
                (time.time(),),
            ).fetchall()
        pushed = 0
        for push_id, body, tries in rows:
            try:
                response = self.http.post(
                    f"{self.gateway_url}/v1/edxml",
                    content=bytes(body),
                    headers={"Content-Type": "application/xml"},
                )
                ok = response.status_code == 200
                permanent = 400 <= response.status_code < 500 and response.status_code != 429
            except httpx.HTTPError:
                ok, permanent = False, False
            with self.lock:
                if ok or (permanent and tries >= 5):
                    self.db.execute(
                        "UPDATE pushes SET done = ? WHERE id = ?", (1 if ok else -1, push_id)
                    )
                    pushed += ok
                else:
                    delay = min(30.0, 0.5 * 2**tries)
                    self.db.execute(
                        "UPDATE pushes SET tries = tries + 1, due = ? WHERE id = ?",
                        (time.time() + delay, push_id),
                    )
        return pushed

    def run_pusher(self, stop: threading.Event, interval: float = 0.1) -> None:
        while not stop.is_set():
            try:
                self.push_due()
            except Exception:
                log.exception("simulator %s: push failed", self.organ_id)
            stop.wait(interval)

    def knows(self, doc_key: str) -> bool:
        """Whether this agency has received the document ``doc_key``."""
        with self.lock:
            return (
                self.db.execute("SELECT 1 FROM applied WHERE doc_key = ?", (doc_key,)).fetchone()
                is not None
            )

    def state(self) -> dict[str, Any]:
        with self.lock:
            applied = self.db.execute(
                "SELECT doc_key, petition_id, sha256, received_count FROM applied"
            ).fetchall()
            pending = self.db.execute("SELECT count(*) FROM pushes WHERE done = 0").fetchone()[0]
        return {
            "organ_id": self.organ_id,
            "applied": [
                {"doc_key": k, "petition_id": p, "sha256": s, "received": n}
                for k, p, s, n in applied
            ],
            "pending_pushes": pending,
        }

    def app(self) -> FastAPI:
        app = FastAPI(title=f"Simulated e-office {self.organ_id}", docs_url=None, redoc_url=None)

        @app.post("/edxml")
        async def post_edxml(request: Request) -> Response:
            status, body, media = await run_in_threadpool(self.receive, await request.body())
            return Response(body, status_code=status, media_type=media)

        @app.get("/state")
        def get_state() -> JSONResponse:
            return JSONResponse(self.state())

        return app

    def close(self) -> None:
        self.http.close()
        self.db.close()


def _petition_id(doc: edxml.Edoc) -> str | None:
    for attachment in doc.attachments:
        if attachment.content_type == "application/xml":
            try:
                return decode_petition(xml.parse(attachment.data)).petition_id
            except GatewayError:
                return None
    return None
