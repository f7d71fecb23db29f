"""Adapter kinds: how documents reach an agency, by name.

A kind either pushes each document through an :class:`~adapters.base.Adapter` (``rest``,
``soap``, and third-party kinds discovered through the ``gateway.adapters`` entry-point group), or
is the inbox mode (``pull``, built in): nothing is sent, the document waits in the agency's inbox
on the gateway. A kind that fails to import is listed as broken with its error; it breaks nothing
else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import entry_points
from typing import Any

from adapters import pull
from adapters.base import Adapter
from gateway.domain.circuit import BreakerSettings
from gateway.errors import InputInvalid

GROUP = "gateway.adapters"
MASK = "••••"


class DeliveryMode(StrEnum):
    PUSH = "push"
    """An adapter sends each document to the agency system."""
    INBOX = "inbox"
    """Nothing is sent: the document waits in the agency's inbox until it fetches it."""


@dataclass(frozen=True)
class Kind:
    name: str
    target: str
    adapter: type[Adapter] | None
    """The class that delivers; None for the inbox mode, and for a kind that did not load."""
    error: str | None = None
    mode: DeliveryMode = DeliveryMode.PUSH

    @property
    def broken(self) -> bool:
        return self.mode is DeliveryMode.PUSH and self.adapter is None

    @property
    def summary(self) -> str:
        """One line for ``gateway adapter kinds``."""
        if self.mode is DeliveryMode.INBOX:
            return pull.SUMMARY
        return self.adapter.summary if self.adapter is not None else ""

    def redact(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration with secrets masked, for display (every value, when the kind's
        code did not load and so cannot say which are secret)."""
        if self.adapter is not None:
            return self.adapter.redact(config)
        if self.mode is DeliveryMode.INBOX:
            return dict(config)  # a pull configuration holds no secret (its token is not in it)
        return {k: MASK for k in config}


PULL = Kind(pull.NAME, "adapters.pull", None, mode=DeliveryMode.INBOX)
BUILT_IN = {PULL.name: PULL}
"""Kinds that are modes of the gateway itself, not entry points (an older installation may still
declare ``pull`` as one: the built-in mode wins)."""


def discover() -> dict[str, Kind]:
    kinds: dict[str, Kind] = dict(BUILT_IN)
    for ep in entry_points(group=GROUP):
        if ep.name in BUILT_IN:
            continue
        try:
            loaded = ep.load()
            if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
                raise TypeError(f"{ep.value} is not an Adapter subclass")
            kinds[ep.name] = Kind(ep.name, ep.value, loaded)
        except Exception as e:  # a broken plugin must not break the gateway
            kinds[ep.name] = Kind(ep.name, ep.value, None, f"{type(e).__name__}: {e}")
    return kinds


class AdapterRegistry:
    """Kinds by name; their delivery mode; instances built from stored configuration."""

    def __init__(self, kinds: Mapping[str, Kind] | None = None, *, timeout: float = 10.0) -> None:
        self.kinds = dict(discover() if kinds is None else kinds)
        self.timeout = timeout

    def get(self, name: str) -> Kind:
        """The kind called ``name``.

        Raises:
            InputInvalid: no such kind is installed, or its code does not load.
        """
        kind = self.kinds.get(name)
        if kind is None:
            known = ", ".join(sorted(self.kinds)) or "none"
            raise InputInvalid(f"unknown adapter kind {name!r} (known: {known})")
        if kind.broken:
            raise InputInvalid(f"adapter kind {name!r} is broken: {kind.error}")
        return kind

    def is_inbox(self, name: str) -> bool:
        """Whether documents for this kind wait in the agency's inbox (False for a kind that is
        not installed or does not load: those are refused when they are built)."""
        kind = self.kinds.get(name)
        return kind is not None and kind.mode is DeliveryMode.INBOX

    def build(self, name: str, config: Mapping[str, Any]) -> Adapter:
        """An adapter instance for a push kind.

        Raises:
            InputInvalid: the kind is unknown, broken or the inbox mode, or the configuration
                is incomplete or wrong.
        """
        kind = self.get(name)
        if kind.adapter is None:
            raise InputInvalid(
                f"adapter kind {name!r} sends nothing: its documents wait in the agency's inbox"
            )
        return kind.adapter.from_config(config, timeout=self.timeout)

    def check(self, name: str, config: Mapping[str, Any]) -> str:
        """Check a configuration before it is saved: the circuit settings, the kind's own
        fields, and the agency system itself (for SOAP: the WSDL loads and has the operation).
        Returns a one-line diagnosis.

        Raises:
            InputInvalid: the kind or the configuration is not usable (named field, why).
        """
        kind = self.get(name)
        BreakerSettings.from_config(config)
        if kind.mode is DeliveryMode.INBOX:
            return pull.check_config(config)
        adapter = self.build(name, config)
        try:
            return adapter.check()
        finally:
            adapter.close()

    def redact(self, name: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration with secrets masked (every value for an unknown or broken kind)."""
        kind = self.kinds.get(name)
        return kind.redact(config) if kind is not None else {k: MASK for k in config}
