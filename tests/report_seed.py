"""A seeded data set for quarterly reports: thousands of petitions over two quarters across 25
agencies (fast, slow, silent, returning, and two with only 3 petitions), made through the real use
cases — intake, routing, the outbox relay and the worker, the pull inbox, signed status packages
and replies verified by the inbound use case, the deadline scheduler, re-routing, escalation,
publication, useful marks — with a clock the seed controls.

The two quarters are the two after the current one (the development PKI's certificates are valid
from the moment they were made, so the seed lives in the near future). Used by
``tests/integration/test_quarterly_report.py`` and ``bench/bench_quarterly_report.py``.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from gateway.clock import FixedClock
from gateway.domain.documents import BusinessDocType, StatusCode
from gateway.domain.petition import Category, Petitioner, PetitionerKind
from gateway.domain.reports import Quarter
from gateway.runtime.relay import OutboxRelay
from gateway.runtime.worker import Worker
from gateway.service import adapters, inbox
from gateway.service.admin import add_agency
from gateway.service.deadlines import tick_deadlines
from gateway.service.escalations import escalate_petition
from gateway.service.inbound import accept_document
from gateway.service.intake import NewPetition, submit_petition
from gateway.service.publication import publish_petition
from gateway.service.reports import mark_useful
from gateway.service.routing import route_petition
from gateway.service.services import Services
from schemas import edxml
from signing import DevPki, XmlSigner
from signing.pki import KeyType

VN = edxml.VN_TIME


@dataclass(frozen=True)
class Profile:
    """How an agency answers: a reply after ``days`` working days (uniform in the range) from
    its status 03, or never (``silent_share``); a share of its petitions returned as not
    competent."""

    name: str
    days: tuple[int, int]
    silent_share: float = 0.0
    return_share: float = 0.0
    weight: float = 1.0


FAST = Profile("fast", (2, 12))
GOOD = Profile("good", (4, 19))
MIXED = Profile("mixed", (8, 30))
SLOW = Profile("slow", (16, 45))
SILENT = Profile("silent", (22, 50), silent_share=0.5)
RETURNING = Profile("returning", (5, 15), return_share=0.45)
FEW = Profile("few", (30, 60), silent_share=1.0, weight=0.0)

NAMES = [
    "Bộ Xây dựng", "Bộ Tài chính", "Bộ Giáo dục và Đào tạo", "Bộ Y tế", "Bộ Công Thương",
    "Bộ Giao thông vận tải", "Bộ Tư pháp", "Bộ Nội vụ", "Bộ Tài nguyên và Môi trường",
    "Bộ Lao động - Thương binh và Xã hội", "Bộ Nông nghiệp và Phát triển nông thôn",
    "Bộ Kế hoạch và Đầu tư", "Bộ Thông tin và Truyền thông", "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ", "UBND thành phố Hà Nội", "UBND Thành phố Hồ Chí Minh",
    "UBND thành phố Đà Nẵng", "UBND tỉnh Nghệ An", "UBND tỉnh Thanh Hóa", "UBND tỉnh Đắk Lắk",
    "UBND tỉnh Quảng Ninh", "UBND tỉnh Cà Mau", "UBND tỉnh Hà Giang", "UBND tỉnh Điện Biên",
]  # fmt: skip
PROFILES = (
    [FAST] * 7 + [GOOD] * 5 + [MIXED] * 4 + [SLOW] * 4 + [SILENT] * 2 + [RETURNING] + [FEW] * 2
)
FEW_PETITIONS = 3
CATEGORIES = (Category.POLICY, Category.CONDUCT, Category.PROPOSAL)
TOPICS = (
    "thủ tục cấp giấy phép xây dựng", "thời gian giải quyết hồ sơ đất đai",
    "thái độ của cán bộ tiếp dân", "quy định về thành phần hồ sơ đăng ký kinh doanh",
    "phí kiểm định phương tiện", "chế độ bảo hiểm xã hội", "học phí trường công lập",
    "thủ tục hoàn thuế giá trị gia tăng", "cấp phép khai thác khoáng sản", "an toàn thực phẩm",
)  # fmt: skip


def organ_id(i: int) -> str:
    return f"000.00.{i + 10:02d}.G{i + 10:02d}"


@dataclass
class Seeded:
    """What was made (ids only: everything else is in the database)."""

    quarters: tuple[Quarter, Quarter]
    agencies: dict[str, Profile]
    petitions: list[str] = field(default_factory=list)
    few: tuple[str, ...] = ()
    seeder: Seeder | None = None
    """What made it (its agencies' signers can send more statuses and replies)."""
    planted: list[str] = field(default_factory=list)
    """Personal data written into titles, contents and replies (every tenth petition), which no
    public page, open-data file or report may show."""


class Seeder:
    def __init__(self, svc: Services, clock: FixedClock, pki: DevPki, *, seed: int = 17) -> None:
        self.svc, self.clock, self.pki = svc, clock, pki
        self.random = random.Random(seed)
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.counter = 0
        self.replies = 0
        self.relay = OutboxRelay(svc.store, svc.transport, clock)
        self.worker = Worker(svc, svc.transport, threads=1, queue_refresh_seconds=0)
        self.signers: dict[str, XmlSigner] = {}
        self.profiles: dict[str, Profile] = {}
        self.addressed: dict[str, str] = {}  # petition → how its reply addresses the petitioner

    # -- the world -----------------------------------------------------------------------------

    def agencies(self) -> None:
        now = datetime.now(UTC)
        for i, (name, profile) in enumerate(zip(NAMES, PROFILES, strict=True)):
            organ = organ_id(i)
            add_agency(self.svc, organ, name)
            adapters.add(self.svc, organ, "pull", {}, enabled=True)
            pair = self.pki.issue_key_pair(
                organ,
                name,
                not_before=now - timedelta(minutes=5),
                not_after=now + timedelta(days=700),
                key_type=KeyType.EC,  # fast to make and to sign with
            )
            self.signers[organ] = XmlSigner(pair)
            self.profiles[organ] = profile

    def at(self, moment: datetime, action: Callable[[], None]) -> None:
        self.counter += 1
        heapq.heappush(self.queue, (moment, self.counter, action))

    def run(self, until: datetime) -> None:
        """Run every planned action before ``until``, in time order, with the clock at its time."""
        while self.queue and self.queue[0][0] < until:
            moment, _, action = heapq.heappop(self.queue)
            self.clock.set(max(moment, self.clock.now()))
            action()
        self.clock.set(max(until, self.clock.now()))

    def working_day(self, start: datetime, days: int, hour: int) -> datetime:
        day = (
            self.svc.calendar.add_working_days(start.astimezone(VN).date(), days)
            if days
            else (start.astimezone(VN).date())
        )
        moment = datetime.combine(day, time(hour, self.random.randrange(60)), tzinfo=VN)
        return max(moment, start + timedelta(minutes=5))

    # -- planning ------------------------------------------------------------------------------

    def plan(self, quarter: Quarter, count: int, seeded: Seeded, *, few: bool) -> None:
        start, end = quarter.start(VN), quarter.end(VN)
        day = start.date()
        while day < end.date():  # the scheduler every morning
            self.at(datetime.combine(day, time(7, 0), tzinfo=VN), self._tick)
            day += timedelta(days=1)
        organs = [o for o, p in self.profiles.items() if p.weight > 0]
        weights = [
            self.profiles[o].weight * (1.5 if i % 3 == 0 else 1.0) for i, o in enumerate(organs)
        ]
        seconds = (end - start).total_seconds() - 3 * 86400
        for n in range(count):
            moment = start + timedelta(seconds=seconds * (n + self.random.random()) / count)
            organ = self.random.choices(organs, weights)[0]
            self.at(moment, self._submitter(seeded, len(seeded.petitions) + n, organ))
        if few:  # the agencies with three petitions in all, in the first quarter
            for organ in (o for o, p in self.profiles.items() if p is FEW):
                for k in range(FEW_PETITIONS):
                    moment = start + timedelta(days=5 + 20 * k, hours=3)
                    self.at(moment, self._submitter(seeded, 100_000 + k, organ))

    def _tick(self) -> None:
        tick_deadlines(self.svc)

    def _submitter(self, seeded: Seeded, n: int, organ: str) -> Callable[[], None]:
        def submit() -> None:
            routed_now = self.random.random() < 0.8
            kind = PetitionerKind.BUSINESS if n % 4 == 0 else PetitionerKind.CITIZEN
            topic = TOPICS[n % len(TOPICS)]
            name, id_number, phone, email = (
                f"Nguyễn Văn Gửi{n}",
                f"{n + 1_000_000:012d}",
                f"09{n:08d}",
                f"p{n}@example.vn",
            )
            title = f"Phản ánh về {topic} (lần {n})"
            content = (
                f"Kính gửi cơ quan có thẩm quyền, tôi phản ánh về {topic}, hồ sơ "
                f"mã {n:06d}, đề nghị xem xét giải quyết theo quy định."
            )
            if n % 10 == 0:  # personal data planted in the text, as petitioners do write it
                spaced = f"{phone[:4]} {phone[4:7]} {phone[7:]}"
                title = f"{title}, ông {name} gọi {spaced}"
                content += (
                    f" Tôi là {name}, CCCD {id_number}, nhà số {n} ngõ 12 phố Huế; điện "
                    f"thoại +84 {phone[1:4]} {phone[4:7]} {phone[7:]}, thư {email}."
                )
                seeded.planted += [name, id_number, phone, spaced, email, f"nhà số {n} ngõ 12"]
            submitted = submit_petition(
                self.svc,
                NewPetition(
                    category=CATEGORIES[n % 3],
                    title=title,
                    content=content,
                    petitioner=Petitioner(kind, name, id_number, phone, email),
                    portal="doanhnghiep" if kind is PetitionerKind.BUSINESS else "nguoidan",
                    route_to=(organ,) if routed_now else (),
                ),
            )
            pid = submitted.petition_id
            seeded.petitions.append(pid)
            if n % 10 == 0:
                self.addressed[pid] = f"ông {name} (điện thoại {phone}, thư {email})"
            if not routed_now:  # VPCP routes it itself, 1–3 working days later
                later = self.working_day(self.clock.now(), self.random.randint(1, 3), 9)
                self.at(later, lambda: self._route(pid, organ))
            else:
                self._delivered(pid, organ)
            roll = self.random.random()
            if roll < 0.01:
                self.at(
                    self.clock.now() + timedelta(hours=2),
                    lambda: escalate_petition(
                        self.svc,
                        pid,
                        "government_authority",
                        note="Thuộc thẩm quyền của Thủ tướng",
                        actor="operator",
                    ),
                )
            elif roll < 0.03:
                self.at(
                    self.clock.now() + timedelta(hours=3),
                    lambda: mark_useful(self.svc, pid, actor="operator", note="kiến nghị có ích"),
                )

        return submit

    def _route(self, pid: str, organ: str) -> None:
        route_petition(self.svc, pid, [organ], actor="operator")
        self._delivered(pid, organ)

    def _delivered(self, pid: str, organ: str) -> None:
        """Relay and worker put the transfer in the agency's inbox; the agency takes it within
        the day (its clock starts), and plans its answer."""
        while self.relay.run_once():
            pass
        while (received := self.svc.transport.receive(self.worker.queues(), timeout=0)) is not None:
            self.worker.handle(received)
        taken = self.clock.now() + timedelta(minutes=self.random.randint(20, 300))
        self.at(taken, lambda: self._take(pid, organ))

    def _take(self, pid: str, organ: str) -> None:
        waiting = inbox.inbox(self.svc, organ, caller=organ, limit=1000)
        for item in waiting:
            inbox.acknowledge(self.svc, item["document_id"], caller=organ)
        with self.svc.store.unit_of_work() as uow:
            case = next(
                c
                for c in uow.cases.for_petition(pid)
                if c.case.organ_id == organ and c.transfer_doc_key
            )
        key = case.transfer_doc_key
        assert key is not None
        profile = self.profiles[organ]
        self.send_status(organ, key, StatusCode.ACCEPTED, "Đã tiếp nhận")
        if self.random.random() < profile.return_share:
            when = self.working_day(self.clock.now(), self.random.randint(1, 3), 10)
            self.at(when, lambda: self._return(pid, organ, key))
            return
        if self.random.random() < profile.silent_share:
            return
        when = self.working_day(self.clock.now(), self.random.randint(*profile.days), 15)
        self.at(when, lambda: self._reply(pid, organ, key))

    def send_status(self, organ: str, key: str, code: StatusCode, description: str) -> None:
        """The agency ``organ`` sends a signed status package for the transfer ``key``."""
        package = edxml.StatusPackage(
            edxml.Organ(organ, organ_name=organ),
            edxml.ResponseFor(self.svc.organ_id, document_id=key),
            code,
            self.clock.now().astimezone(VN).replace(tzinfo=None, microsecond=0),
            description=description,
            staff_info=edxml.StaffInfo(department="Văn phòng", staff="Cán bộ đầu mối PAKN"),
        )
        root = edxml.encode_status(package)
        accept_document(self.svc, self.signers[organ].sign(root, edxml.header_of(root)))

    def _return(self, pid: str, organ: str, key: str) -> None:
        self.send_status(organ, key, StatusCode.REJECTED, "Không thuộc thẩm quyền giải quyết")
        others = [o for o, p in self.profiles.items() if p is FAST and o != organ]
        target = self.random.choice(others)
        later = self.working_day(self.clock.now(), self.random.randint(1, 2), 11)
        self.at(later, lambda: self._route(pid, target))

    def _reply(self, pid: str, organ: str, key: str) -> None:
        now = self.clock.now().astimezone(VN).replace(tzinfo=None, microsecond=0)
        me = edxml.Organ(organ, organ_name=organ, organization_in_charge=organ)
        self.replies += 1
        number = self.replies  # the agency's own register: one number per reply
        edoc = edxml.Edoc(
            from_=me,
            to=(edxml.Organ(self.svc.organ_id, organ_name="Văn phòng Chính phủ"),),
            document_id=f"{organ},{now:%Y/%m/%d},{number}/TL-PAKN",
            code_number=str(number),
            code_notation="TL-PAKN",
            promulgation_place="Hà Nội",
            promulgation_date=now.date(),
            document_type=edxml.DocumentType(type=1, type_detail=0, type_name="Công văn"),
            subject="Trả lời phản ánh, kiến nghị",
            content=f"Kính gửi {self.addressed.get(pid, 'ông/bà')}. Cơ quan đã xem xét nội dung "
            "phản ánh, kiến nghị và trả lời như sau: nội dung đã được tiếp thu và xử lý theo "
            "quy định.",
            signer=edxml.SignerInfo(
                competence="KT. BỘ TRƯỞNG", position="Thứ trưởng", full_name="Người ký"
            ),
            response_for=(edxml.ResponseFor(self.svc.organ_id, document_id=key),),
            trace=(edxml.TraceHeader(organ, now),),
            business=edxml.Business(BusinessDocType.NEW, reason="Văn bản trả lời"),
        )
        root = edxml.encode_edoc(edoc)
        accept_document(self.svc, self.signers[organ].sign(root, edxml.header_of(root)))
        if self.random.random() < 0.5:  # VPCP publishes half of the replies within a week
            later = self.working_day(self.clock.now(), self.random.randint(1, 5), 16)
            self.at(later, lambda: self._publish(pid))

    def _publish(self, pid: str) -> None:
        with self.svc.store.unit_of_work() as uow:
            states = {c.case.state.value for c in uow.cases.for_petition(pid)}
        if "replied" in states:
            publish_petition(self.svc, pid, actor="operator")


def first_quarters(now: datetime) -> tuple[Quarter, Quarter]:
    """The two quarters after the one containing ``now``."""
    first = Quarter.containing(now, VN).next()
    return first, first.next()


def seed(
    svc: Services,
    clock: FixedClock,
    pki: DevPki,
    *,
    per_quarter: int,
    between: Callable[[Seeded], None] = lambda _: None,
) -> Seeded:
    """Seed two quarters; ``between`` runs when the first has just ended (the clock at its end);
    the clock ends a day after the second. Returns what was made."""
    seeder = Seeder(svc, clock, pki)
    a, b = first_quarters(datetime.now(UTC))
    clock.set(a.start(VN) - timedelta(days=1))
    seeder.agencies()
    seeded = Seeded(
        (a, b),
        dict(seeder.profiles),
        few=tuple(o for o, p in seeder.profiles.items() if p is FEW),
        seeder=seeder,
    )
    seeder.plan(a, per_quarter, seeded, few=True)
    seeder.run(a.end(VN))
    between(seeded)
    seeder.plan(b, per_quarter, seeded, few=False)
    seeder.run(b.end(VN) + timedelta(days=1))
    return seeded


def seeded_services(
    home: Path, pki_dir: Path, *, per_quarter: int, **settings: object
) -> tuple[Services, FixedClock, Seeded]:
    """Services on a new SQLite database under ``home`` (the bootstrap token of the tests'
    ``OPERATOR``), seeded with ``per_quarter`` petitions a quarter; the clock a day after the
    second quarter."""
    from gateway.bootstrap import bootstrap
    from gateway.config import Settings
    from tests.conftest import OPERATOR_TOKEN

    config = Settings(
        home=home,
        pki_dir=pki_dir,
        database_url=f"sqlite:///{home / 'gateway.db'}",
        api_token=OPERATOR_TOKEN,
    ).with_(**settings)
    clock = FixedClock(datetime.now(VN))
    svc = bootstrap(config, clock=clock)
    return svc, clock, seed(svc, clock, DevPki(pki_dir), per_quarter=per_quarter)
