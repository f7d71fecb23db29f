"""Adapter kinds, discovered through the ``gateway.adapters`` entry-point group.

A kind that fails to import is listed as broken with its error; it breaks nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from adapters.base import Adapter
from gateway.errors import InputInvalid

GROUP = "gateway.adapters"


@dataclass(frozen=True)
class Kind:
    name: str
    target: str
    adapter: type[Adapter] | None
    error: str | None = None

    @property
    def broken(self) -> bool:
        return self.adapter is None


def discover() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for ep in entry_points(group=GROUP):
        try:
            loaded = ep.load()
            if not (isinstance(loaded, type) and issubclass(loaded, Adapter)):
                raise TypeError(f"{ep.value} is not an Adapter subclass")
            kinds[ep.name] = Kind(ep.name, ep.value, loaded)
        except Exception as e:  # a broken plugin must not break the gateway
            kinds[ep.name] = Kind(ep.name, ep.value, None, f"{type(e).__name__}: {e}")
    return kinds


class AdapterRegistry:
    """Kinds by name, and instances built from stored configuration."""

    def __init__(self, kinds: Mapping[str, Kind] | None = None, *, timeout: float = 10.0) -> None:
        self.kinds = dict(discover() if kinds is None else kinds)
        self.timeout = timeout

    def kind(self, name: str) -> type[Adapter]:
        kind = self.kinds.get(name)
        if kind is None:
            known = ", ".join(sorted(self.kinds)) or "none"
            raise InputInvalid(f"unknown adapter kind {name!r} (known: {known})")
        if kind.adapter is None:
            raise InputInvalid(f"adapter kind {name!r} is broken: {kind.error}")
        return kind.adapter

    def build(self, name: str, config: Mapping[str, Any]) -> Adapter:
        return self.kind(name).from_config(config, timeout=self.timeout)
