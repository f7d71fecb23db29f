"""``/console/``: the operators' console, served by the API process, in Vietnamese.

Server-rendered pages and plain HTML forms (no script at all). A login opens a session: the
browser holds a random secret in an HttpOnly, SameSite=Strict cookie, signed with the console's
key; the server keeps only its SHA-256, with an expiry (gateway/service/accounts.py). Every form
carries the session's CSRF token and a POST without it is refused. What each page and button may
do is asked of the service layer's rules (gateway/service/access.py) with the session's principal:
a page shows only the buttons its role may use, and a forged POST is refused all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.domain.access import ROLE_LABELS, Action, Principal, Role
from gateway.domain.calendar import HANDLING_DAYS
from gateway.domain.case import CaseState
from gateway.domain.escalation import DECISION_LABELS, OPERATOR_REASONS
from gateway.domain.petition import PetitionQuery
from gateway.domain.publication import masked
from gateway.errors import ErrorCode, Forbidden, GatewayError, InputInvalid
from gateway.reporting.render import label
from gateway.service import accounts, dashboard, queries, reports
from gateway.service import dead_letters as dlq
from gateway.service.access import authorize, authorize_petition
from gateway.service.adapters import connection_check, resolve, views
from gateway.service.admin import add_agency, list_agencies
from gateway.service.audit.export import export_bundle
from gateway.service.audit.trail import petition_trail
from gateway.service.audit.verify import verify_stored_document
from gateway.service.escalations import decide_escalation, escalate_petition
from gateway.service.pki import list_certificates, revoke_certificate
from gateway.service.publication import close_petition, publication_preview, publish_petition
from gateway.service.recall import request_change
from gateway.service.routing import route_petition
from gateway.service.services import Services

PREFIX = "/console"
COOKIE = "pakn_session"
LOGIN_COOKIE = "pakn_login"  # the login form's own CSRF token (double submit)
SECRET_FILE = "console-secret"  # noqa: S105 (a file name, not a secret)
PAGE_SIZE = 50
STATIC = Path(__file__).parent / "static"
STATES = ("received", *(c.value for c in CaseState))  # a petition's status is its cases' own
STATE_LABELS = {
    "received": "Đã tiếp nhận",
    "transferred": "Đã chuyển",
    "arrived": "Đã đến cơ quan",
    "returned": "Bị trả lại",
    "accepted": "Cơ quan đã tiếp nhận",
    "assigned": "Đã phân công",
    "processing": "Đang xử lý",
    "finished": "Đã xử lý xong",
    "replied": "Đã trả lời",
    "published": "Đã công khai",
    "closed": "Đã kết thúc",
    "reopened": "Mở lại",
    "revoked": "Đã thu hồi",
}
MESSAGES = {
    "routed": "Đã chuyển hồ sơ.",
    "recalled": "Đã gửi yêu cầu thu hồi / cập nhật.",
    "escalated": "Đã đưa hồ sơ lên VPCP.",
    "decided": "Đã ghi nhận quyết định xử lý.",
    "useful": "Đã đánh dấu phản ánh có ích.",
    "published": "Đã công khai kết quả.",
    "closed": "Đã kết thúc hồ sơ.",
    "invited": "Đã mời chuyên gia.",
    "opinion": "Đã ghi nhận ý kiến.",
    "replayed": "Đã gửi lại thư chết.",
    "user": "Đã lưu tài khoản.",
    "password": "Đã đổi mật khẩu.",
    "agency": "Đã thêm cơ quan.",
    "revoked": "Đã thu hồi chứng thư.",
}

_pages = Environment(
    loader=PackageLoader("gateway.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _csrf_field(csrf: Annotated[str, Form(max_length=100)] = "") -> str:
    """The form's CSRF token; a form without one gets "" and is refused as a wrong one."""
    return csrf


Csrf = Annotated[str, Depends(_csrf_field)]


class LoginNeeded(Exception):
    """No live session: the browser goes to the login page, then back."""

    def __init__(self, then: str) -> None:
        super().__init__(then)
        self.then = then


