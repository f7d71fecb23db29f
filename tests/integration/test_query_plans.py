"""Every query the API, relay, worker and scheduler make can use an index on PostgreSQL.

The whole flow runs on PostgreSQL (petitions in, transfers out, statuses, replies and receipts
back, listings and filters, documents, a deadline scheduler pass); every statement it sends is
captured with its parameters and explained with sequential scans priced out
(``enable_seqscan = off``). A plan that still filters a table row by row has no index to use: on
a national log of millions of petitions that query would read them all. Tables that hold
configuration (a few rows per agency) are allowed to be scanned.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from gateway.runtime.scheduler import DeadlineScheduler
from gateway.runtime.up import Running
from tests.helpers import wait_until
from tests.integration.test_petition_flow import replied, submit

SMALL_TABLES = frozenset(
    {
        "agencies",
        "adapters",
        "adapter_circuits",
        "audit_chain_head",
        "alembic_version",
        "agency_tokens",
    }
)
"""Configuration: a handful of rows per agency, scanned cheaply however many petitions come."""


@pytest.fixture
def db_url(pg_url: str) -> str:
    return pg_url


@pytest.fixture
def statements(gateway: Running) -> Iterator[dict[str, Any]]:
    """Every SELECT, UPDATE and DELETE the running gateway sends, one example per statement."""
    seen: dict[str, Any] = {}

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
    ) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in {"SELECT", "UPDATE", "DELETE", "WITH"} and not executemany:
            seen.setdefault(statement, parameters)

    event.listen(gateway.svc.store.engine, "before_cursor_execute", capture)
    yield seen
    event.remove(gateway.svc.store.engine, "before_cursor_execute", capture)


def scans_without_index(plan: dict[str, Any]) -> Iterator[str]:
    if (
        plan.get("Node Type") == "Seq Scan"
        and "Filter" in plan
        and plan["Relation Name"] not in SMALL_TABLES
    ):
        yield f"{plan['Relation Name']} (filter {plan['Filter']})"
    for child in plan.get("Plans", ()):
        yield from scans_without_index(child)


def test_every_query_of_the_running_gateway_can_use_an_index(gateway, api, statements):
    petitions = [submit(api, i) for i in range(3)]
    for petition in petitions:
        wait_until(lambda p=petition: replied(api, p["id"]), what="the reply")
    for query in ("", "?status=replied", "?escalated=true", "?overdue=true"):
        assert api.get(f"/v1/petitions{query}").status_code == 200
    view = api.get(f"/v1/petitions/{petitions[0]['id']}").json()
    document_id = view["cases"][0]["reply_document_id"]
    assert api.get(f"/v1/documents/{document_id}").status_code == 200
    assert api.get("/readyz").status_code == 200
    DeadlineScheduler(gateway.svc).run_once()  # its own thread may not tick during the test
    assert len(statements) >= 30, "the flow sent fewer statements than it should have"

    missing: list[str] = []
    raw = gateway.svc.store.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        for statement, parameters in statements.items():
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            missing += [
                f"{scan}\n    in: {' '.join(statement.split())[:300]}"
                for scan in scans_without_index(plan[0]["Plan"])
            ]
        raw.rollback()
    finally:
        raw.close()
    assert not missing, "queries with no index to use:\n" + "\n".join(sorted(set(missing)))


def test_the_plan_walk_finds_a_filtered_scan_nested_anywhere():
    plan = {
        "Node Type": "Limit",
        "Plans": [
            {
                "Node Type": "Nested Loop",
                "Plans": [
                    {"Node Type": "Index Scan", "Relation Name": "cases"},
                    {
                        "Node Type": "Seq Scan",
                        "Relation Name": "deliveries",
                        "Filter": "(state = 'x')",
                    },
                    {
                        "Node Type": "Seq Scan",
                        "Relation Name": "agencies",
                        "Filter": "(name = 'y')",
                    },
                    {"Node Type": "Seq Scan", "Relation Name": "petitions"},
                ],
            }
        ],
    }
    assert list(scans_without_index(plan)) == ["deliveries (filter (state = 'x'))"]
