"""Taking in a petition costs the same whatever came before it: a petitioner who has sent many
petitions (an organisation that writes every week) does not make their next one slower — on
SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from gateway.bootstrap import bootstrap
from gateway.service import admin
from gateway.service.intake import submit_petition
from tests.conftest import AGENCY_A, new_petition


def test_the_statements_of_an_intake_do_not_grow_with_the_petitioners_history(settings, db_url):
    svc = bootstrap(settings.with_(database_url=db_url))
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    try:
        admin.add_agency(svc, *AGENCY_A, actor="test")

        def statements_of_intake(i: int) -> int:
            sent.clear()
            event.listen(svc.store.engine, "before_cursor_execute", count)
            try:
                submit_petition(svc, new_petition(i, route_to=(AGENCY_A[0],)))
            finally:
                event.remove(svc.store.engine, "before_cursor_execute", count)
            return len(sent)

        statements_of_intake(1)  # the same petitioner (new_petition keeps the id number) …
        second = statements_of_intake(2)
        for i in range(3, 40):
            submit_petition(svc, new_petition(i, route_to=(AGENCY_A[0],)))
        assert statements_of_intake(40) == second  # … 38 petitions later
    finally:
        svc.close()
