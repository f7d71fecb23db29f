"""The report's three charts as reportlab Drawings: the same drawing goes into the PDF and, as SVG,
into the HTML page."""

from __future__ import annotations

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors

from gateway.domain.reports import QuarterlyReport

FONT = "DejaVuSans"
WIDTH = 480


def on_time_chart(report: QuarterlyReport) -> Drawing:
    """On-time rate per agency (agencies with petitions due), the naming threshold as a line."""
    rows = sorted(
        (a for a in report.agencies if a.on_time_rate is not None),
        key=lambda a: (a.on_time_rate or 0.0, a.organ_id),
    )
    height = 40 + 13 * max(len(rows), 1)
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 190, 20, WIDTH - 210, height - 40
    chart.data = [[round((a.on_time_rate or 0.0) * 100, 1) for a in rows] or [0]]
    chart.categoryAxis.categoryNames = [_short(a.name) for a in rows] or ["—"]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#2f6f9f")
    chart.barSpacing = 1
    drawing.add(chart)
    threshold = chart.x + chart.width * report.thresholds.named_below
    drawing.add(Line(threshold, chart.y, threshold, chart.y + chart.height, strokeColor=colors.red))
    drawing.add(_title(f"Tỷ lệ trả lời đúng hạn theo cơ quan (%), ngưỡng nêu tên "
                       f"{report.thresholds.named_below:.0%}", height))  # fmt: skip
    return drawing


def backlog_chart(report: QuarterlyReport) -> Drawing:
    return _bars(
        "Hồ sơ chờ cơ quan trả lời vào cuối mỗi tuần",
        [p.label for p in report.backlog],
        [p.value for p in report.backlog],
        colors.HexColor("#b5651d"),
    )


def handling_chart(report: QuarterlyReport) -> Drawing:
    return _bars(
        "Phân bố số ngày làm việc để trả lời",
        [p.label for p in report.handling_days],
        [p.value for p in report.handling_days],
        colors.HexColor("#3a7d44"),
    )


def to_svg(drawing: Drawing) -> str:
    svg = str(renderSVG.drawToString(drawing))
    return svg[svg.index("<svg") :]  # the element only: it goes inline in a page


def _bars(title: str, labels: list[str], values: list[float], colour: colors.Color) -> Drawing:
    height = 190
    drawing = Drawing(WIDTH, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, WIDTH - 60, height - 60
    chart.data = [values or [0.0]]
    chart.categoryAxis.categoryNames = labels or ["—"]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6.5
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colour
    drawing.add(chart)
    drawing.add(_title(title, height))
    return drawing


def _title(text: str, height: float) -> String:
    return String(WIDTH / 2, height - 12, text, fontName=FONT, fontSize=9, textAnchor="middle")


def _short(name: str) -> str:
    return name if len(name) <= 34 else name[:33] + "…"
