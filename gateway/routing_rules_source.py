"""Routing rules from a TOML file (GATEWAY_ROUTING_RULES); none configured means none apply.

[[rule]]
name = "xây dựng"
category = "conduct"                              # optional: conduct | policy | proposal
keywords = ["giấy phép xây dựng", "xây dựng"]     # optional: any of them, accents ignored
agencies = ["000.00.00.G17"]
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from gateway.domain.petition import Category
from gateway.domain.routing_rules import RoutingRule
from gateway.errors import ConfigurationError


def parse_rules(text: bytes, source: str = "routing rules") -> tuple[RoutingRule, ...]:
    """Read rules; raises ConfigurationError naming the rule that is wrong."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"{source}: not valid TOML: {e}") from e
    rules = []
    for i, entry in enumerate(data.get("rule", []), start=1):
        where = f"{source}: rule {i}"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: must be a [[rule]] table")
        agencies = entry.get("agencies")
        if (
            not isinstance(agencies, list)
            or not agencies
            or not all(isinstance(a, str) and a.strip() for a in agencies)
        ):
            raise ConfigurationError(f'{where}: agencies = ["ORGAN_ID", …] is required')
        category = entry.get("category")
        if category is not None and category not in {c.value for c in Category}:
            raise ConfigurationError(f"{where}: unknown category {category!r}")
        keywords = entry.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ConfigurationError(f"{where}: keywords must be a list of strings")
        rules.append(
            RoutingRule(
                agencies=tuple(a.strip() for a in agencies),
                category=Category(category) if category else None,
                keywords=tuple(k for k in keywords if k.strip()),
                name=str(entry.get("name", f"rule {i}")),
            )
        )
    return tuple(rules)


@cache
def rules_from_file(path: str | None) -> tuple[RoutingRule, ...]:
    if path is None:
        return ()
    try:
        text = Path(path).read_bytes()
    except OSError as e:
        raise ConfigurationError(f"routing rules file {path}: {e.strerror}") from e
    return parse_rules(text, source=path)
