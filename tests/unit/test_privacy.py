"""Masking personal data before publication: a corpus of petitions and replies with planted
personal data (citizen IDs, old IDs, phones, e-mails, house-number addresses, the petitioner's
own name), none of which may survive; and text that is not personal data, which must."""

from __future__ import annotations

import itertools
import re

import pytest

from gateway.domain.privacy import LABELS, Kind, find, mask

# (text, the planted values that must not survive)
CORPUS: list[tuple[str, tuple[str, ...]]] = [
    ("Tôi tên Nguyễn Văn An, CCCD 001089012345, phản ánh về thủ tục cấp phép.", ("001089012345",)),
    ("Số CMND của tôi là 012345678, đề nghị xem xét.", ("012345678",)),
    ("Liên hệ: 0912345678 hoặc 0912 345 678.", ("0912345678", "0912 345 678")),
    ("Điện thoại +84 912 345 678, gọi giờ hành chính.", ("+84 912 345 678", "912 345 678")),
    ("ĐT: +84912345678.", ("+84912345678", "912345678")),
    ("Số máy bàn 024 3823 4567 của gia đình.", ("024 3823 4567", "3823 4567")),
    ("Gọi 028.3829.5555 để xác minh.", ("028.3829.5555",)),
    ("Số di động 098-765-4321.", ("098-765-4321",)),
    ("Thư điện tử: nguyen.van.an@gmail.com.", ("nguyen.van.an@gmail.com",)),
    ("Gửi về an.nguyen+pakn@congty.com.vn giúp tôi.", ("an.nguyen+pakn@congty.com.vn",)),
    ("Nhà tôi ở số 12 ngõ 34 phố Huế, quận Hai Bà Trưng.", ("12 ngõ 34", "phố Huế")),
    ("Địa chỉ: số nhà 15A, đường Lê Lợi, phường Bến Nghé.", ("15A", "Lê Lợi")),
    ("Tôi sống tại 12/3 đường Nguyễn Trãi, Thanh Xuân.", ("12/3", "Nguyễn Trãi")),
    ("Nhà số 7 hẻm 45 Trần Hưng Đạo bị ngập.", ("Nhà số 7", "hẻm 45")),
    ("Ngõ 102 Trường Chinh ngập nặng sau mưa.", ("Ngõ 102",)),
    ("Cửa hàng tại 45 phố Hàng Bạc bị thu giấy phép.", ("45 phố Hàng Bạc",)),
    ("Tổ 5 thôn Đông, xã Yên Sở: số nhà 88 bị lấn chiếm.", ("số nhà 88",)),
    ("Kiệt 12 Lê Duẩn, Đà Nẵng.", ("Kiệt 12",)),
    ("Ông Trần Văn Bình (CCCD 079 201 003456) phản ánh.", ("079 201 003456", "003456")),
    ("Mã số định danh 0010 8901 2345 không tra cứu được.", ("0010 8901 2345",)),
    ("CMND cũ: 025 123 456.", ("025 123 456",)),
    (
        "Doanh nghiệp, người đại diện Lê Thị Hoa, email hoa.le@dn.vn, SĐT 0987654321.",
        ("hoa.le@dn.vn", "0987654321"),
    ),
    ("Số điện thoại (+84) 24 3823 4567 của công ty.", ("24 3823 4567",)),
    ("Vui lòng liên lạc 84 912 345 678.", ("912 345 678",)),
    ("Cán bộ xã gọi vào số 0356789012 đòi tiền.", ("0356789012",)),
    ("Tôi đã gửi đơn, mã hồ sơ 123456789012 bị mất.", ("123456789012",)),
    ("Căn cước 038095001234; CMND 172345678.", ("038095001234", "172345678")),
    ("e-mail: PHAN.ANH@Example.ORG", ("PHAN.ANH@Example.ORG",)),
    ("Địa chỉ số 20 ngách 5/12 ngõ 100 đường Láng.", ("20 ngách", "5/12", "đường Láng")),
    ("Số 3 tổ dân phố 7, phường Phú Thượng.", ("Số 3 tổ dân phố 7",)),
    # replies
    ("UBND phường đã làm việc với ông Nguyễn Văn An (0912345678) tại trụ sở.", ("0912345678",)),
    ("Kính gửi ông An, số 12 ngõ 34 phố Huế: Sở đã kiểm tra.", ("12 ngõ 34",)),
    ("Trả lời bà Lê Thị Hoa (hoa.le@dn.vn): hồ sơ đã được giải quyết.", ("hoa.le@dn.vn",)),
    ("Theo CCCD số 001089012345 do ông cung cấp, Sở đã tra cứu.", ("001089012345",)),
    (
        "Đề nghị ông liên hệ số 0243.8234.567 hoặc đến 25 đường Trần Phú.",
        ("0243.8234.567", "25 đường Trần Phú"),
    ),
    ("Sở đã gọi điện tới 0912.345.678 nhưng không liên lạc được.", ("0912.345.678",)),
    ("Hồ sơ của ông (CMND 012345678) đã được chuyển Công an huyện.", ("012345678",)),
    ("Cơ quan đã mời bà đến làm việc; mọi thắc mắc gửi hoa@gmail.com.", ("hoa@gmail.com",)),
    ("Cơ sở tại số nhà 9 đường 3/2 quận 10 đã bị xử phạt.", ("số nhà 9", "đường 3/2")),
    ("Hộ gia đình tại hẻm 221 Lý Thường Kiệt được hỗ trợ.", ("hẻm 221",)),
    ("Thửa đất của ông tại 117/4B đường Cách Mạng Tháng Tám.", ("117/4B", "Cách Mạng Tháng Tám")),
    ("Ông gọi 1900 1234? Không, số riêng là 0901234567.", ("0901234567",)),
]

