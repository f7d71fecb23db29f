"""The small policies the use cases follow, built once from the settings by
``gateway.bootstrap`` and held by :class:`~gateway.service.services.Services`.

A use case reads the policy it follows, never the whole ``Settings``: what it depends on is then
visible, and a test that changes a setting changes it through bootstrap, so the policy follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Identity:
    """Who the gateway is, in the documents it signs and the times it shows."""

    organ_id: str
    """Our OrganId (VPCP), the ``From`` of every transfer."""
    organ_name: str
    zone: ZoneInfo
    """The local time zone of dates in documents and working-day deadlines."""


@dataclass(frozen=True)
class DeliveryPolicy:
    """How hard the worker tries to hand a document to an agency system."""

    max_attempts: int
    """After this many failed attempts a transient failure becomes DELIVERY_EXHAUSTED."""
    retry_base_seconds: float
    retry_cap_seconds: float
    """The backoff between attempts grows from the base up to the cap."""
    adapter_timeout: float
    """How long one call to an agency system may take (a circuit probe holds twice that)."""


@dataclass(frozen=True)
class InboundPolicy:
    """What an inbound edXML document may be."""

    max_document_bytes: int
    """The largest document parsed."""
    clock_skew_seconds: int
    """How far an agency's clock may be off ours (gateway.domain.timestamps)."""


@dataclass(frozen=True)
class AccountPolicy:
    """How long a console session lives, and when logins are throttled."""

    session_hours: float
    login_max_failures: int
    """Failed logins for one user name within the window before even the right password is
    refused until the window has passed."""
    login_window_minutes: float


@dataclass(frozen=True)
class IntakePolicy:
    """What a petition from a portal is checked against."""

    portals: tuple[str, ...]
    """The portals a petition may come from."""
    repeat_similarity: float
    """How alike (0..1) a petition must be to an answered one to count as a repeat."""


@dataclass(frozen=True)
class RoutingPolicy:
    """How petitions nobody routed by hand find their agencies."""

    rules_file: str | None
    """A TOML file of routing rules, read when a petition is routed (None: route by hand)."""


@dataclass(frozen=True)
class SealPolicy:
    """When the head of the audit chain gets a new signed seal."""

    every_events: int
    """After this many unsealed events…"""
    every_minutes: float
    """…or this long after the last seal, whichever comes first."""
