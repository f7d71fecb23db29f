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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum

from gateway.domain.case import AWAITING_AGENCY
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
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )


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


# -- the facts a report is computed from ------------------------------------------------------


class EventKind(StrEnum):
    """The recorded events a report reads (each is an audit action; the store maps them)."""

    ROUTED = "routed"  # VPCP transferred the petition to an agency: a case begins
    RECEIVED_BY_AGENCY = "received_by_agency"  # delivered / acknowledged: the agency's clock
    CHANGED = "changed"  # the case moved to ``state`` (by the agency when ``by_agency``)
    RETURNED = "returned"  # the agency returned it as not competent
    OVERDUE = "overdue"  # a frozen OVERDUE event: a period ended without news
    ESCALATED = "escalated"  # the petition went up (``reason``)
    REROUTED = "rerouted"  # VPCP routed a returned petition again


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    kind: EventKind
    petition_id: str
    case_id: int | None = None
    organ_id: str | None = None
    state: str | None = None
    reason: str | None = None
    by_agency: bool = False


@dataclass(frozen=True)
class PetitionFact:
    petition_id: str
    category: str
    portal: str
    received_at: datetime


@dataclass(frozen=True)
class UsefulMark:
    petition_id: str
    category: str
    title: str
    marked_at: datetime


@dataclass
class CaseFact:
    """One case as of the cut-off, folded from its events."""

    case_id: int
    petition_id: str
    organ_id: str
    routed_at: datetime
    clock_start: datetime | None = None
    last_news: datetime | None = None
    replied_at: datetime | None = None
    published_at: datetime | None = None
    returned_at: datetime | None = None
    overdue: list[datetime] = field(default_factory=list)
    states: list[tuple[datetime, str]] = field(default_factory=list)

    def state_at(self, moment: datetime) -> str | None:
        """The case's state just before ``moment`` (None if it did not exist yet)."""
        if self.routed_at >= moment:
            return None
        current = "transferred"
        for at, state in self.states:
            if at >= moment:
                break
            current = state
        return current

    def awaiting_at(self, moment: datetime) -> bool:
        return self.state_at(moment) in AWAITING


AWAITING = frozenset(state.value for state in AWAITING_AGENCY)
_ENDED = frozenset({"returned", "revoked"})


def fold(events: list[CaseEvent], cutoff: datetime) -> dict[int, CaseFact]:
    """Every case as of ``cutoff`` (events at or after it are ignored), in event order."""
    cases: dict[int, CaseFact] = {}
    for event in events:
        if event.at >= cutoff:
            continue
        if event.kind is EventKind.ROUTED and event.case_id is not None and event.organ_id:
            cases.setdefault(
                event.case_id,
                CaseFact(event.case_id, event.petition_id, event.organ_id, event.at),
            )
            continue
        case = cases.get(event.case_id) if event.case_id is not None else None
        if case is None:
            continue
        if event.kind is EventKind.RECEIVED_BY_AGENCY or (
            event.kind is EventKind.CHANGED and event.by_agency
        ):
            case.clock_start = case.clock_start or event.at
        if event.kind is EventKind.CHANGED and event.state:
            case.states.append((event.at, event.state))
            if event.by_agency:
                case.last_news = event.at
            if event.state == "replied" and case.replied_at is None:
                case.replied_at = event.at
            if event.state == "published" and case.published_at is None:
                case.published_at = event.at
        elif event.kind is EventKind.RETURNED:
            case.returned_at = case.returned_at or event.at
        elif event.kind is EventKind.OVERDUE:
            case.overdue.append(event.at)
    return cases


# -- the figures -------------------------------------------------------------------------------


WorkingDays = Callable[[datetime, datetime], int]
"""Working days after the day of the first instant up to and including the day of the second."""


