"""Báo cáo quý: the quarterly report on petitions received and handled, as data.

A report is computed from recorded events only (the audit chain's events up to the end of the
quarter: intake, routing, deliveries, the agencies' status information and replies, the frozen
OVERDUE events, returns, escalations, publication), never from the cases' current state: a
closed quarter gives the same figures every time it is computed, whatever happened since.

This module is pure: the store hands it the events (:class:`CaseEvent`, :class:`PetitionFact`),
it folds them into one :class:`CaseFact` per case as of the cut-off, and computes the figures
(:func:`compute`). Rendering (PDF, HTML, CSV, XLSX, JSON) is elsewhere; every figure a renderer
shows is a field here, with its one-sentence definition in :data:`DEFINITIONS`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from gateway.errors import InputInvalid

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter in the gateway's time zone (Vietnam): ``2026Q3`` is July–September."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text.strip())
        if match is None or not 2000 <= int(match.group(1)) <= 2999:
            raise InputInvalid(f"not a quarter: {text[:20]!r} (expected e.g. 2026Q3)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, moment: datetime, zone: tzinfo) -> Quarter:
        local = moment.astimezone(zone)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """``quý III năm 2026``."""
        return f"quý {ROMAN[self.number]} năm {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def start(self, zone: tzinfo) -> datetime:
        """The first instant of the quarter (midnight, Vietnam time)."""
        return datetime.combine(self.first_day, datetime.min.time(), tzinfo=zone)

    def end(self, zone: tzinfo) -> datetime:
        """The first instant after the quarter."""
        return self.next().start(zone)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


class Figure(StrEnum):
    """Per-agency figures that ``report explain`` can trace to the petitions behind them."""

    TRANSFERRED = "transferred"
    REPLIED = "replied"
    ON_TIME = "on_time"
    LATE = "late"
    DUE = "due"
    OVERDUE_EVENTS = "overdue_events"
    OVERDUE_BACKLOG = "overdue_backlog"
    RETURNS = "returns"
    SILENT = "silent"


@dataclass(frozen=True)
class Thresholds:
    """Who is named and who is commended (configuration; the README states the defaults).

    An agency is ranked only with at least ``min_petitions`` petitions due in the quarter, and on
    a confidence bound of its on-time rate (Wilson score, ``confidence`` two-sided), so that an
    agency with few petitions is never named or commended on noise: it is named when even the
    upper bound is below ``named_below``, commended when even the lower bound reaches
    ``commended_from``."""

    min_petitions: int = 10
    named_below: float = 0.60
    commended_from: float = 0.85
    silent_named_from: int = 5
    """Named as evasive with at least this many cases silent for more than the period."""
    confidence: float = 0.95
    period_days: int = 20


@dataclass(frozen=True)
class Stats:
    """Working days, summarised."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class AgencyFigures:
    organ_id: str
    name: str
    transferred: int
    """Cases transferred to the agency in the quarter (first transfers and re-routes)."""
    replied: int
    on_time: int
    late: int
    due: int
    """Cases whose answer fell due in the quarter: replied in it, or still unanswered at its end
    after a period ran out (the on-time rate's denominator)."""
    on_time_rate: float | None
    on_time_low: float | None
    on_time_high: float | None
    reply_days: Stats
    overdue_events: int
    overdue_backlog: int
    returns: int
    silent: int
    open_at_end: int


@dataclass(frozen=True)
class Change:
    """The agency's figures against the previous quarter."""

    organ_id: str
    on_time_rate: float | None
    previous_on_time_rate: float | None
    replied: int
    previous_replied: int
    overdue_backlog: int
    previous_overdue_backlog: int


@dataclass(frozen=True)
class Totals:
    received: int
    received_by_channel: dict[str, int]
    received_by_category: dict[str, int]
    transferred: int
    returned: int
    rerouted: int
    replied: int
    published: int
    escalated: int
    escalated_by_reason: dict[str, int]
    repeats: int
    open_at_end: int


@dataclass(frozen=True)
class Routing:
    """VPCP's own time: from intake (or a return) to the transfer, so that no agency is blamed
    for days it did not have the petition."""

    first_transfer: Stats
    reroute: Stats
    waiting_at_end: int
    """Petitions received but not transferred (or returned and not re-routed) at the end."""


@dataclass(frozen=True)
class Listing:
    """An agency in the named or commended list, with the rule that put it there."""

    organ_id: str
    name: str
    rule: str
    """The rule, in Vietnamese, with the agency's own figures (e.g. "tỷ lệ đúng hạn 41% …")."""


@dataclass(frozen=True)
class Contribution:
    """A petition VPCP marked as useful (commended), without personal data."""

    petition_id: str
    category: str
    title: str
    """Masked for personal data before it reaches the report."""
    agencies: tuple[str, ...]
    marked_at: datetime


@dataclass(frozen=True)
class Point:
    label: str
    value: float


