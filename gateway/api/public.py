"""``/cong-khai/``: what VPCP publishes, for anyone, without login.

Published replies (masked for personal data when they were published), searched and filtered
by agency, category and quarter; the statistics of each quarter, per agency; the quarterly
reports once issued; open data (CSV and JSON) of the same figures. Server-rendered pages in
Vietnamese that work without JavaScript and read on a phone. Nothing here reads a petitioner's
identity: the published replies come from ``public_replies`` only, the figures from the report.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.domain.publication import ReplyQuery
from gateway.domain.reports import Quarter, QuarterlyReport
from gateway.errors import InputInvalid, NotFound
from gateway.reporting.formats import MEDIA_TYPES, Format
from gateway.reporting.render import as_data, days, label, pct, render_csv_tables
from gateway.service import reports
from gateway.service.publication import (
    PUBLIC_FIELDS,
    public_replies,
    public_reply,
    public_view,
    published_organs,
)
from gateway.service.queries import AgencyNames
from gateway.service.services import Services

PREFIX = "/cong-khai"
PAGE_SIZE = 20
STATIC = Path(__file__).parent / "static"
FILE_NAMES = {
    f"{stem}-{{q}}.{fmt.value}": (kind, fmt)
    for kind, stem, formats in (
        ("report", "bao-cao", tuple(Format)),
        ("press", "thong-cao-bao-chi", reports.PRESS_FORMATS),
    )
    for fmt in formats
}

_pages = Environment(
    loader=PackageLoader("gateway.api", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def public_router(svc: Services) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    names = AgencyNames(svc)

    def page(name: str, request: Request, **values: Any) -> HTMLResponse:
        body = _pages.get_template(f"public/{name}").render(
            prefix=PREFIX,
            path=request.url.path,
            label=label,
            agency=names.get,
            pct=pct,
            days=days,
            local=lambda at: _local(svc, at),
            **values,
        )
        return HTMLResponse(body, headers={"Cache-Control": "public, max-age=60"})

    first_seen: list[Quarter] = []  # the first petition's quarter, once there is one

    def quarters() -> list[Quarter]:
        """From the quarter of the first petition (or this one) to this one, newest first."""
        now = svc.clock.now()
        current = Quarter.containing(now, svc.zone)
        if not first_seen and (found := reports.first_quarter(svc)) is not None:
            first_seen.append(found)  # it never changes once a petition has been received
        first = min(first_seen[0] if first_seen else current, current)
        listed: list[Quarter] = []
        q = current
        while q >= first and len(listed) < 40:
            listed.append(q)
            q = q.previous()
        return listed

    def chosen(text: str | None, listed: list[Quarter]) -> Quarter:
        """The quarter asked for; by default the last one that has ended (its figures are
        final), or this one when none has."""
        if not text:
            return listed[1] if len(listed) > 1 else listed[0]
        q = Quarter.parse(text)
        if q not in listed:
            raise NotFound(f"no figures for quarter {q}")
        return q

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        q = quarters()[0]
        report = reports.quarterly_report(svc, q)
        latest = public_replies(svc, ReplyQuery(limit=5))
        return page("home.html", request, report=report, latest=latest.items)

    @router.get("/tra-loi", response_class=HTMLResponse)
    def replies(
        request: Request,
        q: Annotated[str, Query(max_length=200)] = "",
        co_quan: Annotated[str, Query(alias="co-quan", max_length=64)] = "",
        linh_vuc: Annotated[str, Query(alias="linh-vuc", max_length=16)] = "",
        quy: Annotated[str, Query(max_length=8)] = "",
        trang: Annotated[int, Query(ge=1, le=10_000)] = 1,
    ) -> HTMLResponse:
        query = _reply_query(svc, q, co_quan, linh_vuc, quy, offset=(trang - 1) * PAGE_SIZE)
        found = public_replies(svc, query)
        filters = {"q": q, "co-quan": co_quan, "linh-vuc": linh_vuc, "quy": quy}
        kept = {k: v for k, v in filters.items() if v}
        pages = max(1, -(-found.total // PAGE_SIZE))
        return page(
            "replies.html",
            request,
            found=found,
            filters=filters,
            organs=published_organs(svc),
            quarters=quarters(),
            page_number=trang,
            pages=pages,
            page_link=lambda n: f"{PREFIX}/tra-loi?{urlencode({**kept, 'trang': n})}",
        )

    @router.get("/tra-loi/{case_id}", response_class=HTMLResponse)
    def reply(request: Request, case_id: int) -> HTMLResponse:
        return page("reply.html", request, r=public_reply(svc, case_id))

    @router.get("/thong-ke", response_class=HTMLResponse)
    def statistics(
        request: Request,
        quy: Annotated[str, Query(max_length=8)] = "",
        co_quan: Annotated[str, Query(alias="co-quan", max_length=64)] = "",
    ) -> HTMLResponse:
        listed = quarters()
        q = chosen(quy, listed)
        report = reports.quarterly_report(svc, q)
        rows = [a for a in report.agencies if not co_quan or a.organ_id == co_quan]
        if co_quan and not rows:
            raise NotFound(f"no figures for agency {co_quan} in {q}")
        history = _history(svc, co_quan, listed) if co_quan else []
        return page(
            "statistics.html",
            request,
            report=report,
            rows=rows,
            quarters=listed,
            selected=co_quan,
            history=history,
            all_agencies=report.agencies,
        )

    @router.get("/bao-cao", response_class=HTMLResponse)
    def issued(request: Request) -> HTMLResponse:
        by_quarter: dict[str, list[Any]] = {}
        for r in reports.issued_reports(svc):
            by_quarter.setdefault(r.quarter, []).append(r)
        return page("reports.html", request, by_quarter=by_quarter)

    @router.get("/bao-cao/{quarter}/{name}")
    def issued_file(quarter: str, name: str) -> Response:
        q = Quarter.parse(quarter)
        if name == f"bang-ke-{q}.xml":
            document = reports.issued_report(svc, q, "report", Format.JSON)
            return Response(document.manifest or b"", media_type="application/xml")
        if name.replace(str(q), "{q}") not in FILE_NAMES:
            raise NotFound(f"no file {name}")
        kind, fmt = FILE_NAMES[name.replace(str(q), "{q}")]
        document = reports.issued_report(svc, q, kind, fmt)
        return Response(
            document.body,
            media_type=document.media_type,
            headers={"X-Content-Sha256": document.sha256, "Cache-Control": "public"},
        )

    @router.get("/du-lieu/", response_class=HTMLResponse)
    def open_data(request: Request) -> HTMLResponse:
        return page("data.html", request, quarters=quarters())

    @router.get("/du-lieu/thong-ke-{quarter}.{ext}")
    def data_figures(quarter: str, ext: str) -> Response:
        report = reports.quarterly_report(svc, chosen(quarter, quarters()))
        if ext == "json":
            return _data(json.dumps(as_data(report), ensure_ascii=False).encode(), Format.JSON)
        if ext == "csv":
            return _data(render_csv_tables(report)["agencies.csv"], Format.CSV)
        raise NotFound(f"no open data in .{ext}: .csv or .json")

    @router.get("/du-lieu/tra-loi.{ext}")
    def data_replies(
        ext: str,
        quy: Annotated[str, Query(max_length=8)] = "",
        co_quan: Annotated[str, Query(alias="co-quan", max_length=64)] = "",
    ) -> Response:
        query = _reply_query(svc, "", co_quan, "", quy, offset=0, limit=100_000)
        rows = [public_view(r) for r in public_replies(svc, query).items]
        if ext == "json":
            return _data(json.dumps(rows, ensure_ascii=False).encode(), Format.JSON)
        if ext == "csv":
            return _data(_csv(rows), Format.CSV)
        raise NotFound(f"no open data in .{ext}: .csv or .json")

    return router


def mount_public(app: Any, svc: Services) -> None:
    """The public pages and their stylesheet, on the API's app."""
    app.include_router(public_router(svc))
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="public-static")


