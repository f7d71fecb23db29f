"""Quy tắc chuyển: optional routing rules, as data — which agencies a petition goes to by its
category and the words in it. The first rule that matches wins; no match leaves the petition in
VPCP's routing queue for an operator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.domain.escalation import normalise_text
from gateway.domain.petition import Category, Petition


@dataclass(frozen=True)
class RoutingRule:
    agencies: tuple[str, ...]
    category: Category | None = None
    keywords: tuple[str, ...] = ()
    """Any of these (Vietnamese text normalised) in the title or content; empty: any text."""
    name: str = ""

    def matches(self, petition: Petition) -> bool:
        if self.category is not None and petition.category != self.category:
            return False
        if not self.keywords:
            return True
        text = f" {normalise_text(petition.title + ' ' + petition.content)} "
        return any(f" {normalise_text(k)} " in text for k in self.keywords)


def route_by_rules(rules: Sequence[RoutingRule], petition: Petition) -> RoutingRule | None:
    return next((rule for rule in rules if rule.matches(petition)), None)
