"""The console (/console/) on a seeded gateway (simulated agencies answering through the real use
cases): in a real browser without JavaScript, an operator logs in, finds an overdue petition,
reads its timeline, verifies a document, re-routes a returned petition, escalates one and invites
an expert; the expert sees only that case, masked, and writes an opinion; an agency's staff cannot
open another agency's petition; an auditor has no action buttons and a forged POST from it is
refused. Then the session's security over plain HTTP: fixation, logout, disabling, throttling,
CSRF, headers. Screenshots are kept in var/artifacts/."""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.api.app import create_app
from gateway.domain.access import Principal, Role
from gateway.domain.documents import StatusCode
from gateway.runtime.http import BackgroundServer
from gateway.service import accounts
from gateway.service.accounts import NewUser
from gateway.service.services import Services
from tests.report_seed import Seeded, seeded_services

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ADMIN = Principal("", "cli", Role.ADMIN, system=True)
PASSWORD = "mật khẩu thử nghiệm 2026"


@dataclass
class World:
    svc: Services
    seeded: Seeded
    url: str
    staff_agency: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, pki_dir: Path) -> Iterator[World]:
    home = tmp_path_factory.mktemp("console")
    svc, _, seeded = seeded_services(home, pki_dir, per_quarter=40)
    with svc.store.unit_of_work() as uow:  # an agency with a petition carrying personal data
        staff_agency = next(
            c.case.organ_id
            for r in uow.petitions.recent(limit=100_000)
            if "CCCD" in r.petition.content
            for c in uow.cases.for_petition(r.petition.petition_id)
        )
    for name, role, scope in (
        ("chuyenvien", Role.OPERATOR, {}),
        ("kiemtoan", Role.AUDITOR, {}),
        ("quantri", Role.ADMIN, {}),
        ("canbo", Role.AGENCY, {"organ_id": staff_agency}),
        ("chuyengia", Role.EXPERT, {}),
    ):
        accounts.add_user(
            svc, NewUser(name, f"Tài khoản {name}", role, **scope), by=ADMIN, password=PASSWORD
        )
    server = BackgroundServer(create_app(svc), "127.0.0.1", 0, name="console").start()
    try:
        yield World(svc, seeded, server.url, staff_agency)
    finally:
        server.stop()
        svc.close()


def cases(svc: Services, **where: str) -> list[Any]:
    found = []
    with svc.store.unit_of_work() as uow:
        for record in uow.petitions.recent(limit=100_000):
            for c in uow.cases.for_petition(record.petition.petition_id):
                if all(
                    getattr(c.case, k) == v or str(getattr(c.case, k)) == v
                    for k, v in where.items()
                ):
                    found.append((record, c))
    return found


