"""A maintenance window: while one is open, intake and agency pushes are refused with 503 and
workers take no new work; everything already accepted waits, nothing is lost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Window:
    started_at: datetime
    started_by: str
    reason: str
