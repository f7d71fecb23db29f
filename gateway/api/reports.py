"""``/v1/reports``: the quarterly reports (report.read), and marking petitions as useful
(petition.mark_useful)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from gateway.api.auth import Who
from gateway.domain.access import Action
from gateway.domain.reports import Figure, Quarter
from gateway.errors import NotFound
from gateway.reporting.formats import Format
from gateway.service import reports
from gateway.service.access import authorize
from gateway.service.services import Services

QuarterText = Annotated[str, Path(max_length=8, description="e.g. 2026Q3")]


class UsefulIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


def reports_router(svc: Services) -> APIRouter:
    router = APIRouter()

    @router.get("/v1/reports/quarterly/{quarter}")
    def get_quarterly(
        quarter: QuarterText,
        who: Who,
        format: Format = Format.JSON,
        kind: Annotated[str, Query(pattern="^(report|press)$")] = "report",
    ) -> Response:
        authorize(who, Action.REPORT_READ)
        q = Quarter.parse(quarter)
        document = reports.report_document(svc, q, format, kind=kind, actor=who.actor)
        return Response(
            document.body,
            media_type=document.media_type,
            headers={
                "X-Content-Sha256": document.sha256,
                "X-Report-Provisional": "false" if document.report_id else "true",
                "Content-Disposition": (
                    f'attachment; filename="{reports.file_name(q, kind, format)}"'
                ),
            },
        )

    @router.get("/v1/reports/quarterly/{quarter}/manifest")
    def get_manifest(quarter: QuarterText, who: Who) -> Response:
        authorize(who, Action.REPORT_READ)
        q = Quarter.parse(quarter)
        document = reports.issued_report(svc, q, "report", Format.JSON)
        if document.manifest is None:  # pragma: no cover - every machine format has one
            raise NotFound(f"no manifest for {q}")
        return Response(document.manifest, media_type="application/xml")

    @router.get("/v1/reports/quarterly/{quarter}/explain")
    def get_explain(
        quarter: QuarterText,
        agency: Annotated[str, Query(max_length=64)],
        figure: Figure,
        who: Who,
    ) -> dict[str, Any]:
        authorize(who, Action.REPORT_READ)
        traced = reports.explain(svc, Quarter.parse(quarter), agency, figure)
        return {
            "quarter": quarter,
            "agency": agency,
            "figure": figure.value,
            "count": len(traced),
            "cases": [c.as_dict() for c in traced],
        }

    @router.post("/v1/petitions/{petition_id}/useful")
    def post_useful(
        petition_id: Annotated[str, Path(max_length=128)], who: Who, body: UsefulIn | None = None
    ) -> dict[str, Any]:
        authorize(who, Action.PETITION_MARK_USEFUL)
        note = body.note if body else ""
        marked = reports.mark_useful(svc, petition_id, actor=who.actor, note=note)
        return {"petition_id": petition_id, "marked": marked}

    return router
