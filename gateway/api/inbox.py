"""The pull agencies' inbox over HTTP: list, get, acknowledge — each agency with its own token.

GET  /v1/agencies/{organ_id}/inbox
POST /v1/documents/{document_id}/ack
(GET /v1/documents/{document_id} is in app.py: an agency's token, or the operator's)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from gateway.api.auth import bearer
from gateway.service import inbox
from gateway.service.services import Services


def inbox_router(svc: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/v1/agencies/{organ_id}/inbox")
    def get_inbox(organ_id: str, request: Request, limit: int = 100) -> dict[str, Any]:
        caller = inbox.authenticate(svc, bearer(request))
        return {
            "organ_id": organ_id,
            "documents": inbox.inbox(svc, organ_id, caller=caller, limit=max(1, min(limit, 1000))),
        }

    @router.post("/v1/documents/{document_id}/ack")
    async def post_ack(document_id: str, request: Request) -> dict[str, Any]:
        caller = await run_in_threadpool(inbox.authenticate, svc, bearer(request))
        body = await request.body()  # bounded by gateway.api.limits
        done = await run_in_threadpool(
            lambda: inbox.acknowledge(svc, document_id, caller=caller, receipt=body)
        )
        return {
            "document_id": done.document_id,
            "delivered_at": done.delivered_at,
            "duplicate": done.duplicate,
            "signed_receipt": done.signed_receipt,
        }

    return router
