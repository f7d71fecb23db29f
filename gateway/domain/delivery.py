"""Chuyển văn bản: one attempt-tracked delivery of an outbound document to an agency system.

queued → sending → delivered
            └→ retrying → sending …   (transient failure, capped exponential backoff)
            └→ failed                  (permanent failure or attempts exhausted; dead-lettered)
            └→ inbox → delivered       (pull agencies: waits in the agency's inbox until it
                                        acknowledges the document)
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    RETRYING = "retrying"
    DELIVERED = "delivered"
    FAILED = "failed"
    INBOX = "inbox"
    """In a pull agency's inbox, not yet acknowledged (hộp thư đến)."""


FINAL = frozenset({DeliveryState.DELIVERED, DeliveryState.FAILED})


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    case_id: int
    document_id: str
    organ_id: str
    state: DeliveryState
    attempts: int
    last_error: str | None = None
    failure_code: str | None = None
    delivered_at: datetime | None = None


def compute_backoff(
    attempt: int,
    *,
    base: float = 1.0,
    cap: float = 300.0,
    jitter: bool = True,
    rand: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1).

    Exponential (base · 2^(attempt-1)) capped at ``cap``; with jitter, a uniform draw from the
    upper half of that, so that many failing deliveries do not retry in lockstep.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    delay: float = min(cap, base * 2.0 ** min(attempt - 1, 30))
    if not jitter:
        return delay
    draw = (rand or random.Random()).random()  # noqa: S311 — jitter, not security
    return delay / 2 + draw * delay / 2