@dataclass(frozen=True)
class QuarterlyReport:
    quarter: Quarter
    title: str
    """"Báo cáo tình hình, kết quả tiếp nhận, xử lý phản ánh, kiến nghị quý III năm 2026"."""
    period_start: datetime
    period_end: datetime
    computed_at: datetime
    closed: bool
    """The quarter had ended when the report was computed: its figures are final."""
    calendar_version: str
    thresholds: Thresholds
    totals: Totals
    agencies: tuple[AgencyFigures, ...]
    changes: tuple[Change, ...]
    routing: Routing
    named: tuple[Listing, ...]
    commended: tuple[Listing, ...]
    contributions: tuple[Contribution, ...]
    backlog: tuple[Point, ...]
    """Cases awaiting an agency's answer at the end of each week of the quarter."""
    handling_days: tuple[Point, ...]
    """How many replies took 0–5, 6–10, … working days from the agency's clock start."""
    definitions: dict[str, str] = field(default_factory=dict)


DEFINITIONS: dict[str, str] = {
    "received": "Số phản ánh, kiến nghị được tiếp nhận trên hệ thống trong quý.",
    "received_by_channel": "Số tiếp nhận theo cổng gửi: người dân (nguoidan), doanh nghiệp "
    "(doanhnghiep) và các cổng khác.",
    "received_by_category": "Số tiếp nhận theo loại: hành vi của cán bộ (conduct), cơ chế, chính "
    "sách, thủ tục (policy), đề xuất quy định mới (proposal).",
    "transferred": "Số lượt VPCP chuyển một phản ánh đến một cơ quan trong quý (kể cả chuyển lại).",
    "returned": "Số lượt cơ quan trả lại phản ánh vì không thuộc thẩm quyền trong quý.",
    "rerouted": "Số lượt VPCP chuyển lại cho cơ quan khác một phản ánh bị trả lại, trong quý.",
    "replied": "Số hồ sơ mà cơ quan gửi văn bản trả lời có chữ ký số trong quý.",
    "published": "Số hồ sơ có văn bản trả lời được VPCP công khai trong quý.",
    "escalated": "Số lượt phản ánh được đưa lên VPCP hoặc Chính phủ trong quý, theo lý do.",
    "repeats": "Số phản ánh tiếp nhận trong quý mà người gửi đã được trả lời về cùng nội dung.",
    "open_at_end": "Số hồ sơ còn chờ cơ quan trả lời vào thời điểm cuối quý.",
    "due": "Số hồ sơ đến hạn trả lời trong quý: đã trả lời trong quý, hoặc chưa trả lời mà đã "
    "quá hạn trước cuối quý.",
    "on_time": "Số hồ sơ được trả lời trong quý mà trước khi trả lời không có lần quá hạn nào "
    "(không có kỳ 20 ngày làm việc nào kết thúc mà không có thông tin xử lý).",
    "late": "Số hồ sơ đến hạn trong quý mà không trả lời đúng hạn.",
    "on_time_rate": "Tỷ lệ đúng hạn = số trả lời đúng hạn / số hồ sơ đến hạn, kèm khoảng tin cậy "
    "Wilson 95% (cận dưới – cận trên).",
    "reply_days": "Số ngày làm việc từ khi cơ quan nhận hồ sơ (đồng hồ của chính cơ quan) đến "
    "khi có văn bản trả lời: trung vị và phân vị 90.",
    "overdue_events": "Số lần quá hạn được ghi nhận trong quý (mỗi kỳ 20 ngày làm việc kết "
    "thúc mà không có thông tin xử lý là một lần).",
    "overdue_backlog": "Số hồ sơ chưa trả lời và đang quá hạn vào cuối quý.",
    "silent": "Số hồ sơ chưa trả lời mà hơn 20 ngày làm việc không có thông tin xử lý nào, "
    "tính đến cuối quý.",
    "routing": "Thời gian của VPCP: số ngày làm việc từ khi tiếp nhận (hoặc bị trả lại) đến khi "
    "chuyển cho cơ quan; không tính cho cơ quan nào.",
    "waiting_at_end": "Số phản ánh VPCP chưa chuyển (hoặc bị trả lại chưa chuyển lại) vào cuối "
    "quý.",
    "named": "Cơ quan bị nêu tên: có ít nhất N hồ sơ đến hạn và cận trên của tỷ lệ đúng hạn "
    "dưới ngưỡng, hoặc có nhiều hồ sơ không có thông tin quá 20 ngày làm việc.",
    "commended": "Cơ quan được biểu dương: có ít nhất N hồ sơ đến hạn, cận dưới của tỷ lệ "
    "đúng hạn đạt ngưỡng và không có hồ sơ nào bị bỏ im lặng.",
    "contributions": "Phản ánh, kiến nghị được VPCP đánh giá là có ích (không kèm thông tin cá "
    "nhân của người gửi).",
    "backlog": "Số hồ sơ chờ cơ quan trả lời vào cuối mỗi tuần của quý.",
    "handling_days": "Phân bố số ngày làm việc để trả lời của các hồ sơ được trả lời trong quý.",
}


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (None without trials)."""
    if trials <= 0:
        return None
    z = _z(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def _z(confidence: float) -> float:
    """The two-sided normal quantile for ``confidence`` (bisection on erf: no SciPy needed)."""
    target = 1 - (1 - confidence) / 2
    low, high = 0.0, 10.0
    for _ in range(80):
        mid = (low + high) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < target:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def percentile(values: list[int] | list[float], q: float) -> float | None:
    """The ``q`` quantile (0–1) by linear interpolation between closest ranks (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def summarise(values: list[int]) -> Stats:
    return Stats(len(values), percentile(values, 0.5), percentile(values, 0.9))