def classify(
    case: CaseFact, start: datetime, end: datetime, working_days: WorkingDays, period_days: int
) -> set[Figure]:
    """The per-agency figures ``case`` counts in for the window [start, end), as of ``end``.

    The one definition of each figure: the counts are the sizes of these sets, and ``report
    explain`` lists the cases in one of them, so a figure can always be traced to its cases."""
    figures: set[Figure] = set()
    if start <= case.routed_at < end:
        figures.add(Figure.TRANSFERRED)
    if case.returned_at is not None and start <= case.returned_at < end:
        figures.add(Figure.RETURNS)
    if any(start <= at < end for at in case.overdue):
        figures.add(Figure.OVERDUE_EVENTS)
    if case.replied_at is not None and start <= case.replied_at < end:
        figures.add(Figure.REPLIED)
        figures.add(Figure.DUE)
        late = any(at < case.replied_at for at in case.overdue)
        figures.add(Figure.LATE if late else Figure.ON_TIME)
    if case.awaiting_at(end):
        news = case.last_news or case.clock_start or case.routed_at
        if any(at > news for at in case.overdue):
            figures |= {Figure.OVERDUE_BACKLOG, Figure.DUE, Figure.LATE}
        if working_days(news, end) > period_days:
            figures.add(Figure.SILENT)
    return figures


def compute(
    quarter: Quarter,
    *,
    petitions: list[PetitionFact],
    events: list[CaseEvent],
    agencies: dict[str, str],
    useful: list[UsefulMark],
    now: datetime,
    zone: tzinfo,
    working_days: WorkingDays,
    calendar_version: str,
    thresholds: Thresholds = Thresholds(),
    mask: Callable[[str], str] = lambda text: text,
) -> QuarterlyReport:
    """The quarterly report from recorded events. ``mask`` removes personal data from the free
    text that reaches it (the contributions' titles)."""
    start, end = quarter.start(zone), quarter.end(zone)
    cutoff = min(now, end)
    cases = fold(events, cutoff)
    figures = _agency_figures(cases, agencies, start, cutoff, working_days, thresholds)
    previous = _agency_figures(
        fold(events, start),
        agencies,
        quarter.previous().start(zone),
        start,
        working_days,
        thresholds,
    )
    in_window = [e for e in events if start <= e.at < cutoff]
    received = [p for p in petitions if start <= p.received_at < cutoff]
    escalations = [e for e in in_window if e.kind is EventKind.ESCALATED]
    totals = Totals(
        received=len(received),
        received_by_channel=_count(p.portal for p in received),
        received_by_category=_count(p.category for p in received),
        transferred=sum(f.transferred for f in figures),
        returned=sum(f.returns for f in figures),
        rerouted=sum(1 for e in in_window if e.kind is EventKind.REROUTED),
        replied=sum(f.replied for f in figures),
        published=sum(
            1 for c in cases.values() if c.published_at and start <= c.published_at < cutoff
        ),
        escalated=len(escalations),
        escalated_by_reason=_count(e.reason or "" for e in escalations),
        repeats=sum(1 for e in escalations if e.reason == "repeat_after_reply"),
        open_at_end=sum(f.open_at_end for f in figures),
    )
    named, commended = rank(figures, thresholds)
    before = {f.organ_id: f for f in previous}
    return QuarterlyReport(
        quarter=quarter,
        title=(f"Báo cáo tình hình, kết quả tiếp nhận, xử lý phản ánh, kiến nghị {quarter.label}"),
        period_start=start,
        period_end=end,
        computed_at=now,
        closed=now >= end,
        calendar_version=calendar_version,
        thresholds=thresholds,
        totals=totals,
        agencies=tuple(figures),
        changes=tuple(
            Change(
                f.organ_id,
                f.on_time_rate,
                before[f.organ_id].on_time_rate,
                f.replied,
                before[f.organ_id].replied,
                f.overdue_backlog,
                before[f.organ_id].overdue_backlog,
            )
            for f in figures
        ),
        routing=_routing(petitions, cases, events, start, cutoff, working_days),
        named=named,
        commended=commended,
        contributions=_contributions(useful, cases, start, cutoff, mask),
        backlog=_backlog(cases, start, cutoff, zone),
        handling_days=_histogram(cases, start, cutoff, working_days),
        definitions=dict(DEFINITIONS),
    )