ERROR_TEXT = {
    404: "Không tìm thấy trang hoặc dữ liệu được yêu cầu.",
    422: "Điều kiện tìm kiếm không hợp lệ: vui lòng kiểm tra lại.",
    409: "Yêu cầu không thực hiện được ở trạng thái hiện tại.",
    503: "Hệ thống đang bận, vui lòng thử lại sau ít phút.",
}


def error_page(request: Request, status: int, code: str) -> HTMLResponse | None:
    """A public page's error as a page people read (open data keeps the JSON problem)."""
    path = request.url.path
    if not path.startswith(f"{PREFIX}/") or path.startswith(f"{PREFIX}/du-lieu/"):
        return None
    text = ERROR_TEXT.get(status, "Đã có lỗi xảy ra.")
    body = _pages.get_template("public/error.html").render(
        prefix=PREFIX, path=path, status=status, code=code, text=text
    )
    return HTMLResponse(body, status_code=status)


def _reply_query(
    svc: Services,
    text: str,
    organ_id: str,
    category: str,
    quarter: str,
    *,
    offset: int,
    limit: int = PAGE_SIZE,
) -> ReplyQuery:
    since = until = None
    if quarter:
        q = Quarter.parse(quarter)
        since, until = q.start(svc.zone), q.end(svc.zone)
    if category and category not in ("conduct", "policy", "proposal"):
        raise InputInvalid("linh-vuc must be conduct, policy or proposal")
    return ReplyQuery(text, organ_id, category, since, until, offset, limit)


def _history(svc: Services, organ_id: str, quarters: list[Quarter]) -> list[tuple[Quarter, Any]]:
    """The agency's figures in each listed quarter (newest first), where it had any."""
    out = []
    for q in quarters[:8]:
        report: QuarterlyReport = reports.quarterly_report(svc, q)
        for a in report.agencies:
            if a.organ_id == organ_id:
                out.append((q, a))
    return out


def _data(body: bytes, fmt: Format) -> Response:
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"},
    )


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=PUBLIC_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _local(svc: Services, at: datetime) -> str:
    return at.astimezone(svc.zone).strftime("%d/%m/%Y %H:%M")
