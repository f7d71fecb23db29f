"""The public pages (/cong-khai/) on a seeded data set whose petitions and replies carry planted
personal data: served by the API's own server without login, filtered and searched, the
statistics per agency and quarter, the issued reports and open data — and none of the planted
personal data anywhere: not in a page, not in an open-data file, not in the press summary.
Then the same pages in a real browser (headless Chromium), with screenshots kept as artifacts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from gateway.api.app import create_app
from gateway.domain.publication import ReplyQuery
from gateway.domain.reports import Quarter
from gateway.runtime.http import BackgroundServer
from gateway.service.publication import publication_preview, publish_petition
from gateway.service.reports import issue_report
from gateway.service.services import Services
from tests.conftest import OPERATOR
from tests.helpers import CHECKED
from tests.report_seed import Seeded, seeded_services

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Site:
    svc: Services
    seeded: Seeded
    url: str
    quarters: tuple[Quarter, Quarter]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, pki_dir: Path) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("public")
    svc, clock, seeded = seeded_services(home, pki_dir, per_quarter=120)
    clock.set(seeded.quarters[1].end(svc.zone) + timedelta(days=1))
    issue_report(svc, seeded.quarters[1], actor="operator")
    server = BackgroundServer(create_app(svc), "127.0.0.1", 0, name="public pages").start()
    try:
        yield Site(svc, seeded, server.url, seeded.quarters)
    finally:
        server.stop()
        svc.close()


@pytest.fixture
def web(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=30, event_hooks=CHECKED) as client:
        yield client  # no token: the public pages need none


def leaked(site: Site, text: str) -> list[str]:
    """The planted personal data found in ``text`` (also with its digits regrouped); a
    chart's drawing (its coordinates are numbers, nothing else) is left out."""
    text = re.sub(r"<svg.*?</svg>", "", text, flags=re.DOTALL)
    found = [v for v in site.seeded.planted if v.lower() in text.lower()]
    digits = re.sub(r"[ .\-()+]", "", text)
    for value in site.seeded.planted:
        run = re.sub(r"\D", "", value)
        if len(run) >= 9 and run in digits:
            found.append(value)
    return found


def crawl(site: Site, web: httpx.Client) -> dict[str, str]:
    """Every public page and open-data file reachable from the home page by its links."""
    seen: dict[str, str] = {}
    todo = ["/cong-khai/"]
    while todo and len(seen) < 600:
        path = todo.pop()
        if path in seen:
            continue
        answer = web.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        seen[path] = answer.content.decode("utf-8-sig", errors="replace")
        if answer.headers["content-type"].startswith("text/html"):
            for link in re.findall(r'href="(/cong-khai/[^"#]*)"', seen[path]):
                link = link.replace("&amp;", "&")
                if link not in seen and not link.endswith((".pdf", ".xlsx")):
                    todo.append(link)
    return seen


def test_every_public_page_and_file_is_served_without_login_and_leaks_nothing(
    site: Site, web: httpx.Client
) -> None:
    assert len(site.seeded.planted) >= 40  # planted in titles, contents and replies
    pages = crawl(site, web)
    details = [p for p in pages if re.fullmatch(r"/cong-khai/tra-loi/\d+", p)]
    assert details, "no published reply reached from the pages"
    assert any(p.startswith("/cong-khai/du-lieu/") for p in pages)
    assert any(p.startswith("/cong-khai/bao-cao/") for p in pages)
    for path, body in pages.items():
        assert not leaked(site, body), (path, leaked(site, body))
    # the replies that had personal data in them were published, masked
    masked = [b for p, b in pages.items() if p in details and "đã ẩn]" in b]
    assert masked