def _agency_figures(
    cases: dict[int, CaseFact],
    agencies: dict[str, str],
    start: datetime,
    end: datetime,
    working_days: WorkingDays,
    thresholds: Thresholds,
) -> list[AgencyFigures]:
    by_agency: dict[str, list[CaseFact]] = {organ_id: [] for organ_id in agencies}
    for case in cases.values():
        by_agency.setdefault(case.organ_id, []).append(case)
    result = []
    for organ_id, own in sorted(by_agency.items()):
        counts = dict.fromkeys(Figure, 0)
        reply_days = []
        open_at_end = 0
        for case in own:
            figures = classify(case, start, end, working_days, thresholds.period_days)
            for figure in figures:
                counts[figure] += 1
            if Figure.REPLIED in figures and case.replied_at is not None:
                reply_days.append(working_days(case.clock_start or case.routed_at, case.replied_at))
            open_at_end += case.awaiting_at(end)
        due, on_time = counts[Figure.DUE], counts[Figure.ON_TIME]
        interval = wilson(on_time, due, thresholds.confidence)
        result.append(
            AgencyFigures(
                organ_id=organ_id,
                name=agencies.get(organ_id, organ_id),
                transferred=counts[Figure.TRANSFERRED],
                replied=counts[Figure.REPLIED],
                on_time=on_time,
                late=counts[Figure.LATE],
                due=due,
                on_time_rate=on_time / due if due else None,
                on_time_low=interval[0] if interval else None,
                on_time_high=interval[1] if interval else None,
                reply_days=summarise(reply_days),
                overdue_events=counts[Figure.OVERDUE_EVENTS],
                overdue_backlog=counts[Figure.OVERDUE_BACKLOG],
                returns=counts[Figure.RETURNS],
                silent=counts[Figure.SILENT],
                open_at_end=open_at_end,
            )
        )
    return result


def rank(
    figures: list[AgencyFigures], thresholds: Thresholds
) -> tuple[tuple[Listing, ...], tuple[Listing, ...]]:
    """The named and commended lists, each agency with the rule (and its figures) that put it
    there. Only agencies with at least ``min_petitions`` petitions due are ranked."""
    named: list[tuple[float, Listing]] = []
    commended: list[tuple[float, Listing]] = []
    n = thresholds.min_petitions
    for f in figures:
        if f.due < n or f.on_time_rate is None:
            continue
        assert f.on_time_low is not None and f.on_time_high is not None
        rate = (
            f"tỷ lệ đúng hạn {_pct(f.on_time_rate)} ({f.on_time}/{f.due} hồ sơ đến hạn, "
            f"khoảng tin cậy {_pct(thresholds.confidence)}: {_pct(f.on_time_low)}–"
            f"{_pct(f.on_time_high)})"
        )
        if f.on_time_high < thresholds.named_below:
            rule = (
                f"Chậm trả lời: {rate}; cận trên {_pct(f.on_time_high)} dưới ngưỡng "
                f"{_pct(thresholds.named_below)}, với ít nhất {n} hồ sơ đến hạn."
            )
            named.append((f.on_time_high, Listing(f.organ_id, f.name, rule)))
        elif f.silent >= thresholds.silent_named_from:
            rule = (
                f"Né tránh, không có thông tin xử lý: {f.silent} hồ sơ quá "
                f"{thresholds.period_days} ngày làm việc không có thông tin (ngưỡng "
                f"{thresholds.silent_named_from}); {rate}."
            )
            named.append((1.0 + 1 / (1 + f.silent), Listing(f.organ_id, f.name, rule)))
        elif f.on_time_low >= thresholds.commended_from and f.silent == 0:
            rule = (
                f"Trả lời đúng hạn: {rate}; cận dưới {_pct(f.on_time_low)} đạt ngưỡng "
                f"{_pct(thresholds.commended_from)}, không có hồ sơ bị bỏ im lặng, với ít nhất "
                f"{n} hồ sơ đến hạn."
            )
            commended.append((-f.on_time_low, Listing(f.organ_id, f.name, rule)))
    return (
        tuple(listing for _, listing in sorted(named, key=lambda x: (x[0], x[1].organ_id))),
        tuple(listing for _, listing in sorted(commended, key=lambda x: (x[0], x[1].organ_id))),
    )


