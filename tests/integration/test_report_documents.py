"""Issued reports: a closed quarter's report is rendered in every format, the PDFs signed by the
gateway's key (PAdES) and the machine formats with a signed manifest of their digests; stored
once, audited, re-downloadable with the same bytes; the current quarter's is provisional and not
stored. Through the use case, the API (operator token) and the CLI, on both databases."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import func, select

from gateway.api.app import create_app
from gateway.clock import FixedClock
from gateway.domain.reports import Quarter
from gateway.errors import ErrorCode, IllegalTransition
from gateway.reporting.formats import Format
from gateway.reporting.manifest import check_manifest
from gateway.reporting.pdf_signature import validate_pdf
from gateway.service.reports import (
    file_name,
    issue_report,
    issued_reports,
    mark_useful,
    report_document,
)
from gateway.store import tables as t
from signing import DevPki
from tests.conftest import OPERATOR
from tests.helpers import cli_runner, query, served
from tests.report_seed import VN, seed


@pytest.fixture
def world(make_services, pki_dir: Path):
    clock = FixedClock(datetime.now(UTC))
    svc = make_services(clock=clock)
    seeded = seed(svc, clock, DevPki(pki_dir), per_quarter=25)
    return svc, clock, seeded


def audit_count(svc, action: str) -> int:
    [(count,)] = query(
        svc.store.engine,
        select(func.count()).select_from(t.audit_events).where(t.audit_events.c.action == action),
    )
    return int(count)


def poppler(tool: str, pdf: bytes, folder: Path, *args: str) -> str:
    """Run one of poppler-utils' tools on ``pdf`` (installed by make system-deps)."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: make system-deps installs poppler-utils")
    path = folder / "checked.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        [tool, str(path), *args], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def test_a_closed_quarter_is_issued_once_in_every_format_and_signed(
    world, pki_dir: Path, tmp_path: Path
):
    svc, _clock, seeded = world
    quarter = seeded.quarters[0]
    pdf = report_document(svc, quarter, Format.PDF, actor="operator")
    assert pdf.report_id and pdf.issued_by == "operator"
    stored = {(r.kind, r.format) for r in issued_reports(svc)}
    assert stored == {("report", f.value) for f in Format} | {("press", "pdf"), ("press", "html")}
    assert audit_count(svc, "report.issued") == 1
    # asking again, or issuing again, gives the same bytes and records nothing new
    again = report_document(svc, quarter, Format.PDF, actor="someone else")
    assert (again.body, again.report_id) == (pdf.body, pdf.report_id)
    assert issue_report(svc, quarter, actor="x")[("report", "pdf")].sha256 == pdf.sha256
    assert audit_count(svc, "report.issued") == 1

    roots = [x509.load_pem_x509_certificate(DevPki(pki_dir).ca_path.read_bytes())]
    check = validate_pdf(pdf.body, roots)
    assert check.intact and check.valid, check.detail
    tampered = bytearray(pdf.body)
    tampered[len(tampered) // 3] ^= 0x01
    assert not validate_pdf(bytes(tampered), roots).valid
    # and an independent validator (poppler's pdfsig) agrees; the text keeps its diacritics
    assert "Signature is Valid." in poppler("pdfsig", pdf.body, tmp_path)
    assert "Signature is Valid." not in poppler("pdfsig", bytes(tampered), tmp_path)
    text = poppler("pdftotext", pdf.body, tmp_path, "-")
    assert "kết quả tiếp nhận, xử lý phản ánh, kiến nghị" in text and "Phụ lục" in text
    press = report_document(svc, quarter, Format.PDF, kind="press", actor="x").body
    assert "Pages:           1" in poppler("pdfinfo", press, tmp_path)

    machine = {
        file_name(quarter, "report", f): report_document(svc, quarter, f, actor="x")
        for f in (Format.JSON, Format.CSV, Format.XLSX)
    }
    manifest = machine[file_name(quarter, "report", Format.JSON)].manifest
    assert manifest is not None
    files = {name: doc.body for name, doc in machine.items()}
    check_manifest(manifest, files, svc.trust.current().strict)
    changed = dict(files)
    changed[file_name(quarter, "report", Format.CSV)] += b"\n"
    with pytest.raises(Exception) as refused:
        check_manifest(manifest, changed, svc.trust.current().strict)
    assert getattr(refused.value, "code", None) == ErrorCode.DOCUMENT_TAMPERED


def test_the_current_quarter_is_provisional_and_never_stored(world):
    svc, clock, seeded = world
    current = seeded.quarters[1]
    clock.set(current.start(VN) + timedelta(days=40))  # back inside the second quarter
    document = report_document(svc, current, Format.JSON, actor="operator")
    assert document.report_id == ""
    assert json.loads(document.body)["closed"] is False
    with pytest.raises(IllegalTransition):
        issue_report(svc, current, actor="operator")
    assert issued_reports(svc) == []


def test_the_api_serves_reports_to_operators_only(world):
    svc, _clock, seeded = world
    quarter = str(seeded.quarters[0])
    with served(create_app(svc)) as client:
        assert client.get(f"/v1/reports/quarterly/{quarter}").status_code == 401
        answer = client.get(f"/v1/reports/quarterly/{quarter}?format=json", headers=OPERATOR)
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Report-Provisional"] == "false"
        body = answer.json()
        assert body["quarter"] == quarter and len(body["agencies"]) == 25
        rows = list(csv.DictReader(io.StringIO(
            client.get(f"/v1/reports/quarterly/{quarter}?format=csv", headers=OPERATOR)
            .content.decode("utf-8-sig")
        )))  # fmt: skip
        assert len(rows) == 25
        press = client.get(
            f"/v1/reports/quarterly/{quarter}?format=html&kind=press", headers=OPERATOR
        )
        assert press.status_code == 200 and "Thông cáo báo chí" in press.text
        bad = client.get("/v1/reports/quarterly/2026Q5", headers=OPERATOR)
        assert bad.status_code == 422 and bad.json()["code"] == "INPUT_INVALID"
        refused = client.get(
            f"/v1/reports/quarterly/{quarter}?format=xlsx&kind=press", headers=OPERATOR
        )
        assert refused.status_code == 422
        traced = client.get(
            f"/v1/reports/quarterly/{quarter}/explain",
            params={"agency": body["agencies"][0]["organ_id"], "figure": "transferred"},
            headers=OPERATOR,
        ).json()
        assert traced["count"] == body["agencies"][0]["transferred"] == len(traced["cases"])
        manifest = client.get(f"/v1/reports/quarterly/{quarter}/manifest", headers=OPERATOR)
        assert manifest.status_code == 200 and b"Signature" in manifest.content


def test_marking_a_petition_useful_is_audited_once_and_listed_without_personal_data(world):
    svc, _clock, seeded = world
    petition_id = seeded.petitions[0]
    with served(create_app(svc)) as client:
        first = client.post(
            f"/v1/petitions/{petition_id}/useful", json={"note": "có ích"}, headers=OPERATOR
        )
        second = client.post(f"/v1/petitions/{petition_id}/useful", headers=OPERATOR)
        missing = client.post("/v1/petitions/nope/useful", headers=OPERATOR)
    assert (first.json()["marked"], second.json()["marked"]) == (True, False)
    assert missing.status_code == 404
    assert mark_useful(svc, petition_id, actor="cli") is False
    events = query(
        svc.store.engine,
        select(t.audit_events.c.details).where(
            t.audit_events.c.action == "petition.marked_useful",
            t.audit_events.c.petition_id == petition_id,
        ),
    )
    assert len(events) == 1


def test_the_cli_writes_an_issued_report_and_traces_a_figure(tmp_path: Path, pki_dir: Path):
    cli = cli_runner(
        {"GATEWAY_HOME": str(tmp_path), "GATEWAY_PKI_DIR": str(pki_dir), "GATEWAY_DATABASE_URL": ""}
    )
    ended = Quarter.containing(datetime.now(UTC), VN).previous()
    target = tmp_path / "report.csv"
    first = cli("report", "quarterly", str(ended), "--format", "csv", "-o", str(target))
    assert "issued" in first.output and target.read_bytes().startswith(b"\xef\xbb\xbf")
    again = cli("report", "quarterly", str(ended), "--format", "csv", "-o", str(target))
    assert first.output == again.output  # the same bytes: the issued one
    explained = cli(
        "report", "explain", str(ended), "--agency", "000.00.00.G99", "--figure", "on_time",
        ok=False,
    )  # fmt: skip
    assert explained.exit_code == 1 and "NOT_FOUND" in explained.output
    bad = cli("report", "quarterly", "2026Q9", ok=False)
    assert bad.exit_code == 2 and "not a quarter" in bad.output