# text that is not personal data and must be published as written
KEPT = [
    "Căn cứ Nghị định số 15/2020/NĐ-CP ngày 03/02/2020 của Chính phủ.",
    "Quyết định số 123/QĐ-UBND ngày 12/03/2026.",
    "Mức phạt 1.500.000 đồng; tổng 100.000.000 đồng.",
    "Trong năm 2026, 20 ngày làm việc là thời hạn.",
    "Điều 5 khoản 2 Luật Tiếp công dân 2013.",
    "Tổng đài 1022 hỗ trợ người dân.",
    "Công văn số 4567/BTC-TCT.",
]


@pytest.mark.parametrize(("text", "planted"), CORPUS)
def test_no_planted_personal_data_survives(text: str, planted: tuple[str, ...]) -> None:
    masked = mask(text)
    for value in planted:
        assert value.lower() not in masked.lower(), (text, masked)
    digits = re.sub(r"\D", "", masked)
    for value in planted:  # nor its digits written together
        run = re.sub(r"\D", "", value)
        if len(run) >= 7:
            assert run not in digits, (text, masked)
    assert "[" in masked and "ẩn]" in masked


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_data_is_kept(text: str) -> None:
    assert mask(text) == text


def test_the_petitioners_own_identity_is_masked_wherever_it_occurs() -> None:
    text = "Tôi là NGUYỄN VĂN AN, phản ánh việc cán bộ gọi Nguyễn Văn An ra phường."
    masked = mask(text, known=("Nguyễn Văn An", "", "ab"))
    assert "an" not in masked.lower().split("[đã ẩn]")[0][-3:]
    assert "nguyễn văn an" not in masked.lower()
    assert masked.count(LABELS[Kind.KNOWN]) == 2


def test_findings_name_their_kind_and_do_not_overlap() -> None:
    text = "Gọi 0912345678, thư a.b@c.vn, CCCD 001089012345, số nhà 5 đường Láng."
    kinds = [f.kind for f in find(text)]
    assert kinds == [Kind.PHONE, Kind.EMAIL, Kind.ID_NUMBER, Kind.ADDRESS]
    spans = find(text)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_masking_is_idempotent() -> None:
    once = mask(CORPUS[0][0] + " " + CORPUS[10][0])
    assert mask(once) == once
