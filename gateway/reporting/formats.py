"""The formats a report is issued in."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    PDF = "pdf"
    HTML = "html"
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"


MEDIA_TYPES: dict[Format, str] = {
    Format.PDF: "application/pdf",
    Format.HTML: "text/html; charset=utf-8",
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.JSON: "application/json",
}