def test_the_published_pdfs_and_the_press_summary_carry_no_personal_data(
    site: Site, web: httpx.Client, tmp_path: Path
) -> None:
    q = site.quarters[1]
    listing = web.get("/cong-khai/bao-cao").text
    pdfs = [link for link in re.findall(r'href="([^"]+\.pdf)"', listing) if str(q) in link]
    assert {p.rsplit("/", 1)[1] for p in pdfs} == {
        f"bao-cao-{q}.pdf",
        f"thong-cao-bao-chi-{q}.pdf",
    }
    for link in pdfs:
        path = tmp_path / "public.pdf"
        path.write_bytes(web.get(link).content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "phản ánh, kiến nghị" in text
        assert not leaked(site, text), (link, leaked(site, text))


def test_each_published_reply_shows_its_signer_time_and_sha256(
    site: Site, web: httpx.Client
) -> None:
    data = web.get("/cong-khai/du-lieu/tra-loi.json").json()
    assert data
    originals = {}
    with site.svc.store.unit_of_work() as uow:  # closed before a page is asked for
        for row in data[:20]:
            published = uow.public.get(row["case_id"])
            assert published is not None
            stored = uow.documents.get(published.reply_document_id)
            assert stored is not None
            originals[row["case_id"]] = stored
    for row in data[:20]:
        stored = originals[row["case_id"]]
        assert stored.sha256 == row["reply_sha256"]
        page = web.get(f"/cong-khai/tra-loi/{row['case_id']}").text
        assert stored.sha256 in page and "chữ ký số" in page
        assert row["signed_by"] and row["signed_by"] in page


def test_replies_are_filtered_by_agency_category_and_quarter_and_searched(
    site: Site, web: httpx.Client
) -> None:
    every = web.get("/cong-khai/du-lieu/tra-loi.json").json()
    organ = every[0]["organ_id"]
    page = web.get("/cong-khai/tra-loi", params={"co-quan": organ}).text
    total = int(re.search(r"(\d+) văn bản trả lời", page).group(1))  # type: ignore[union-attr]
    assert total == sum(1 for r in every if r["organ_id"] == organ)
    category = web.get("/cong-khai/tra-loi", params={"linh-vuc": "policy"}).text
    count = int(re.search(r"(\d+) văn bản trả lời", category).group(1))  # type: ignore[union-attr]
    assert count == sum(1 for r in every if r["category"] == "policy")
    q1, q2 = site.quarters
    in_q2 = web.get("/cong-khai/du-lieu/tra-loi.json", params={"quy": str(q2)}).json()
    in_q1 = web.get("/cong-khai/du-lieu/tra-loi.json", params={"quy": str(q1)}).json()
    for quarter, listed in ((q1, in_q1), (q2, in_q2)):
        start, end = quarter.start(site.svc.zone), quarter.end(site.svc.zone)
        expected = {
            r["case_id"] for r in every if start <= datetime.fromisoformat(r["published_at"]) < end
        }
        assert {r["case_id"] for r in listed} == expected and expected
    # a search ignores case, with the diacritics of Vietnamese
    word = "THỦ TỤC"
    found = web.get("/cong-khai/tra-loi", params={"q": word}).text
    hits = int(re.search(r"(\d+) văn bản trả lời", found).group(1))  # type: ignore[union-attr]
    expected = sum(
        1 for r in every if word.casefold() in f"{r['title']}\n{r['content']}".casefold()
    )
    assert hits == expected > 0


def test_statistics_per_agency_and_quarter_match_the_report(site: Site, web: httpx.Client) -> None:
    q1, q2 = site.quarters
    figures = web.get(f"/cong-khai/du-lieu/thong-ke-{q2}.json").json()
    assert figures["quarter"] == str(q2)
    issued = web.get(f"/cong-khai/bao-cao/{q2}/bao-cao-{q2}.json")
    assert json.loads(issued.content)["agencies"] == figures["agencies"]
    agency = figures["agencies"][0]
    page = web.get("/cong-khai/thong-ke", params={"quy": str(q2), "co-quan": agency["organ_id"]})
    assert agency["name"] in page.text and "Qua các quý" in page.text
    assert q1.label in page.text  # the agency's history, quarter by quarter
    csv_file = web.get(f"/cong-khai/du-lieu/thong-ke-{q1}.csv")
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and b"on_time_rate" in csv_file.content


def test_bad_input_gets_a_page_in_vietnamese_and_open_data_a_problem(web: httpx.Client) -> None:
    missing = web.get("/cong-khai/tra-loi/999999")
    assert missing.status_code == 404 and "Không tìm thấy" in missing.text
    assert missing.headers["content-type"].startswith("text/html")
    bad = web.get("/cong-khai/tra-loi", params={"linh-vuc": "x"})
    assert bad.status_code == 422 and "không hợp lệ" in bad.text
    assert web.get("/cong-khai/thong-ke", params={"quy": "2019Q1"}).status_code == 404
    data = web.get("/cong-khai/du-lieu/thong-ke-2026Q5.json")
    assert data.status_code == 422 and data.json()["code"] == "INPUT_INVALID"


def test_the_operator_sees_the_masked_text_first_and_can_mask_more(site: Site) -> None:
    svc = site.svc
    with svc.store.unit_of_work() as uow:
        replied = [
            c.case.petition_id
            for pid in site.seeded.petitions
            for c in uow.cases.for_petition(pid)
            if c.case.state.value == "replied"
        ]
    petition_id = replied[0]
    preview = publication_preview(svc, petition_id, mask=("tiếp thu",))
    assert preview and all("tiếp thu" not in r.reply_text for r in preview)
    with httpx.Client(base_url=site.url, headers=OPERATOR, event_hooks=CHECKED) as api:
        shown = api.get(
            f"/v1/petitions/{petition_id}/publication", params={"mask": ["tiếp thu"]}
        ).json()
        assert [r["reply_text"] for r in shown["replies"]] == [r.reply_text for r in preview]
        assert api.get(f"/v1/petitions/{petition_id}/publication").status_code == 200
        assert httpx.get(f"{site.url}/v1/petitions/{petition_id}/publication").status_code == 401
        published = api.post(f"/v1/petitions/{petition_id}/publish", json={"mask": ["tiếp thu"]})
        assert published.status_code == 200
    with svc.store.unit_of_work() as uow:
        rows = [uow.public.get(r.case_id) for r in preview]
    assert all(row is not None and "tiếp thu" not in row.reply_text for row in rows)
    with pytest.raises(Exception, match="cannot be published"):
        publish_petition(svc, petition_id, actor="operator")  # once only


# -- in a real browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is not installed: make system-deps installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield chromium
        finally:
            chromium.close()


def test_in_a_browser_statistics_filter_and_a_reply_show_no_personal_data(
    site: Site, browser: object
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(  # type: ignore[attr-defined]
        java_script_enabled=False, locale="vi-VN"
    )
    page = context.new_page()
    texts: list[str] = []

    def shot(name: str) -> None:
        texts.append(page.inner_text("body"))
        page.screenshot(path=str(ARTIFACTS / f"public-{name}.png"), full_page=True)

    page.goto(f"{site.url}/cong-khai/thong-ke")
    assert "Thống kê kết quả xử lý" in page.inner_text("h1")
    shot("thong-ke")
    options = page.locator("select#co-quan option")
    name = options.nth(1).inner_text()
    page.select_option("select#co-quan", index=1)
    page.click("button[type=submit]")  # a plain GET form: no script needed
    assert name in page.inner_text("h1")
    assert page.locator("table").first.locator("tbody tr").count() == 1
    shot("thong-ke-co-quan")

    page.goto(f"{site.url}/cong-khai/tra-loi")
    shot("tra-loi")
    page.locator("ul.replies li a").first.click()
    assert re.search(r"/cong-khai/tra-loi/\d+$", page.url)
    proof = page.inner_text(".proof")
    assert "chữ ký số" in proof and re.search(r"[0-9a-f]{64}", proof)
    shot("tra-loi-chi-tiet")

    # a reply that had personal data planted in it
    with site.svc.store.unit_of_work() as uow:
        masked = uow.public.search(ReplyQuery(text="đã ẩn", limit=1)).items[0]
    page.goto(f"{site.url}/cong-khai/tra-loi/{masked.case_id}")
    assert "đã ẩn]" in page.inner_text("main")
    shot("tra-loi-da-an")

    phone = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 375, "height": 812}, java_script_enabled=False, is_mobile=True
    ).new_page()
    phone.goto(f"{site.url}/cong-khai/thong-ke")
    phone.screenshot(path=str(ARTIFACTS / "public-thong-ke-dien-thoai.png"), full_page=True)
    texts.append(phone.inner_text("body"))
    for text in texts:
        assert not leaked(site, text), leaked(site, text)
    context.close()
