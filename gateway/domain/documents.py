"""Document kinds exchanged over edXML (QCVN 102:2016) and their codes.

Văn bản điện tử (edoc), gói tin trạng thái (status package), biên nhận (receipt).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

VPCP_ORGAN_ID = "000.00.00.G22"
"""Văn phòng Chính phủ: the gateway's own OrganId."""

ORGAN_ID_PATTERN = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$")
"""Mã định danh ``ddd.dd.dd.Xdd``. Real traffic breaks it: warn, don't reject."""


def organ_id_is_standard(organ_id: str) -> bool:
    return bool(ORGAN_ID_PATTERN.match(organ_id))


class StatusCode(StrEnum):
    """Mã trạng thái xử lý văn bản (edXML StatusCode)."""

    ARRIVED = "01"  # đã đến: the e-office software received it
    REJECTED = "02"  # từ chối tiếp nhận: returned (e.g. not competent)
    ACCEPTED = "03"  # tiếp nhận, vào sổ: accepted and registered
    ASSIGNED = "04"  # phân công: assigned to a handler
    PROCESSING = "05"  # đang xử lý
    FINISHED = "06"  # hoàn thành
    RECALL_REQUESTED = "13"  # sender asks to recall (lấy lại)
    CHANGE_AGREED = "15"  # receiver agrees to update/recall
    CHANGE_REFUSED = "16"  # receiver refuses to update/recall


class BusinessDocType(IntEnum):
    """TraceHeaderList/Bussiness/BussinessDocType."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


class DocumentKind(StrEnum):
    """What a stored document is, as the gateway files it."""

    TRANSFER = "transfer"  # VPCP → agency: the petition as an edoc
    STATUS = "status"  # agency → VPCP: a status package
    REPLY = "reply"  # agency → VPCP: the signed reply edoc
    EDOC = "edoc"  # any other edoc (revoke/update/replace, …)
    RECEIPT = "receipt"  # a signed receipt (ours or an agency's)


class ReceiptOutcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Receipt:
    """Biên nhận: proof that ``receiver`` got the exact bytes whose SHA-256 is ``digest_sha256``."""

    receipt_id: str
    document_id: str
    sender: str
    receiver: str
    digest_sha256: str
    received_at: datetime
    outcome: ReceiptOutcome = ReceiptOutcome.ACCEPTED
    reason_code: str | None = None
    reason: str | None = None


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of exact bytes, as lowercase hex: how documents are identified and checked."""
    return hashlib.sha256(data).hexdigest()