# -- in a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: make system-deps installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def log_in(browser: Any, world: World, username: str) -> Any:
    page = browser.new_context(java_script_enabled=False, locale="vi-VN").new_page()
    page.goto(f"{world.url}/console/")
    assert "/console/dang-nhap" in page.url  # no session: the login page
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    assert "/console/dang-nhap" not in page.url, page.inner_text("main")
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def test_an_operator_works_a_day_in_the_console(world: World, browser: Any) -> None:
    svc = world.svc
    page = log_in(browser, world, "chuyenvien")
    assert "Tổng quan" in page.inner_text("h1")
    shot(page, "tong-quan")

    # an overdue petition, its timeline, and a document verified
    page.goto(f"{world.url}/console/ho-so?qua-han=1")
    total = int(re.search(r"(\d+) hồ sơ", page.inner_text("main")).group(1))  # type: ignore[union-attr]
    assert total > 0
    shot(page, "tim-ho-so-qua-han")
    page.locator("tbody tr td a").first.click()
    assert "quá hạn" in page.inner_text("main")
    assert page.locator("ol.timeline li").count() > 3
    shot(page, "ho-so-qua-han")
    page.locator("a", has_text="Kiểm tra chữ ký").first.click()
    assert "chữ ký số hợp lệ" in page.inner_text("[role=status]")
    shot(page, "kiem-tra-chu-ky")

    # an agency returns a petition; the operator re-routes it
    record, case = next(
        (r, c)
        for r, c in cases(svc, state="accepted")
        if c.transfer_doc_key and c.case.organ_id != world.staff_agency
    )
    assert world.seeded.seeder is not None
    world.seeded.seeder.send_status(
        case.case.organ_id, case.transfer_doc_key, StatusCode.REJECTED, "Không thuộc thẩm quyền"
    )
    pid = record.petition.petition_id
    page.goto(f"{world.url}/console/ho-so/{pid}")
    assert "Trả lại" in page.inner_text("main")
    page.select_option("select#agencies", world.staff_agency)
    page.check("form[action$='/chuyen'] input[name=confirm]")
    page.click("form[action$='/chuyen'] button")
    assert "Đã chuyển hồ sơ." in page.inner_text("[role=status]")
    assert world.staff_agency in page.inner_text("main")
    seeder = world.seeded.seeder  # the gateway's relay and worker take the new transfer out
    while seeder.relay.run_once():
        pass
    while (message := svc.transport.receive(seeder.worker.queues(), timeout=0)) is not None:
        seeder.worker.handle(message)
    with svc.store.unit_of_work() as uow:
        (new_case,) = [
            k for k in uow.cases.for_petition(pid) if k.case.organ_id == world.staff_agency
        ]
        states = {d.state.value for d in uow.deliveries.for_case(new_case.case.case_id)}
    assert states and "queued" not in states, states
    page.reload()
    shot(page, "chuyen-lai")

    # escalate a petition with personal data in it, and invite an expert to it
    planted = next(
        r for r, c in cases(svc, organ_id=world.staff_agency) if "CCCD" in r.petition.content
    )
    world.__dict__["invited"] = planted.petition.petition_id
    page.goto(f"{world.url}/console/ho-so/{planted.petition.petition_id}")
    page.select_option("select#reason", "agencies_disagree")
    page.fill("#note", "Cần ý kiến chuyên gia")
    page.click("form[action$='/dua-len'] button")
    assert "Đã đưa hồ sơ lên VPCP." in page.inner_text("[role=status]")
    page.select_option("select#expert", "chuyengia")
    page.click("form[action$='/moi-chuyen-gia'] button")
    assert "Đã mời chuyên gia." in page.inner_text("[role=status]")
    shot(page, "moi-chuyen-gia")
    page.select_option("select#decision-agencies_disagree", "consult")
    page.fill("#grounds-agencies_disagree", "Lấy ý kiến hiệp hội trước khi trả lời")
    page.click("form[action$='/quyet-dinh'] button")
    assert "Đã ghi nhận quyết định xử lý." in page.inner_text("[role=status]")
    assert "Lấy ý kiến hiệp hội, chuyên gia" in page.inner_text("main")
    page.goto(f"{world.url}/console/leo-thang")
    assert planted.petition.title not in page.inner_text("main")  # decided: no longer open
    shot(page, "leo-thang")


def test_the_expert_sees_only_the_invited_case_masked_and_writes_an_opinion(
    world: World, browser: Any
) -> None:
    pid = world.__dict__.get("invited")
    assert pid, "runs after the operator's test"
    page = log_in(browser, world, "chuyengia")
    page.click(f"a[href='/console/ho-so/{pid}']")
    text = page.inner_text("main")
    with world.svc.store.unit_of_work() as uow:
        petitioner = uow.petitions.get(pid).petition.petitioner  # type: ignore[union-attr]
    for value in (petitioner.name, petitioner.id_number, petitioner.phone, petitioner.email):
        assert value and value not in text
    assert "đã ẩn]" in text
    page.fill("#text", "Đề nghị lấy ý kiến Hiệp hội Bất động sản.")
    page.click("form[action$='/y-kien'] button")
    assert "Đã ghi nhận ý kiến." in page.inner_text("[role=status]")
    shot(page, "chuyen-gia")
    other = next(r for r, _ in cases(world.svc) if r.petition.petition_id != pid)
    answer = page.goto(f"{world.url}/console/ho-so/{other.petition.petition_id}")
    assert answer is not None and answer.status == 404
    assert page.goto(f"{world.url}/console/quan-tri").status == 403  # type: ignore[union-attr]