def _routing(
    petitions: list[PetitionFact],
    cases: dict[int, CaseFact],
    events: list[CaseEvent],
    start: datetime,
    end: datetime,
    working_days: WorkingDays,
) -> Routing:
    received = {p.petition_id: p.received_at for p in petitions}
    returns: dict[str, list[datetime]] = {}
    for event in events:
        if event.kind is EventKind.RETURNED and event.at < end:
            returns.setdefault(event.petition_id, []).append(event.at)
    first: list[int] = []
    again: list[int] = []
    by_petition: dict[str, list[CaseFact]] = {}
    for case in sorted(cases.values(), key=lambda c: (c.routed_at, c.case_id)):
        by_petition.setdefault(case.petition_id, []).append(case)
        if not start <= case.routed_at < end:
            continue
        earlier = [at for at in returns.get(case.petition_id, []) if at <= case.routed_at]
        if earlier:
            again.append(working_days(max(earlier), case.routed_at))
        elif case.petition_id in received:
            first.append(working_days(received[case.petition_id], case.routed_at))
    waiting = 0
    for petition_id, received_at in received.items():
        if received_at >= end:
            continue
        own = by_petition.get(petition_id, [])
        if not any(c.state_at(end) not in _ENDED for c in own):
            waiting += 1
    return Routing(summarise(first), summarise(again), waiting)


def _contributions(
    useful: list[UsefulMark],
    cases: dict[int, CaseFact],
    start: datetime,
    end: datetime,
    mask: Callable[[str], str],
) -> tuple[Contribution, ...]:
    agencies: dict[str, set[str]] = {}
    for case in cases.values():
        agencies.setdefault(case.petition_id, set()).add(case.organ_id)
    return tuple(
        Contribution(
            m.petition_id,
            m.category,
            mask(m.title),
            tuple(sorted(agencies.get(m.petition_id, ()))),
            m.marked_at,
        )
        for m in sorted(useful, key=lambda m: (m.marked_at, m.petition_id))
        if start <= m.marked_at < end
    )


def _backlog(
    cases: dict[int, CaseFact], start: datetime, end: datetime, zone: tzinfo
) -> tuple[Point, ...]:
    """Cases awaiting an answer at the end of each week (Sunday night) and at the cut-off."""
    moments = []
    moment = start + timedelta(days=(7 - start.astimezone(zone).weekday()) % 7 or 7)
    while moment < end:
        moments.append(moment)
        moment += timedelta(days=7)
    moments.append(end)
    return tuple(
        Point(
            (m - timedelta(days=1)).astimezone(zone).strftime("%d/%m"),
            float(sum(1 for c in cases.values() if c.awaiting_at(m))),
        )
        for m in moments
    )


HANDLING_BUCKETS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, 40), (41, None))


def _histogram(
    cases: dict[int, CaseFact], start: datetime, end: datetime, working_days: WorkingDays
) -> tuple[Point, ...]:
    days = [
        working_days(c.clock_start or c.routed_at, c.replied_at)
        for c in cases.values()
        if c.replied_at is not None and start <= c.replied_at < end
    ]
    points = []
    for low, high in HANDLING_BUCKETS:
        label = f"{low}–{high}" if high is not None else f"trên {low - 1}"
        count = sum(1 for d in days if d >= low and (high is None or d <= high))
        points.append(Point(label, float(count)))
    return tuple(points)


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items()))


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"