def console_secret(home: str | Path) -> bytes:
    """The key that signs session cookies: ``<home>/console-secret`` (0600), made once."""
    path = Path(home) / SECRET_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex() + "\n")
    return key


class Console:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.key = console_secret(svc.settings.home)
        self.names = queries.AgencyNames(svc)

    # -- cookies and sessions -------------------------------------------------------------------

    def sign(self, secret: str) -> str:
        mac = hmac.new(self.key, secret.encode(), hashlib.sha256).hexdigest()
        return f"{secret}.{mac}"

    def unsign(self, value: str | None) -> str | None:
        secret = (value or "").rpartition(".")[0]
        if not secret or not hmac.compare_digest(self.sign(secret), value or ""):
            return None
        return secret

    def session(self, request: Request) -> tuple[Principal, str]:
        """The request's principal and CSRF token, or LoginNeeded."""
        secret = self.unsign(request.cookies.get(COOKIE))
        found = accounts.session_principal(self.svc, secret) if secret else None
        if found is None:
            raise LoginNeeded(request.url.path)
        return found

    def check_csrf(self, request: Request, given: str) -> tuple[Principal, str]:
        who, csrf = self.session(request)
        if not hmac.compare_digest(given.encode(), csrf.encode()):
            raise Forbidden(
                "the form's CSRF token is missing or wrong", code=ErrorCode.CSRF_INVALID
            )
        return who, csrf

    # -- pages ----------------------------------------------------------------------------------

    def page(
        self, request: Request, name: str, who: Principal | None, csrf: str = "", **values: Any
    ) -> HTMLResponse:
        body = _pages.get_template(name).render(
            prefix=PREFIX,
            path=request.url.path,
            who=who,
            csrf=csrf,
            may=(lambda action: who is not None and who.may(Action(action))),
            roles=ROLE_LABELS,
            label=label,
            state=lambda code: STATE_LABELS.get(code, code),
            agency=self.names.get,
            local=self.local,
            message=MESSAGES.get(request.query_params.get("ok", "")),
            **values,
        )
        return HTMLResponse(body)

    def local(self, at: datetime | str | None) -> str:
        if at is None or at == "":
            return "—"
        moment = datetime.fromisoformat(at) if isinstance(at, str) else at
        return moment.astimezone(self.svc.zone).strftime("%d/%m/%Y %H:%M")


def _back(path: str, ok: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}{path}?ok={ok}", status_code=303)


def _safe_next(then: str) -> str:
    """Only a path of the console itself (never another site) to go back to after login."""
    if then.startswith(f"{PREFIX}/") and not then.startswith("//") and "\\" not in then:
        return then
    return f"{PREFIX}/"