def test_agency_staff_see_their_agency_only(world: World, browser: Any) -> None:
    page = log_in(browser, world, "canbo")
    assert "/console/ho-so" in page.url  # no dashboard for agency staff
    mine = next(r for r, _ in cases(world.svc, organ_id=world.staff_agency))
    organs: dict[str, set[str]] = {}
    records = {}
    for r, c in cases(world.svc):
        organs.setdefault(r.petition.petition_id, set()).add(c.case.organ_id)
        records[r.petition.petition_id] = r
    theirs = next(records[p] for p, o in organs.items() if world.staff_agency not in o)
    assert page.goto(f"{world.url}/console/ho-so/{mine.petition.petition_id}").status == 200  # type: ignore[union-attr]
    assert page.locator("form[action$='/chuyen']").count() == 0
    shot(page, "can-bo-co-quan")
    answer = page.goto(f"{world.url}/console/ho-so/{theirs.petition.petition_id}")
    assert answer is not None and answer.status == 404


def test_an_auditor_has_no_buttons_and_a_forged_post_is_refused(world: World, browser: Any) -> None:
    page = log_in(browser, world, "kiemtoan")
    pid = next(r for r, _ in cases(world.svc)).petition.petition_id
    page.goto(f"{world.url}/console/ho-so/{pid}")
    assert page.locator("ol.timeline li").count() > 0
    assert page.locator("main form[method=post]").count() == 0
    shot(page, "kiem-toan-vien")
    csrf = page.locator("header input[name=csrf]").get_attribute("value")
    forged = page.request.post(
        f"{world.url}/console/ho-so/{pid}/dua-len",
        form={"csrf": csrf or "", "reason": "government_authority"},
        max_redirects=0,
    )
    assert forged.status == 403


# -- the session's security, over HTTP -----------------------------------------------------------


@contextmanager
def http_login(world: World, username: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world.url, timeout=30) as client:
        form = client.get("/console/dang-nhap").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post(
            "/console/dang-nhap",
            data={"csrf": csrf, "username": username, "password": password, "then": ""},
        )
        yield client


def test_sessions_are_new_at_each_login_end_at_logout_and_when_disabled(world: World) -> None:
    accounts.add_user(
        world.svc, NewUser("tamthoi", "Tạm thời", Role.OPERATOR), by=ADMIN, password=PASSWORD
    )
    with http_login(world, "tamthoi") as first, http_login(world, "tamthoi") as second:
        check_sessions(world, first, second)


def check_sessions(world: World, first: httpx.Client, second: httpx.Client) -> None:
    one, two = first.cookies.get("pakn_session"), second.cookies.get("pakn_session")
    assert one and two and one != two  # no fixation: a new session id at every login
    assert first.get("/console/").status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', first.get("/console/").text).group(1)  # type: ignore[union-attr]
    first.post("/console/dang-xuat", data={"csrf": csrf})
    stale = httpx.get(f"{world.url}/console/", cookies={"pakn_session": one})
    assert stale.status_code == 303 and "/console/dang-nhap" in stale.headers["location"]
    accounts.set_disabled(world.svc, "tamthoi", True, by=ADMIN)
    assert second.get("/console/").status_code == 303  # at once
    page = second.get("/console/dang-nhap")
    assert page.headers["cache-control"] == "no-store"


def test_logins_are_throttled_and_posts_need_the_csrf_token(world: World) -> None:
    accounts.add_user(
        world.svc, NewUser("doantuan", "Đoàn Tuấn", Role.OPERATOR), by=ADMIN, password=PASSWORD
    )
    for _ in range(world.svc.account_policy.login_max_failures):
        with http_login(world, "doantuan", "sai mật khẩu rồi"):
            pass
    with http_login(world, "doantuan") as throttled:
        assert throttled.cookies.get("pakn_session") is None
    with http_login(world, "chuyenvien") as client:
        check_csrf(world, client)


