"""HTTP API ``/v1``.

Errors are RFC 9457 problem documents (``application/problem+json``) with a stable ``code``.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.api.auth import bearer, is_operator, operator_guard, operator_token
from gateway.api.inbox import inbox_router
from gateway.api.limits import RequestLimits
from gateway.api.problems import problem
from gateway.api.public import error_page, mount_public
from gateway.api.reports import reports_router
from gateway.domain.case import CaseState
from gateway.domain.petition import Category, Petitioner, PetitionerKind
from gateway.errors import ErrorCode, GatewayError, Rejected
from gateway.service import inbox, queries
from gateway.service.escalations import escalate_petition
from gateway.service.inbound import accept_document
from gateway.service.intake import NewPetition, submit_petition
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
    token = operator_token(svc.settings)
    operator = [Depends(operator_guard(token))]  # portals and VPCP operators (gateway.api.auth)
    app.add_middleware(
        RequestLimits,
        operator_token=token,
        max_document_bytes=svc.settings.max_document_bytes,
        max_json_bytes=svc.settings.max_json_bytes,
        body_seconds=svc.settings.body_seconds,
    )

    @app.exception_handler(GatewayError)
    async def _gateway_error(request: Request, exc: GatewayError) -> Response:
        if (page := error_page(request, exc.http_status, exc.code.value)) is not None:
            return page
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
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        if (page := error_page(request, 422, ErrorCode.INPUT_INVALID.value)) is not None:
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
        if (page := error_page(request, exc.status_code, code.value)) is not None:
            return page
        return problem(exc.status_code, code.value, str(exc.detail))

    @app.post("/v1/petitions", status_code=201, dependencies=operator)
    def post_petition(body: PetitionIn, response: Response) -> dict[str, Any]:
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
        if not submitted.created:
            response.status_code = 200
        response.headers["Location"] = f"/v1/petitions/{submitted.petition_id}"
        return queries.petition_view(svc, submitted.petition_id)

    @app.get("/v1/petitions/{petition_id}", dependencies=operator)
    def get_petition(petition_id: Id) -> dict[str, Any]:
        return queries.petition_view(svc, petition_id)

    @app.get("/v1/petitions", dependencies=operator)
    def list_petitions(
        status: PetitionStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        escalated: bool = False,
        overdue: bool = False,
    ) -> dict[str, Any]:
        return {
            "petitions": queries.petition_list(
                svc,
                status=status.value if status else None,
                limit=limit,
                escalated=escalated,
                overdue=overdue,
            )
        }

    @app.post("/v1/petitions/{petition_id}/publish", dependencies=operator)
    def post_publish(petition_id: Id, body: PublishIn | None = None) -> dict[str, Any]:
        mask = tuple(body.mask) if body is not None else ()
        publish_petition(svc, petition_id, actor="api", mask=mask)
        return queries.petition_view(svc, petition_id)

    @app.get("/v1/petitions/{petition_id}/publication", dependencies=operator)
    def get_publication(
        petition_id: Id, mask: Annotated[list[str] | None, Query(max_length=50)] = None
    ) -> dict[str, Any]:
        """What publishing would show the public now (masked), one entry per replied case."""
        preview = publication_preview(svc, petition_id, mask=tuple(mask or ()))
        return {"petition_id": petition_id, "replies": [public_view(r) for r in preview]}

    @app.post("/v1/petitions/{petition_id}/close", dependencies=operator)
    def post_close(petition_id: Id, body: CloseIn | None = None) -> dict[str, Any]:
        reason = body.unpublished_reason if body is not None else ""
        close_petition(svc, petition_id, actor="api", unpublished_reason=reason)
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/recall", dependencies=operator)
    def post_recall(petition_id: Id, body: RecallIn) -> dict[str, Any]:
        request_change(svc, petition_id, body.agency, body.action, reason=body.reason, actor="api")
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/escalate", dependencies=operator)
    def post_escalate(petition_id: Id, body: EscalateIn) -> dict[str, Any]:
        escalate_petition(svc, petition_id, body.reason, note=body.note, actor="api")
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/petitions/{petition_id}/route", dependencies=operator)
    def post_route(petition_id: Id, body: RouteIn) -> dict[str, Any]:
        route_petition(svc, petition_id, body.agencies, actor="api")
        return queries.petition_view(svc, petition_id)

    @app.post("/v1/edxml")
    async def post_edxml(request: Request) -> Response:
        body = await request.body()  # read within the limits of gateway.api.limits
        accepted = await run_in_threadpool(accept_document, svc, body)
        return Response(
            accepted.receipt,
            media_type=XML,
            headers={
                "X-Duplicate": "true" if accepted.duplicate else "false",
                "X-Document-Id": accepted.document_id,
            },
        )

    app.include_router(inbox_router(svc))
    app.include_router(reports_router(svc, operator))
    mount_public(app, svc)

    @app.get("/v1/documents/{document_id}")
    def get_document(document_id: Id, request: Request) -> Response:
        presented = bearer(request)  # the operator's token: any document
        if is_operator(presented, token):
            doc = queries.document(svc, document_id)
        else:  # an agency's token: only its own documents (others look missing)
            caller = inbox.authenticate(svc, presented)
            doc = inbox.document_for(svc, document_id, caller=caller)
        return Response(
            doc.body,
            media_type=XML,
            headers={"X-Content-Sha256": doc.sha256, "X-Document-Kind": doc.kind},
        )

    @app.get("/v1/receipts/{receipt_id}", dependencies=operator)
    def get_receipt(receipt_id: Id) -> Response:
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
            queries.progress(svc)
        except Exception as e:
            return problem(
                503, ErrorCode.TRANSPORT_UNAVAILABLE.value, "not ready", type(e).__name__
            )
        return JSONResponse({"status": "ready"})

    return app
