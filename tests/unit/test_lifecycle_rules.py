"""Pure lifecycle rules: escalation triggers, repeat detection on Vietnamese text, routing rules,
reminders, and their configuration."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.calendar_source import build_calendar
from gateway.config import Settings
from gateway.domain.deadlines import ClockPolicy, reminder_at, working_days_before
from gateway.domain.escalation import (
    EscalationLevel,
    EscalationReason,
    escalation,
    identity_key,
    is_repeat,
    normalise_text,
    returns_call_for_escalation,
    similarity,
)
from gateway.domain.petition import Category, Petition, Petitioner, PetitionerKind
from gateway.domain.routing_rules import route_by_rules
from gateway.errors import ConfigurationError
from gateway.routing_rules_source import parse_rules
from tests.conftest import utc

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = build_calendar()
TEXT = "Đề nghị xem xét sửa đổi quy định về thành phần hồ sơ cấp phép xây dựng."


def petition(title: str, content: str, category: Category = Category.POLICY) -> Petition:
    return Petition(
        "p-1",
        category,
        title,
        content,
        Petitioner(PetitionerKind.CITIZEN, "Nguyễn Văn Mẫu"),
        utc(2026, 3, 2),
    )


def test_one_agency_returning_is_routing_but_two_call_for_escalation():
    assert not returns_call_for_escalation(["000.00.00.G17"])
    assert not returns_call_for_escalation(["000.00.00.G17", "000.00.00.G17"])
    assert returns_call_for_escalation(["000.00.00.G17", "000.00.00.G18"])


def test_government_authority_is_the_higher_level():
    at = datetime(2026, 3, 2, tzinfo=VN)
    gov = escalation("p", EscalationReason.GOVERNMENT_AUTHORITY, detail="", raised_by="cli", at=at)
    returned = escalation("p", EscalationReason.AGENCIES_RETURNED, detail="", raised_by="gw", at=at)
    assert gov.level == EscalationLevel.GOVERNMENT > returned.level == EscalationLevel.VPCP


def test_vietnamese_text_is_compared_without_case_accents_or_punctuation():
    decomposed = unicodedata.normalize("NFD", "Phản ánh ĐƯỜNG xá")
    assert normalise_text(decomposed) == "phan anh duong xa"
    assert normalise_text("  PHAN   ánh, đường xá!! ") == "phan anh duong xa"


def test_a_reworded_repeat_is_similar_and_an_unrelated_petition_is_not():
    assert similarity(TEXT, TEXT.upper()) == 1.0
    assert is_repeat("Tôi tiếp tục " + TEXT.lower() + " Vì chưa được giải quyết.", TEXT, 0.8)
    assert not is_repeat("Cầu dân sinh ở thôn bị xuống cấp, đề nghị sửa chữa.", TEXT, 0.8)
    assert similarity("", TEXT) == 0.0


def test_the_similarity_threshold_is_respected():
    half = "Đề nghị xem xét sửa đổi quy định về đất đai nông nghiệp ở vùng cao."
    score = similarity(half, TEXT)
    assert 0 < score < 1
    assert is_repeat(half, TEXT, score) and not is_repeat(half, TEXT, score + 0.01)


def test_the_petitioner_key_is_a_hash_and_prefers_the_id_number():
    by_id = identity_key("citizen", "001 200 000 001", "Nguyễn Văn A", "0900")
    assert by_id == identity_key("citizen", "001200000001", "Other name", "0911")
    assert "001200000001" not in by_id and len(by_id) == 64
    assert identity_key("citizen", "", "Nguyễn Văn A", "0900 000 001") == identity_key(
        "citizen", "", "NGUYEN VAN A", "0900000001"
    )
    assert identity_key("citizen", "", "Nguyễn Văn A", "") is None


def test_a_reminder_falls_when_the_last_n_working_days_begin():
    # due Mon 30 Mar 2026; three working days left from Thu 26 Mar (Thu, Fri, Mon)
    assert working_days_before(CALENDAR, date(2026, 3, 30), 3) == date(2026, 3, 25)
    assert reminder_at(date(2026, 3, 30), ClockPolicy(reminder_days=3), CALENDAR, VN) == datetime(
        2026, 3, 26, 0, 0, tzinfo=VN
    )
    assert reminder_at(date(2026, 3, 30), ClockPolicy(reminder_days=0), CALENDAR, VN) is None


def test_counting_back_from_a_due_date_after_tet_skips_tet():
    assert working_days_before(CALENDAR, date(2026, 2, 23), 1) == date(2026, 2, 13)


RULES = """
[[rule]]
name = "xay dung"
keywords = ["giấy phép xây dựng"]
agencies = ["000.00.00.G17"]

[[rule]]
name = "y te"
category = "policy"
keywords = ["xét nghiệm", "bệnh viện"]
agencies = ["000.00.00.G18", "000.00.00.G17"]
""".encode()


def test_the_first_matching_routing_rule_wins_and_accents_do_not_matter():
    rules = parse_rules(RULES)
    assert route_by_rules(rules, petition("Cap giay phep xay dung cham", "…")).name == "xay dung"
    matched = route_by_rules(rules, petition("Phòng XÉT NGHIỆM tư nhân", "Điều kiện"))
    assert matched is not None and matched.agencies == ("000.00.00.G18", "000.00.00.G17")
    assert route_by_rules(rules, petition("Phòng xét nghiệm", "…", Category.CONDUCT)) is None
    assert route_by_rules(rules, petition("Đường xá", "hư hỏng")) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[[rule]]\nname = 'x'\n", "agencies"),
        (b"[[rule]]\nagencies = ['a']\ncategory = 'tax'\n", "unknown category"),
        (b"[[rule]]\nagencies = ['a']\nkeywords = 'x'\n", "keywords"),
        (b"[[rule\n", "not valid TOML"),
    ],
)
def test_a_broken_rules_file_is_a_configuration_error_naming_the_problem(text, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_rules(text)


def test_lifecycle_settings_come_from_the_environment_and_are_checked():
    settings = Settings.from_env(
        {
            "GATEWAY_REMINDER_DAYS": "5",
            "GATEWAY_REPEAT_SIMILARITY": "0.9",
            "GATEWAY_ROUTING_RULES": "/etc/rules.toml",
        }
    )
    assert (settings.reminder_days, settings.repeat_similarity, settings.routing_rules) == (
        5,
        0.9,
        "/etc/rules.toml",
    )
    assert Settings.from_env({"GATEWAY_REMINDER_DAYS": "0"}).reminder_days == 0
    for env in (
        {"GATEWAY_REMINDER_DAYS": "-1"},
        {"GATEWAY_REMINDER_DAYS": "20"},
        {"GATEWAY_REPEAT_SIMILARITY": "1.5"},
        {"GATEWAY_REPEAT_SIMILARITY": "x"},
    ):
        with pytest.raises(ConfigurationError):
            Settings.from_env(env)


def test_clearly_different_replies_disagree_and_reworded_ones_do_not():
    from gateway.domain.escalation import replies_disagree

    yes = "Nội dung đã được tiếp thu và xử lý theo quy định; sẽ sửa đổi thông tư trong quý III."
    assert not replies_disagree(yes, yes.upper().replace(";", ","))
    assert replies_disagree(yes, "Không thuộc thẩm quyền; đề nghị liên hệ Bộ Xây dựng.")