def check_csrf(world: World, client: httpx.Client) -> None:
    pid = next(r for r, _ in cases(world.svc)).petition.petition_id
    no_token = client.post(f"/console/ho-so/{pid}/co-ich", data={"note": "x"})
    assert no_token.status_code == 403 and "CSRF_INVALID" in no_token.text
    wrong = client.post(f"/console/ho-so/{pid}/co-ich", data={"csrf": "forged", "note": "x"})
    assert wrong.status_code == 403 and "CSRF_INVALID" in wrong.text


def test_the_pages_carry_security_headers(world: World) -> None:
    with http_login(world, "chuyenvien") as client:
        check_headers(client)


def check_headers(client: httpx.Client) -> None:
    for path in ("/console/", "/console/ho-so", "/cong-khai/"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY"
        if path.startswith("/console"):
            assert headers["cache-control"] == "no-store"


def test_an_administrator_manages_accounts_and_sees_the_adapters(
    world: World, browser: Any
) -> None:
    page = log_in(browser, world, "quantri")
    page.goto(f"{world.url}/console/nguoi-dung")
    page.fill("#username", "hiephoi.bds")
    page.fill("#display_name", "Hiệp hội Bất động sản Việt Nam")
    page.select_option("select#role", "expert")
    page.click("form[action$='/nguoi-dung'] button[type=submit]")
    shown = page.inner_text("main")
    password = re.search(r"một lần[^:]*:\s*(\S+)", shown)
    assert password, shown
    page.goto(f"{world.url}/console/nguoi-dung")
    row = page.locator("tr", has_text="hiephoi.bds")
    row.locator("button", has_text="Khóa").click()
    assert "Đã lưu tài khoản." in page.inner_text("[role=status]")
    assert "đã khóa" in page.locator("tr", has_text="hiephoi.bds").inner_text()
    shot(page, "nguoi-dung")
    with world.svc.store.unit_of_work() as uow:
        found = uow.accounts.by_name("hiephoi.bds")
    assert found is not None and found[0].disabled and found[0].role is Role.EXPERT
    page.goto(f"{world.url}/console/mat-khau")  # the first thing one does with a new account
    page.fill("#current", PASSWORD)
    page.fill("#new", PASSWORD + " mới")
    page.click("form[action$='/mat-khau'] button")
    assert "Đã đổi mật khẩu." in page.inner_text("[role=status]")
    page.goto(f"{world.url}/console/quan-tri")
    page.fill("#organ_id", "000.00.99.H99")
    page.fill("#agency-name", "UBND tỉnh Thử nghiệm")
    page.click("form[action$='/co-quan'] button")
    assert "Đã thêm cơ quan." in page.inner_text("[role=status]")
    text = page.inner_text("main")
    assert "UBND tỉnh Thử nghiệm" in text
    assert "Bộ kết nối" in text and "pull" in text and "Thư chết" in text
    page.locator("form[action*='/ket-noi/'] button").first.click()  # a pull inbox: checked
    assert "Thử bộ kết nối" in page.inner_text("[role=status]")
    shot(page, "quan-tri")
    answer = page.goto(f"{world.url}/console/ho-so")
    assert answer is not None and answer.status == 403  # administrators do not read petitions


def test_no_personal_data_reaches_the_logs(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    planted = next(r for r, _ in cases(world.svc) if "CCCD" in r.petition.content)
    p = planted.petition
    with http_login(world, "chuyenvien") as client:
        assert client.get(f"/console/ho-so/{p.petition_id}").status_code == 200
        client.get(f"/console/ho-so/{p.petition_id}/cong-khai?an={p.petitioner.name}")
        client.get(f"/console/ho-so?ma={p.petitioner.phone}")  # a search with personal data
        client.post(f"/console/ho-so/{p.petition_id}/co-ich", data={"csrf": "x"})  # refused
        client.get("/console/ho-so?tu=not-a-date")  # an error page
    # what the gateway logged (its own loggers and the libraries it runs), not the test's client
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))
    )
    # (signatures were checked on that page: signxml would log the documents, whole, at DEBUG)
    for value in (p.petitioner.name, p.petitioner.phone, p.petitioner.id_number):
        assert value not in logged
