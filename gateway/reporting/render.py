"""A QuarterlyReport as bytes: JSON, CSV, XLSX, HTML and PDF, and the one-page press summary.

JSON and CSV are byte-for-byte reproducible from the report; the PDF too (reportlab's invariant
mode, dated at the report's ``computed_at``) before it is signed.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gateway.domain.reports import DEFINITIONS, AgencyFigures, QuarterlyReport
from gateway.errors import ConfigurationError
from gateway.reporting import charts
from gateway.reporting.formats import Format

SCHEMA = "pakn-quarterly-report-1"
PUBLIC_PATH = "/cong-khai/"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/truetype/noto"),
)
FONT_FILES = {
    "DejaVuSans": ("DejaVuSans.ttf", "NotoSans-Regular.ttf"),
    "DejaVuSans-Bold": ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf"),
}
AGENCY_COLUMNS = (
    "organ_id", "name", "transferred", "replied", "on_time", "late", "due", "on_time_rate",
    "on_time_low", "on_time_high", "reply_days_median", "reply_days_p90", "overdue_events",
    "overdue_backlog", "returns", "silent", "open_at_end",
)  # fmt: skip
CATEGORY_LABELS = {"conduct": "Hành vi", "policy": "Cơ chế, chính sách", "proposal": "Đề xuất"}
#: What people read for the codes in the report's breakdowns (a code without one is shown as is).
LABELS = {
    **CATEGORY_LABELS,
    "nguoidan": "qua Cổng người dân",
    "doanhnghiep": "qua Cổng doanh nghiệp",
    "agencies_returned": "nhiều cơ quan trả lại vì không thuộc thẩm quyền",
    "agencies_disagree": "ý kiến các cơ quan khác nhau",
    "repeat_after_reply": "phản ánh lặp lại sau khi đã trả lời",
    "government_authority": "thuộc thẩm quyền của Chính phủ, Thủ tướng",
}


def label(code: str) -> str:
    """The Vietnamese label of a category, a channel or an escalation reason."""
    return LABELS.get(code, code)


rl_config.invariant = True  # no random ids or wall-clock dates in the PDF
_pages = Environment(
    loader=PackageLoader("gateway.reporting", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(report: QuarterlyReport, fmt: Format) -> bytes:
    if fmt is Format.JSON:
        return json.dumps(as_data(report), ensure_ascii=False, indent=1).encode("utf-8")
    if fmt is Format.CSV:
        return render_csv_tables(report)["agencies.csv"]
    if fmt is Format.XLSX:
        return _xlsx(report)
    if fmt is Format.HTML:
        return _html(report, "report.html")
    return _pdf(report)


def render_press(report: QuarterlyReport, fmt: Format) -> bytes:
    """Thông cáo báo chí: one page with the headline figures and the named and commended
    agencies, and where the full report and the open data are."""
    if fmt is Format.HTML:
        return _html(report, "press.html")
    if fmt is Format.PDF:
        return _press_pdf(report)
    raise ValueError("the press summary is a PDF or an HTML page")


# -- machine formats ---------------------------------------------------------------------------


def as_data(report: QuarterlyReport) -> dict[str, Any]:
    """Every field of the report, JSON-ready (ISO 8601 times, the quarter as ``2026Q3``)."""
    data = dataclasses.asdict(report)
    data["quarter"] = str(report.quarter)
    return {"schema": SCHEMA, **_plain(data)}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def agency_row(a: AgencyFigures) -> dict[str, Any]:
    return {
        **{k: getattr(a, k) for k in AGENCY_COLUMNS if hasattr(a, k)},
        "reply_days_median": a.reply_days.median,
        "reply_days_p90": a.reply_days.p90,
    }


def render_csv_tables(report: QuarterlyReport) -> dict[str, bytes]:
    """``totals.csv``, ``agencies.csv``, ``named.csv``, ``commended.csv``: UTF-8 with a BOM (so
    that spreadsheet programs on Vietnamese Windows read the diacritics)."""
    totals = [
        (name, value)
        for name, value in dataclasses.asdict(report.totals).items()
        if not isinstance(value, dict)
    ]
    for group in ("received_by_channel", "received_by_category", "escalated_by_reason"):
        totals += [(f"{group}.{k}", v) for k, v in getattr(report.totals, group).items()]
    return {
        "totals.csv": _csv(["figure", "value"], totals),
        "agencies.csv": _csv(
            list(AGENCY_COLUMNS),
            [[agency_row(a)[c] for c in AGENCY_COLUMNS] for a in report.agencies],
        ),
        "named.csv": _csv(
            ["organ_id", "name", "rule"], [dataclasses.astuple(x) for x in report.named]
        ),
        "commended.csv": _csv(
            ["organ_id", "name", "rule"], [dataclasses.astuple(x) for x in report.commended]
        ),
    }


def _csv(header: list[str], rows: list[Any]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx(report: QuarterlyReport) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    summary.append([report.title])
    for name, value in dataclasses.asdict(report.totals).items():
        if isinstance(value, dict):
            for k, v in value.items():
                summary.append([f"{name}.{k}", v])
        else:
            summary.append([name, value])
    agencies = book.create_sheet("Cơ quan")
    agencies.append(list(AGENCY_COLUMNS))
    for a in report.agencies:
        agencies.append([agency_row(a)[c] for c in AGENCY_COLUMNS])
    for row in agencies.iter_rows(min_row=2, min_col=8, max_col=10):
        for cell in row:
            cell.number_format = "0.0%"
    for title, listing in (("Nêu tên", report.named), ("Biểu dương", report.commended)):
        sheet = book.create_sheet(title)
        sheet.append(["organ_id", "name", "rule"])
        for entry in listing:
            sheet.append(list(dataclasses.astuple(entry)))
    definitions = book.create_sheet("Định nghĩa")
    for name, sentence in (report.definitions or DEFINITIONS).items():
        definitions.append([name, sentence])
    book.properties.created = book.properties.modified = report.computed_at.replace(tzinfo=None)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- HTML ----------------------------------------------------------------------------------------


def _html(report: QuarterlyReport, template: str) -> bytes:
    page = _pages.get_template(template).render(
        r=report,
        label=label,
        definitions=report.definitions or DEFINITIONS,
        charts=[
            charts.to_svg(c(report))
            for c in (charts.on_time_chart, charts.backlog_chart, charts.handling_chart)
        ],
        pct=pct,
        days=days,
        local=_local,
        public_path=PUBLIC_PATH,
    )
    return page.encode("utf-8")


# -- PDF -----------------------------------------------------------------------------------------


def _fonts() -> None:
    for name, candidates in FONT_FILES.items():
        if name in pdfmetrics.getRegisteredFontNames():
            continue
        found = next((d / f for f in candidates for d in FONT_DIRS if (d / f).is_file()), None)
        if found is None:
            raise ConfigurationError(
                "no font with Vietnamese glyphs for the PDF report: install the Debian package "
                "fonts-dejavu-core (or fonts-noto-core)"
            )
        pdfmetrics.registerFont(TTFont(name, str(found)))
    # one family, so that <b> finds the bold face in a regular paragraph and a heading stays bold
    for bold, italic in ((1, 1), (0, 1), (1, 0), (0, 0)):  # the plain faces last: they name them
        addMapping("DejaVuSans", bold, italic, "DejaVuSans-Bold" if bold else "DejaVuSans")


def _styles() -> dict[str, ParagraphStyle]:
    _fonts()  # before any paragraph is made: a paragraph looks its font up when made
    base = ParagraphStyle("body", fontName="DejaVuSans", fontSize=9, leading=12)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9),
        "title": ParagraphStyle(
            "title", parent=base, fontName="DejaVuSans-Bold", fontSize=15, leading=19,
            alignment=1, spaceAfter=4,
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=1, spaceAfter=8),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName="DejaVuSans-Bold", fontSize=11, leading=14,
            spaceBefore=8, spaceAfter=4,
        ),
    }  # fmt: skip


def _table(rows: list[list[Any]], widths: list[float], *, font_size: float = 8) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "DejaVuSans", font_size),
                ("FONT", (0, 0), (-1, 0), "DejaVuSans-Bold", font_size),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _document(report: QuarterlyReport, story: list[Any], subject: str) -> bytes:
    out = io.BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.setFont("DejaVuSans", 7)
        canvas.drawString(15 * mm, 10 * mm, f"{report.title} — trang {doc.page}")

    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=report.title,
        author="Văn phòng Chính phủ — PAKN Gateway",
        subject=subject,
        creator="PAKN Gateway",
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _heading(report: QuarterlyReport, s: dict[str, ParagraphStyle], title: str) -> list[Any]:
    period = (
        f"Từ {_local(report.period_start)} đến hết ngày {report.quarter.last_day:%d/%m/%Y}; "
        f"số liệu tính đến {_local(min(report.computed_at, report.period_end), report)}"
    )
    story: list[Any] = [Paragraph(title, s["title"]), Paragraph(period, s["subtitle"])]
    if not report.closed:
        story.append(
            Paragraph(
                "<b>Số liệu tạm tính</b>: quý chưa kết thúc, số liệu còn thay đổi.", s["body"]
            )
        )
    return story


def _pdf(report: QuarterlyReport) -> bytes:
    s = _styles()
    t = report.totals
    story = _heading(report, s, report.title)
    story.append(Paragraph("1. Tổng hợp", s["h2"]))
    totals: list[list[Any]] = [
        ["Chỉ tiêu", "Số lượng"],
        ["Tiếp nhận", t.received],
        *[[f"  – {label(k)}", v] for k, v in t.received_by_channel.items()],
        *[[f"  – {label(k)}", v] for k, v in t.received_by_category.items()],
        ["Chuyển đến cơ quan (lượt)", t.transferred],
        ["Bị trả lại vì không thuộc thẩm quyền", t.returned],
        ["Chuyển lại cơ quan khác", t.rerouted],
        ["Có văn bản trả lời", t.replied],
        ["Công khai kết quả", t.published],
        ["Đưa lên VPCP / Chính phủ", t.escalated],
        *[[f"  – {label(k)}", v] for k, v in t.escalated_by_reason.items()],
        ["Phản ánh lặp lại sau khi đã trả lời", t.repeats],
        ["Còn chờ cơ quan trả lời cuối quý", t.open_at_end],
    ]
    story.append(_table(totals, [120 * mm, 40 * mm]))
    r = report.routing
    story.append(Paragraph("2. Thời gian xử lý của VPCP (không tính cho cơ quan nào)", s["h2"]))
    story.append(
        _table(
            [
                ["", "Số lượt", "Trung vị (ngày LV)", "Phân vị 90"],
                [
                    "Tiếp nhận → chuyển lần đầu",
                    r.first_transfer.count,
                    days(r.first_transfer.median),
                    days(r.first_transfer.p90),
                ],
                [
                    "Bị trả lại → chuyển lại",
                    r.reroute.count,
                    days(r.reroute.median),
                    days(r.reroute.p90),
                ],
                ["VPCP chưa chuyển cuối quý", r.waiting_at_end, "", ""],
            ],
            [70 * mm, 30 * mm, 40 * mm, 40 * mm],
        )
    )
    story.append(Paragraph("3. Kết quả của từng cơ quan", s["h2"]))
    header = [
        "Cơ quan", "Chuyển đến", "Trả lời", "Đúng hạn / đến hạn", "Tỷ lệ (KTC 95%)",
        "Ngày LV trung vị / P90", "Lần quá hạn", "Tồn quá hạn", "Trả lại", "Im lặng >20",
    ]  # fmt: skip
    rows: list[list[Any]] = [[Paragraph(h, s["small"]) for h in header]]
    ordered = sorted(report.agencies, key=lambda a: (a.on_time_rate is None, a.on_time_rate or 0))
    for a in ordered:
        rows.append(
            [
                Paragraph(f"{a.name}<br/>{a.organ_id}", s["small"]),
                a.transferred,
                a.replied,
                f"{a.on_time}/{a.due}",
                Paragraph(_rate(a), s["small"]),
                f"{days(a.reply_days.median)} / {days(a.reply_days.p90)}",
                a.overdue_events,
                a.overdue_backlog,
                a.returns,
                a.silent,
            ]
        )
    story.append(
        _table(
            rows,
            [
                42 * mm,
                15 * mm,
                13 * mm,
                17 * mm,
                24 * mm,
                20 * mm,
                13 * mm,
                12 * mm,
                11 * mm,
                12 * mm,
            ],
            font_size=7,
        )
    )
    for number, title, listing in (
        ("4", "Cơ quan bị nêu tên (chậm, né tránh)", report.named),
        ("5", "Cơ quan được biểu dương", report.commended),
    ):
        story.append(Paragraph(f"{number}. {title}", s["h2"]))
        if not listing:
            story.append(Paragraph("Không có cơ quan nào.", s["body"]))
        for entry in listing:
            story.append(
                Paragraph(
                    f"<b>{_x(entry.name)}</b> ({entry.organ_id}): {_x(entry.rule)}", s["body"]
                )
            )
    story.append(Paragraph("6. Phản ánh, kiến nghị có ích được biểu dương", s["h2"]))
    if not report.contributions:
        story.append(Paragraph("Không có.", s["body"]))
    for c in report.contributions:
        story.append(
            Paragraph(
                f"{label(c.category)}: {_x(c.title)} (chuyển {', '.join(c.agencies) or 'VPCP'})",
                s["body"],
            )
        )
    story.append(Paragraph("7. So sánh với quý trước", s["h2"]))
    names = {a.organ_id: a.name for a in report.agencies}
    change_rows: list[list[Any]] = [
        ["Cơ quan", "Đúng hạn (quý này / trước)", "Trả lời", "Tồn quá hạn"]
    ]
    for ch in report.changes:
        change_rows.append(
            [
                Paragraph(_x(names.get(ch.organ_id, ch.organ_id)), s["small"]),
                f"{pct(ch.on_time_rate)} / {pct(ch.previous_on_time_rate)}",
                f"{ch.replied} / {ch.previous_replied}",
                f"{ch.overdue_backlog} / {ch.previous_overdue_backlog}",
            ]
        )
    story.append(_table(change_rows, [70 * mm, 50 * mm, 30 * mm, 30 * mm], font_size=7))
    story.append(PageBreak())
    story.append(Paragraph("8. Biểu đồ", s["h2"]))
    for chart in (charts.on_time_chart, charts.backlog_chart, charts.handling_chart):
        story += [KeepTogether([chart(report)]), Spacer(1, 6 * mm)]
    story.append(PageBreak())
    story.append(Paragraph("Phụ lục: định nghĩa các chỉ tiêu", s["h2"]))
    for name, sentence in (report.definitions or DEFINITIONS).items():
        story.append(Paragraph(f"<b>{name}</b>: {_x(sentence)}", s["body"]))
    story.append(Spacer(1, 4 * mm))
    th = report.thresholds
    story.append(
        Paragraph(
            f"Ngưỡng áp dụng: ít nhất {th.min_petitions} hồ sơ đến hạn; nêu tên khi cận trên "
            f"dưới {pct(th.named_below)} hoặc từ {th.silent_named_from} hồ sơ im lặng; biểu "
            f"dương khi cận dưới từ {pct(th.commended_from)}; độ tin cậy {pct(th.confidence)}. "
            f"Lịch ngày làm việc: {report.calendar_version}.",
            s["body"],
        )
    )
    return _document(report, story, "Báo cáo quý")


def _press_pdf(report: QuarterlyReport, limit: int = 6) -> bytes:
    s = _styles()
    t = report.totals
    on_time = sum(a.on_time for a in report.agencies)
    due = sum(a.due for a in report.agencies)
    story = _heading(report, s, f"Thông cáo báo chí — {report.quarter.label}")
    story.append(
        Paragraph(
            f"Trong {report.quarter.label}, Văn phòng Chính phủ tiếp nhận <b>{t.received}</b> "
            f"phản ánh, kiến nghị của người dân và doanh nghiệp, chuyển <b>{t.transferred}</b> "
            f"lượt đến các bộ, ngành, địa phương; <b>{t.replied}</b> hồ sơ đã có văn bản trả "
            f"lời, tỷ lệ trả lời đúng hạn chung <b>{pct(on_time / due if due else None)}</b>; "
            f"<b>{t.open_at_end}</b> hồ sơ còn chờ trả lời cuối quý.",
            s["body"],
        )
    )
    for title, listing in (
        ("Cơ quan bị nêu tên", report.named),
        ("Cơ quan được biểu dương", report.commended),
    ):
        story.append(Paragraph(title, s["h2"]))
        for entry in listing[:limit]:
            story.append(Paragraph(f"<b>{_x(entry.name)}</b>: {_x(entry.rule)}", s["small"]))
        if len(listing) > limit:
            story.append(Paragraph(f"và {len(listing) - limit} cơ quan khác.", s["small"]))
        if not listing:
            story.append(Paragraph("Không có cơ quan nào.", s["small"]))
    story.append(Spacer(1, 4 * mm))
    story.append(
        Paragraph(
            f"Báo cáo đầy đủ (có chữ ký số của Văn phòng Chính phủ) và dữ liệu mở: "
            f"{PUBLIC_PATH}bao-cao/ và {PUBLIC_PATH}du-lieu/.",
            s["body"],
        )
    )
    return _document(report, story, "Thông cáo báo chí")


def _rate(a: AgencyFigures) -> str:
    if a.on_time_rate is None:
        return "—"
    return f"{pct(a.on_time_rate)} ({pct(a.on_time_low)}–{pct(a.on_time_high)})"


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".rstrip("0").rstrip(".")


def _local(moment: datetime, report: QuarterlyReport | None = None) -> str:
    """A date as people read it, in the report's time zone."""
    zone = report.period_start.tzinfo if report else moment.tzinfo
    return f"{moment.astimezone(zone):%d/%m/%Y}"


def _x(text: str) -> str:
    """Text for a reportlab Paragraph (its markup is XML-like)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