def console_router(svc: Services) -> APIRouter:
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    c = Console(svc)

    # -- login ----------------------------------------------------------------------------------

    @router.get("/dang-nhap", response_class=HTMLResponse)
    def login_form(request: Request, tiep: str = "", loi: str = "") -> HTMLResponse:
        token = secrets.token_urlsafe(24)
        response = c.page(request, "login.html", None, token, then=tiep, error=loi)
        response.set_cookie(
            LOGIN_COOKIE,
            c.sign(token),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )
        return response

    @router.post("/dang-nhap")
    def login(
        request: Request,
        csrf: Csrf,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=1024)],
        then: Annotated[str, Form(max_length=500)] = "",
    ) -> Response:
        expected = c.unsign(request.cookies.get(LOGIN_COOKIE))
        if expected is None or not hmac.compare_digest(expected.encode(), csrf.encode()):
            raise Forbidden(
                "the login form has expired: open it again", code=ErrorCode.CSRF_INVALID
            )
        try:
            opened = accounts.log_in(svc, username, password)
        except GatewayError as e:
            why = "throttled" if e.http_status == 429 else "wrong"
            query = urlencode({"tiep": then, "loi": why})
            return RedirectResponse(f"{PREFIX}/dang-nhap?{query}", status_code=303)
        response = RedirectResponse(_safe_next(then), status_code=303)
        response.set_cookie(
            COOKIE,
            c.sign(opened.secret),  # a new session id at every login (no fixation)
            max_age=int(svc.settings.session_hours * 3600),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )
        response.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return response

    @router.post("/dang-xuat")
    def logout(request: Request, csrf: Csrf) -> Response:
        c.check_csrf(request, csrf)
        secret = c.unsign(request.cookies.get(COOKIE))
        if secret:
            accounts.log_out(svc, secret)
        response = RedirectResponse(f"{PREFIX}/dang-nhap", status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    @router.get("/mat-khau", response_class=HTMLResponse)
    def password_form(request: Request) -> HTMLResponse:
        who, csrf = c.session(request)
        return c.page(request, "password.html", who, csrf)

    @router.post("/mat-khau")
    def password_change(
        request: Request,
        csrf: Csrf,
        current: Annotated[str, Form(max_length=1024)],
        new: Annotated[str, Form(max_length=1024)],
    ) -> Response:
        who, _ = c.check_csrf(request, csrf)
        accounts.change_own_password(svc, who, current, new)
        return _back("/", "password")

    # -- reading --------------------------------------------------------------------------------

    @router.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        who, csrf = c.session(request)
        if who.role is Role.EXPERT:
            return c.page(request, "expert_home.html", who, csrf, invitations=who.invitations)
        if not who.may(Action.DASHBOARD_READ):
            return RedirectResponse(f"{PREFIX}/ho-so", status_code=303)
        board = dashboard.dashboard(svc, by=who)
        return c.page(request, "dashboard.html", who, csrf, board=board)

    @router.get("/ho-so", response_class=HTMLResponse)
    def search(
        request: Request,
        ma: Annotated[str, Query(max_length=64)] = "",
        co_quan: Annotated[str, Query(alias="co-quan", max_length=64)] = "",
        trang_thai: Annotated[str, Query(alias="trang-thai", max_length=16)] = "",
        linh_vuc: Annotated[str, Query(alias="linh-vuc", max_length=16)] = "",
        cong: Annotated[str, Query(max_length=32)] = "",
        tu: Annotated[str, Query(max_length=10)] = "",
        den: Annotated[str, Query(max_length=10)] = "",
        qua_han: Annotated[str, Query(alias="qua-han", max_length=2)] = "",
        leo_thang: Annotated[str, Query(alias="leo-thang", max_length=2)] = "",
        trang: Annotated[int, Query(ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize(who, Action.PETITION_LIST)
        if who.role is Role.AGENCY:
            co_quan = who.organ_id  # its own agency, whatever was asked
        if who.role is Role.PORTAL:
            cong = who.portal
        query = PetitionQuery(
            petition_id=ma.strip(),
            organ_id=co_quan,
            status=trang_thai,
            category=linh_vuc,
            portal=cong,
            since=_day(svc, tu),
            until=_day(svc, den, next_day=True),
            overdue=qua_han == "1",
            escalated=leo_thang == "1",
            offset=(trang - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        found = queries.petition_search(svc, query)
        filters = {
            "ma": ma, "co-quan": co_quan, "trang-thai": trang_thai, "linh-vuc": linh_vuc,
            "cong": cong, "tu": tu, "den": den, "qua-han": qua_han, "leo-thang": leo_thang,
        }  # fmt: skip
        kept = {k: v for k, v in filters.items() if v}
        return c.page(
            request,
            "search.html",
            who,
            csrf,
            found=found,
            filters=filters,
            agencies=list_agencies(svc),
            states=STATES,
            portals=svc.settings.portals,
            page_number=trang,
            pages=max(1, -(-found["total"] // PAGE_SIZE)),
            page_link=lambda n: f"{PREFIX}/ho-so?{urlencode({**kept, 'trang': n})}",
        )

    @router.get("/ho-so/{petition_id}", response_class=HTMLResponse)
    def petition(
        request: Request,
        petition_id: str,
        kiem_tra: Annotated[str, Query(alias="kiem-tra", max_length=64)] = "",
    ) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize_petition(svc, who, Action.PETITION_READ, petition_id)
        view = queries.petition_view(svc, petition_id)
        verified = None
        if kiem_tra and who.may(Action.DOCUMENT_VERIFY):
            doc, problem = verify_stored_document(svc, kiem_tra)
            if doc.petition_id != petition_id:
                raise InputInvalid("that document is not this petition's")
            verified = {"id": doc.document_id, "problem": problem, "sha256": doc.sha256}
        opinions = accounts.opinions(svc, petition_id, by=who)
        if who.role is Role.EXPERT:  # the masked file only: no identity, no documents
            record = queries.petition_record(svc, petition_id)
            who_petitions = record.petition.petitioner
            return c.page(
                request,
                "expert_case.html",
                who,
                csrf,
                view=view,
                title=masked(record.petition.title, who_petitions),
                content=masked(record.petition.content, who_petitions),
                replies=[masked(r, who_petitions) for r in queries.reply_texts(svc, petition_id)],
                opinions=opinions,
            )
        trail = petition_trail(svc, petition_id) if who.may(Action.AUDIT_READ) else []
        record = queries.petition_record(svc, petition_id)
        return c.page(
            request,
            "petition.html",
            who,
            csrf,
            view=view,
            petition=record.petition,
            trail=trail,
            documents=queries.petition_documents(svc, petition_id),
            verified=verified,
            opinions=opinions,
            agencies=list_agencies(svc),
            reasons=sorted(r.value for r in OPERATOR_REASONS),
            decisions=DECISION_LABELS,
            experts=[u for u in _experts_if(svc, who) if not u.disabled],
            replied=any(k["state"] == CaseState.REPLIED.value for k in view["cases"]),
            explain=lambda start: svc.calendar.explain(
                datetime.fromisoformat(start).astimezone(svc.zone).date(), HANDLING_DAYS
            ),
        )

    @router.get("/ho-so/{petition_id}/van-ban/{document_id}")
    def document(request: Request, petition_id: str, document_id: str) -> Response:
        who, _ = c.session(request)
        authorize_petition(svc, who, Action.DOCUMENT_READ, petition_id)
        doc = queries.document(svc, document_id)
        if doc.petition_id != petition_id:
            raise InputInvalid("that document is not this petition's")
        return Response(
            doc.body,
            media_type="application/xml",
            headers={
                "X-Content-Sha256": doc.sha256,
                "Content-Disposition": f'attachment; filename="{quote(document_id)}.xml"',
            },
        )

    @router.get("/ho-so/{petition_id}/chung-cu")
    def bundle(request: Request, petition_id: str) -> Response:
        who, _ = c.session(request)
        authorize_petition(svc, who, Action.AUDIT_EXPORT, petition_id)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "bundle.zip"
            export_bundle(svc, petition_id, path)
            body = path.read_bytes()
        return Response(
            body,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="chung-cu-{petition_id}.zip"'},
        )

    @router.get("/ho-so/{petition_id}/cong-khai", response_class=HTMLResponse)
    def publish_preview(
        request: Request,
        petition_id: str,
        an: Annotated[str, Query(max_length=5000)] = "",
    ) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize_petition(svc, who, Action.PETITION_PUBLISH, petition_id)
        masks = _lines(an)
        preview = publication_preview(svc, petition_id, mask=masks)
        return c.page(
            request, "publish.html", who, csrf, petition_id=petition_id, preview=preview, an=an
        )

    # -- operators' actions ---------------------------------------------------------------------

    def act(request: Request, csrf: str, action: Action, petition_id: str) -> Principal:
        who, _ = c.check_csrf(request, csrf)
        authorize_petition(svc, who, action, petition_id)
        return who

    @router.post("/ho-so/{petition_id}/chuyen")
    def route(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        agencies: Annotated[list[str], Form(max_length=20)],
        confirm: Annotated[str, Form(max_length=2)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_ROUTE, petition_id)
        _confirmed(confirm)
        route_petition(svc, petition_id, [a for a in agencies if a], actor=who.actor)
        return _back(f"/ho-so/{petition_id}", "routed")

    @router.post("/ho-so/{petition_id}/thu-hoi")
    def recall(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        agency: Annotated[str, Form(max_length=64)],
        action: Annotated[str, Form(max_length=16)],
        reason: Annotated[str, Form(max_length=2000)],
        confirm: Annotated[str, Form(max_length=2)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_RECALL, petition_id)
        _confirmed(confirm)
        request_change(svc, petition_id, agency, action, reason=reason, actor=who.actor)
        return _back(f"/ho-so/{petition_id}", "recalled")

    @router.post("/ho-so/{petition_id}/dua-len")
    def escalate(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        reason: Annotated[str, Form(max_length=32)],
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_ESCALATE, petition_id)
        escalate_petition(svc, petition_id, reason, note=note, actor=who.actor)
        return _back(f"/ho-so/{petition_id}", "escalated")

    @router.post("/ho-so/{petition_id}/quyet-dinh")
    def decide(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        reason: Annotated[str, Form(max_length=32)],
        decision: Annotated[str, Form(max_length=32)],
        note: Annotated[str, Form(max_length=4000)] = "",
    ) -> Response:
        who = act(request, csrf, Action.ESCALATION_DECIDE, petition_id)
        decide_escalation(svc, petition_id, reason, decision, note=note, actor=who.actor)
        return _back(f"/ho-so/{petition_id}", "decided")

    @router.post("/ho-so/{petition_id}/co-ich")
    def useful(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        note: Annotated[str, Form(max_length=2000)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_MARK_USEFUL, petition_id)
        reports.mark_useful(svc, petition_id, actor=who.actor, note=note)
        return _back(f"/ho-so/{petition_id}", "useful")

    @router.post("/ho-so/{petition_id}/cong-khai")
    def publish(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        an: Annotated[str, Form(max_length=5000)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_PUBLISH, petition_id)
        publish_petition(svc, petition_id, actor=who.actor, mask=_lines(an))
        return _back(f"/ho-so/{petition_id}", "published")

    @router.post("/ho-so/{petition_id}/ket-thuc")
    def close(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        reason: Annotated[str, Form(max_length=2000)] = "",
        confirm: Annotated[str, Form(max_length=2)] = "",
    ) -> Response:
        who = act(request, csrf, Action.PETITION_CLOSE, petition_id)
        _confirmed(confirm)
        close_petition(svc, petition_id, actor=who.actor, unpublished_reason=reason)
        return _back(f"/ho-so/{petition_id}", "closed")

    @router.post("/ho-so/{petition_id}/moi-chuyen-gia")
    def invite(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        username: Annotated[str, Form(max_length=64)],
        days: Annotated[int, Form(ge=1, le=365)] = 30,
    ) -> Response:
        who = act(request, csrf, Action.EXPERT_INVITE, petition_id)
        accounts.invite_expert(svc, username, petition_id, days=days, by=who)
        return _back(f"/ho-so/{petition_id}", "invited")

    @router.post("/ho-so/{petition_id}/y-kien")
    def opinion(
        request: Request,
        petition_id: str,
        csrf: Csrf,
        text: Annotated[str, Form(max_length=20_000)],
    ) -> Response:
        who = act(request, csrf, Action.OPINION_WRITE, petition_id)
        accounts.write_opinion(svc, petition_id, text, by=who)
        return _back(f"/ho-so/{petition_id}", "opinion")

    # -- escalations, administration, reports ----------------------------------------------------

    @router.get("/leo-thang", response_class=HTMLResponse)
    def escalations(request: Request) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize(who, Action.PETITION_ESCALATE if who.role is Role.OPERATOR else Action.AUDIT_READ)
        now = svc.clock.now()
        queue = queries.escalation_queue(svc)
        by_reason: dict[str, list[Any]] = {}
        for e, title in queue:
            by_reason.setdefault(e.reason.value, []).append((e, title, (now - e.raised_at).days))
        return c.page(request, "escalations.html", who, csrf, by_reason=by_reason)

    def admin_page(request: Request, tested: dict[str, Any] | None = None) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize(who, Action.ADMIN_READ)
        return c.page(
            request,
            "admin.html",
            who,
            csrf,
            agencies=list_agencies(svc),
            certificates=list_certificates(svc, svc.clock.now()),
            adapters=views(svc),
            dead_letters=dlq.listing(svc, include_replayed=False, limit=200),
            tested=tested,
        )

    @router.get("/quan-tri", response_class=HTMLResponse)
    def admin(request: Request) -> HTMLResponse:
        return admin_page(request)

    @router.post("/quan-tri/ket-noi/{adapter_id}", response_class=HTMLResponse)
    def adapter_test(request: Request, adapter_id: int, csrf: Csrf) -> HTMLResponse:
        who, _ = c.check_csrf(request, csrf)  # it sends a signed test document: not a GET
        authorize(who, Action.ADAPTER_MANAGE)
        return admin_page(request, _test_adapter(svc, adapter_id, who))

    @router.post("/quan-tri/co-quan")
    def agency_add(
        request: Request,
        csrf: Csrf,
        organ_id: Annotated[str, Form(max_length=64)],
        name: Annotated[str, Form(max_length=300)],
    ) -> Response:
        who, _ = c.check_csrf(request, csrf)
        authorize(who, Action.AGENCY_MANAGE)
        add_agency(svc, organ_id, name, actor=who.actor)
        c.names.forget()
        return _back("/quan-tri", "agency")

    @router.post("/quan-tri/chung-thu")
    def certificate_revoke(
        request: Request,
        csrf: Csrf,
        organ_id: Annotated[str, Form(max_length=64)],
        serial: Annotated[str, Form(max_length=200)],
        reason: Annotated[str, Form(max_length=2000)],
        confirm: Annotated[str, Form(max_length=2)] = "",
    ) -> Response:
        who, _ = c.check_csrf(request, csrf)
        authorize(who, Action.CERTIFICATE_MANAGE)
        _confirmed(confirm)
        revoke_certificate(svc, organ_id, serial=serial, reason=reason, actor=who.actor)
        return _back("/quan-tri", "revoked")

    @router.post("/quan-tri/thu-chet/{dead_letter_id}")
    def replay(request: Request, dead_letter_id: int, csrf: Csrf) -> Response:
        who, _ = c.check_csrf(request, csrf)
        authorize(who, Action.DEAD_LETTER_MANAGE)
        dlq.replay(svc, dead_letter_id, actor=who.actor)
        return _back("/quan-tri", "replayed")

    @router.get("/nguoi-dung", response_class=HTMLResponse)
    def users(request: Request) -> HTMLResponse:
        who, csrf = c.session(request)
        return c.page(
            request,
            "users.html",
            who,
            csrf,
            users=accounts.list_users(svc, by=who),
            agencies=list_agencies(svc),
            portals=svc.settings.portals,
            all_roles=list(Role),
        )

    @router.post("/nguoi-dung", response_class=HTMLResponse)
    def user_add(
        request: Request,
        csrf: Csrf,
        username: Annotated[str, Form(max_length=64)],
        display_name: Annotated[str, Form(max_length=200)],
        role: Annotated[Role, Form()],
        organ_id: Annotated[str, Form(max_length=64)] = "",
        portal: Annotated[str, Form(max_length=32)] = "",
    ) -> HTMLResponse:
        who, _ = c.check_csrf(request, csrf)
        made, password = accounts.add_user(
            svc, accounts.NewUser(username, display_name, role, organ_id, portal), by=who
        )
        return c.page(request, "secret.html", who, csrf, user=made, password=password)

    @router.post("/nguoi-dung/{username}")
    def user_change(
        request: Request,
        username: str,
        csrf: Csrf,
        change: Annotated[str, Form(pattern="^(disable|enable|reset|role)$")],
        role: Annotated[Role | None, Form()] = None,
        organ_id: Annotated[str, Form(max_length=64)] = "",
        portal: Annotated[str, Form(max_length=32)] = "",
    ) -> Response:
        who, _ = c.check_csrf(request, csrf)
        if change == "reset":
            password = accounts.reset_password(svc, username, by=who)
            made = next(u for u in accounts.list_users(svc, by=who) if u.username == username)
            return c.page(request, "secret.html", who, csrf, user=made, password=password)
        if change == "role":
            if role is None:
                raise InputInvalid("choose the new role")
            accounts.set_role(svc, username, role, by=who, organ_id=organ_id, portal=portal)
        else:
            accounts.set_disabled(svc, username, change == "disable", by=who)
        return _back("/nguoi-dung", "user")

    @router.get("/bao-cao", response_class=HTMLResponse)
    def report_list(request: Request) -> HTMLResponse:
        who, csrf = c.session(request)
        authorize(who, Action.REPORT_READ)
        return c.page(request, "reports.html", who, csrf, issued=reports.issued_reports(svc))

    @router.get("/bao-cao/{quarter}/{kind}.{fmt}")
    def report_file(request: Request, quarter: str, kind: str, fmt: str) -> Response:
        from gateway.domain.reports import Quarter
        from gateway.reporting.formats import Format

        who, _ = c.session(request)
        authorize(who, Action.REPORT_READ)
        document = reports.issued_report(svc, Quarter.parse(quarter), kind, Format(fmt))
        return Response(document.body, media_type=document.media_type)

    return router


def mount_console(app: Any, svc: Services) -> None:
    """The console and its stylesheet, on the API's app; a request without a session goes to
    the login page."""
    app.include_router(console_router(svc))
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")

    async def login_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginNeeded)
        then = exc.then if request.method == "GET" else f"{PREFIX}/"
        return RedirectResponse(f"{PREFIX}/dang-nhap?{urlencode({'tiep': then})}", status_code=303)

    app.add_exception_handler(LoginNeeded, login_needed)


ERROR_TEXT = {
    400: "Yêu cầu không hợp lệ.",
    401: "Cần đăng nhập.",
    403: "Tài khoản của bạn không được làm việc này.",
    404: "Không tìm thấy trang hoặc hồ sơ được yêu cầu.",
    409: "Không thực hiện được ở trạng thái hiện tại của hồ sơ.",
    422: "Dữ liệu nhập không hợp lệ: vui lòng kiểm tra lại.",
    429: "Thao tác quá nhiều lần: vui lòng thử lại sau.",
    503: "Hệ thống đang bận, vui lòng thử lại sau ít phút.",
}


def console_error_page(
    request: Request, status: int, code: str, detail: str = ""
) -> HTMLResponse | None:
    """A console page's error as a page (the message names no personal data: it is the
    error's own, as the API would answer it)."""
    if not request.url.path.startswith(f"{PREFIX}/"):
        return None
    body = _pages.get_template("error.html").render(
        prefix=PREFIX,
        path=request.url.path,
        who=None,
        status=status,
        code=code,
        detail=detail,
        text=ERROR_TEXT.get(status, "Đã có lỗi xảy ra."),
        message=None,
    )
    return HTMLResponse(body, status_code=status)


def _day(svc: Services, text: str, *, next_day: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=svc.zone)
    except ValueError as e:
        raise InputInvalid("a date is YYYY-MM-DD") from e
    return day + timedelta(days=1) if next_day else day


def _confirmed(confirm: str) -> None:
    """An action that sends documents or cannot be undone is confirmed on its form."""
    if confirm != "1":
        raise InputInvalid("tick the confirmation box (xác nhận) to do this")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _experts_if(svc: Services, who: Principal) -> list[Any]:
    """The expert accounts, for the invitation form (operators); none for anyone else."""
    if not who.may(Action.EXPERT_INVITE):
        return []
    return queries.expert_accounts(svc)


def _test_adapter(svc: Services, adapter_id: int, who: Principal) -> dict[str, Any]:
    adapters = {a.record.adapter_id: a.record for a in views(svc)}
    if adapter_id not in adapters:
        raise InputInvalid(f"no adapter {adapter_id}")
    record = resolve(svc, adapters[adapter_id].organ_id, adapter_id)
    try:
        report = connection_check(svc, record, actor=who.actor)
    except GatewayError as e:
        return {"adapter_id": adapter_id, "ok": False, "detail": e.message}
    detail = f"{report.check} ({report.check_ms:.0f} ms)"
    if report.round_trip:
        detail += f"; {report.round_trip} ({report.round_trip_ms or 0:.0f} ms)"
    return {"adapter_id": adapter_id, "ok": True, "detail": detail}
