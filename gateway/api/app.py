"""HTTP API ``/v1``.

Errors are RFC 9457 problem documents (``application/problem+json``) with a stable ``code``.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.api.auth import Authenticator, Who, bearer
from gateway.api.inbox import inbox_router
from gateway.api.limits import RequestLimits
from gateway.api.metrics import metrics_router
from gateway.api.problems import problem
from gateway.api.public import error_page, mount_public
from gateway.api.reports import reports_router
from gateway.api.security import SecurityHeaders
from gateway.console.web import console_error_page, mount_console
from gateway.domain.access import SCOPED, Action, Role
from gateway.domain.case import CaseState
from gateway.domain.petition import Category, Petitioner, PetitionerKind, PetitionQuery
from gateway.errors import (
    ErrorCode,
    Forbidden,
    GatewayError,
    InMaintenance,
    NotFound,
    Rejected,
    TooManyRequests,
)
from gateway.logs import correlated
from gateway.service import inbox, queries
from gateway.service.access import authorize, authorize_petition
from gateway.service.escalations import decide_escalation, escalate_petition
from gateway.service.inbound import accept_document
from gateway.service.intake import NewPetition, submit_petition
from gateway.service.maintenance import RETRY_AFTER_SECONDS as MAINTENANCE_RETRY_AFTER
from gateway.service.maintenance import current_window, refuse_in_maintenance
from gateway.service.publication import (
    close_petition,
    public_view,
    publication_preview,
    publish_petition,
)
from gateway.service.recall import request_change
from gateway.service.routing import route_petition
from gateway.service.services import Services

log = logging.getLogger("gateway.api")

XML = "application/xml"
RETRY_AFTER_SECONDS = 2

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100_000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
"""Checked by intake (one rule for the API and the CLI)."""
Id = Annotated[str, Path(max_length=128)]
"""A path id: longer ones are refused (422) before any lookup, and never echoed back."""

PetitionStatus = StrEnum(  # type: ignore[misc]  # a functional enum built from CaseState
    "PetitionStatus", [("RECEIVED", "received"), *((c.name, str(c.value)) for c in CaseState)]
)
"""What ``?status=`` may be: a petition is received, then takes the state of its cases."""


class PetitionerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: PetitionerKind = PetitionerKind.CITIZEN
    name: Short = Field(min_length=1)
    id_number: Short = ""
    phone: Short = ""
    email: Email = ""
    address: Annotated[str, StringConstraints(max_length=500)] = ""

    def __repr__(self) -> str:
        return "PetitionerIn(<personal data withheld>)"


class PetitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    content: Text = Field(min_length=1)
    petitioner: PetitionerIn
    portal: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")] = "nguoidan"
    client_ref: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    route_to: list[Short] = Field(default_factory=list, max_length=20)


class RecallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agency: Short
    action: Short = "revoke"
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class EscalateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Short = "government_authority"
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mask: list[Annotated[str, StringConstraints(max_length=500)]] = []
    """Further text to hide before publication (besides the personal data the rules find)."""


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Short
    """The escalation decided (its reason, e.g. government_authority)."""
    decision: Short
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unpublished_reason: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=2000)
    ] = ""
    """Why replies that were never published are not made public (needed to close them)."""


class RouteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agencies: list[Short] = Field(min_length=1, max_length=20)


def create_app(svc: Services) -> FastAPI:
    app = FastAPI(title="PAKN Gateway", version="1", docs_url="/docs", redoc_url=None)
    authn = Authenticator(svc)
    app.state.authn = authn  # whose a token is (gateway.api.auth.Who)
    app.add_middleware(
        RequestLimits,
        find_token=authn.find,
        max_document_bytes=svc.settings.max_document_bytes,
        max_json_bytes=svc.settings.max_json_bytes,
        body_seconds=svc.settings.body_seconds,
    )

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> Response:
        if (page := error_page(request, exc.http_status, exc.code.value)) is not None:
            return page
        console = console_error_page(request, exc.http_status, exc.code.value, exc.message)
        if console is not None:
            return console
        if exc.http_status == 503:  # a dependency is busy or down: the client may retry
            log.warning("request deferred: %s", exc.code.value)
        elif not isinstance(exc, Rejected):
            log.error("request failed: %s", exc)
        response = problem(
            exc.http_status,
            exc.code.value,
            exc.message,
            receipt=exc.receipt if isinstance(exc, Rejected) else None,
        )
        if exc.http_status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, InMaintenance):
            response.headers["Retry-After"] = str(MAINTENANCE_RETRY_AFTER)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        page = error_page(request, 422, ErrorCode.INPUT_INVALID.value) or console_error_page(
            request, 422, ErrorCode.INPUT_INVALID.value
        )
        if page is not None:
            return page
        # name the fields, never echo their values (they may be personal data)
        fields = sorted({".".join(str(p) for p in e["loc"] if p != "body") for e in exc.errors()})
        return problem(
            422,
            ErrorCode.INPUT_INVALID.value,
            "invalid request",
            f"invalid or missing: {', '.join(fields)}",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = ErrorCode.NOT_FOUND if exc.status_code == 404 else ErrorCode.INPUT_INVALID
        page = error_page(request, exc.status_code, code.value) or console_error_page(
            request, exc.status_code, code.value
        )
        if page is not None:
            return page
        return problem(exc.status_code, code.value, str(exc.detail))

    @app.post("/v1/petitions", status_code=201)
    def post_petition(body: PetitionIn, response: Response, who: Who) -> dict[str, Any]:
        authorize(who, Action.PETITION_SUBMIT)
        refuse_in_maintenance(svc)
        if who.role is Role.PORTAL and not who.system and body.portal != who.portal:
            raise Forbidden(f"this portal account submits for the {who.portal} portal only")
        p = body.petitioner
        submitted = submit_petition(
            svc,
            NewPetition(
                category=body.category,
                title=body.title,
                content=body.content,
                petitioner=Petitioner(p.kind, p.name, p.id_number, p.phone, p.email, p.address),
                portal=body.portal,
                client_ref=body.client_ref,
                route_to=tuple(body.route_to),
            ),
        )
        with correlated(submitted.petition_id):
            log.info(
                "petition %s %s (portal %s)",
                submitted.petition_id,
                "received" if submitted.created else "already received",
                body.portal,
            )
        if not submitted.created:
            response.status_code = 200
        response.headers["Location"] = f"/v1/petitions/{submitted.petition_id}"
        return queries.petition_view(svc, submitted.petition_id)

    @app.get("/v1/petitions/{petition_id}")
    def get_petition(petition_id: Id, who: Who) -> dict[str, Any]:
        authorize_petition(svc, who, Action.PETITION_READ, petition_id)
        return queries.petition_view(svc, petition_id)

    @app.get("/v1/petitions")
    def list_petitions(
        who: Who,
        status: PetitionStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        escalated: bool = False,
        overdue: bool = False,
    ) -> dict[str, Any]:
        authorize(who, Action.PETITION_LIST)
        if who.role in SCOPED and not who.system:  # its own petitions only
            query = PetitionQuery(
                status=status.value if status else "",
                organ_id=who.organ_id,
                portal=who.portal,
                overdue=overdue,
                escalated=escalated,
                limit=limit,
            )
            return {"petitions": queries.petition_search(svc, query)["petitions"]}
        return {
            "petitions": queries.petition_list(
                svc,
                status=status.value if status else None,
                limit=limit,
                escalated=escalated,
                overdue=overdue,
            )
        }

    @app.post("/v1/petitions/{petition_id}/publish")
    def post_publish(petition_id: Id, who: Who, body: PublishIn | None = None) -> dict[str, Any]:
        authorize(who, Action.PETITION_PUBLISH)
        mask = tuple(body.mask) if body is not None else ()
        publish_petition(svc, petition_id, actor=who.actor, mask=mask)
        return queries.petition_view(svc, petition_id)

    @app.get("/v1/petitions/{petition_id}/publication")
    def get_publication(
        petition_id: Id, who: Who, mask: Annotated[list[str] | None, Query(max_length=50)] = None
    ) -> dict[str, Any]:
        """What publishing would show the public now (masked), one entry per replied case."""
        authorize(who, Action.PETITION_PUBLISH)
        preview = publication_preview(svc, petition_id, mask=tuple(mask or ()))
        return {"petition_id": petition_id, "replies": [public_view(r) for r in preview]}

    @app.post("/v1/petitions/{petition_id}/close")
    def post_close(petition_id: Id, who: Who, body: CloseIn | None = None) -> dict[str, Any]:
        authorize(who, Action.PETITION_CLOSE)
        reason = body.unpublished_reason if body is not None else ""
        close_petition(svc, petition_id, actor=who.actor, unpublished_reason=reason)
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/recall")
    def post_recall(petition_id: Id, body: RecallIn, who: Who) -> dict[str, Any]:
        authorize(who, Action.PETITION_RECALL)
        request_change(
            svc, petition_id, body.agency, body.action, reason=body.reason, actor=who.actor
        )
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/escalate")
    def post_escalate(petition_id: Id, body: EscalateIn, who: Who) -> dict[str, Any]:
        authorize(who, Action.PETITION_ESCALATE)
        escalate_petition(svc, petition_id, body.reason, note=body.note, actor=who.actor)
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/decision")
    def post_decision(petition_id: Id, body: DecisionIn, who: Who) -> dict[str, Any]:
        authorize(who, Action.ESCALATION_DECIDE)
        decide_escalation(
            svc, petition_id, body.reason, body.decision, note=body.note, actor=who.actor
        )
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/route")
    def post_route(petition_id: Id, body: RouteIn, who: Who) -> dict[str, Any]:
        authorize(who, Action.PETITION_ROUTE)
        route_petition(svc, petition_id, body.agencies, actor=who.actor)
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/edxml")
    async def post_edxml(request: Request) -> Response:
        body = await request.body()  # read within the limits of gateway.api.limits
        await run_in_threadpool(refuse_in_maintenance, svc)
        accepted = await run_in_threadpool(accept_document, svc, body)
        with correlated(accepted.petition_id):
            log.info(
                "agency document %s accepted%s",
                accepted.document_id,
                " (duplicate)" if accepted.duplicate else "",
            )
        return Response(
            accepted.receipt,
            media_type=XML,
            headers={
                "X-Duplicate": "true" if accepted.duplicate else "false",
                "X-Document-Id": accepted.document_id,
            },
        )

    app.include_router(inbox_router(svc))
    app.include_router(reports_router(svc))
    app.include_router(metrics_router(svc))
    mount_public(app, svc)
    mount_console(app, svc)
    app.add_middleware(SecurityHeaders)

    @app.get("/v1/documents/{document_id}")
    def get_document(document_id: Id, request: Request) -> Response:
        presented = bearer(request)  # a user's token (its role decides) or an agency's
        person = authn.find(presented) if presented else None
        if person is not None:
            authorize(person, Action.DOCUMENT_READ)
            doc = queries.document(svc, document_id)
            if person.role is Role.AGENCY and not person.system:
                if doc.petition_id is None:
                    raise NotFound(f"no document {document_id}")
                authorize_petition(svc, person, Action.DOCUMENT_READ, doc.petition_id)
        else:  # an agency's token: only its own documents (others look missing)
            caller = inbox.authenticate(svc, presented)
            doc = inbox.document_for(svc, document_id, caller=caller)
        return Response(
            doc.body,
            media_type=XML,
            headers={"X-Content-Sha256": doc.sha256, "X-Document-Kind": doc.kind},
        )

    @app.get("/v1/receipts/{receipt_id}")
    def get_receipt(receipt_id: Id, who: Who) -> Response:
        authorize(who, Action.RECEIPT_READ)
        doc = queries.document(svc, receipt_id)
        if doc.kind != "receipt":
            return problem(404, ErrorCode.NOT_FOUND.value, f"no receipt {receipt_id}")
        return Response(doc.body, media_type=XML, headers={"X-Content-Sha256": doc.sha256})

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> Response:
        try:
            window = current_window(svc)
            if window is not None:
                return JSONResponse(
                    {
                        "status": "maintenance",
                        "code": ErrorCode.MAINTENANCE.value,
                        "reason": window.reason,
                        "since": window.started_at.isoformat(),
                    },
                    status_code=503,
                    headers={"Retry-After": str(MAINTENANCE_RETRY_AFTER)},
                )
            queries.progress(svc)
        except Exception as e:
            return problem(
                503, ErrorCode.TRANSPORT_UNAVAILABLE.value, "not ready", type(e).__name__
            )
        return JSONResponse({"status": "ready"})

    return app
