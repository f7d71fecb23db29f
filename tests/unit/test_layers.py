"""The layers of shared/DESIGN.md §4, kept by a test: the domain imports only the standard
library, and only the store speaks SQL.

What still crosses a layer is listed below by name, so that the list can only shrink: a new
crossing fails, and so does a listed one that has gone (take it off the list)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "gateway"

SQL_OUTSIDE_THE_STORE = {
    # the database-backed queue is a transport that lives in the database
    "gateway/transport/embedded.py",
}
RAW_CONNECTION_OUTSIDE_THE_STORE: set[str] = set()


def modules(under: Path) -> list[Path]:
    return sorted(p for p in under.rglob("*.py") if "migrations" not in p.parts)


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_domain_imports_only_the_standard_library_and_itself():
    # gateway.errors (the stable error codes) is allowed: it too imports only the standard library
    crossing = {
        rel(path): sorted(
            name
            for name in imported(path)
            if name.split(".")[0] not in sys.stdlib_module_names
            and not name.startswith("gateway.domain")
            and name not in ("__future__", "gateway.errors")
        )
        for path in [*modules(GATEWAY / "domain"), GATEWAY / "errors.py"]
    }
    assert {k: v for k, v in crossing.items() if v} == {}


def test_only_the_store_imports_sqlalchemy():
    speaking_sql = {
        rel(path)
        for path in modules(GATEWAY)
        if not rel(path).startswith("gateway/store/")
        and any(name.split(".")[0] == "sqlalchemy" for name in imported(path))
    }
    for other in ("adapters", "signing", "schemas"):
        speaking_sql |= {
            rel(p)
            for p in modules(ROOT / other)
            if any(n.startswith("sqlalchemy") for n in imported(p))
        }
    assert speaking_sql == SQL_OUTSIDE_THE_STORE


def reaches_a_connection(path: Path) -> bool:
    """Does the module read another object's ``connection`` or ``_connection`` (a unit of
    work's)? An object's own (``self._connection``, as the RabbitMQ transport keeps) is not."""
    return any(
        isinstance(node, ast.Attribute)
        and node.attr in ("connection", "_connection")
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_only_the_store_reaches_a_unit_of_works_raw_connection():
    # the unit of work's connection is private (UnitOfWork._connection): outside the store, a
    # use case, an entry point, a transport or an adapter uses its repositories
    reaching = {
        rel(path)
        for under in (GATEWAY, ROOT / "adapters")
        for path in modules(under)
        if not rel(path).startswith("gateway/store/") and reaches_a_connection(path)
    }
    assert reaching == RAW_CONNECTION_OUTSIDE_THE_STORE


def test_the_unit_of_works_connection_is_private():
    source = (GATEWAY / "store" / "uow.py").read_text(encoding="utf-8")
    public = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr == "connection"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ]
    assert public == []


def test_the_store_imports_nothing_above_it():
    # the store may use the domain (the pure hash chain included) and the error codes; never
    # the use cases, the API, the CLI, the runtime or the audit package (no package cycle)
    allowed = ("gateway.store", "gateway.domain", "gateway.errors")
    upward = {
        rel(path): sorted(
            name
            for name in imported(path)
            if name.startswith("gateway") and not name.startswith(allowed)
        )
        for path in modules(GATEWAY / "store")
    }
    assert {k: v for k, v in upward.items() if v} == {}


def upward_imports(under: Path, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {
        rel(path): sorted(name for name in imported(path) if name.startswith(forbidden))
        for path in modules(under)
    }
    return {k: v for k, v in found.items() if v}


def test_use_cases_never_import_their_entry_points():
    entry_points = ("gateway.api", "gateway.cli", "gateway.runtime", "gateway.console")
    assert upward_imports(GATEWAY / "service", entry_points) == {}


def test_the_console_is_an_entry_point_like_the_api():
    # it asks the use cases (and their one table of rights), never the store or SQL directly
    forbidden = ("sqlalchemy", "gateway.store", "gateway.cli", "gateway.runtime")
    assert upward_imports(GATEWAY / "console", forbidden) == {}


def test_adapters_never_import_the_use_cases_or_entry_points():
    forbidden = ("gateway.service", "gateway.api", "gateway.cli", "gateway.runtime")
    assert upward_imports(ROOT / "adapters", forbidden) == {}


def test_report_rendering_reads_no_store_and_calls_no_use_case():
    # gateway/reporting/ turns a computed report into signed bytes, nothing more
    forbidden = ("sqlalchemy", "gateway.store", "gateway.service", "gateway.api", "gateway.cli")
    assert upward_imports(GATEWAY / "reporting", forbidden) == {}


def test_offline_bundle_verification_needs_no_database():
    # gateway/audit/ holds only what needs no database: the seal document and verify_bundle
    forbidden = ("sqlalchemy", "gateway.store", "gateway.service", "gateway.bootstrap")
    assert upward_imports(GATEWAY / "audit", forbidden) == {}
    # nor does anything it imports, however indirectly
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gateway.audit.offline; print('\\n'.join(sorted(sys.modules)))",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [name for name in loaded if name.startswith(forbidden)] == []


def test_use_cases_read_their_policies_not_the_settings():
    # bootstrap builds small policies (gateway/service/policies.py) from Settings; only the
    # entry points (api, cli, runtime) read svc.settings
    reading = {
        f"{rel(path)}:{node.lineno}"
        for path in modules(GATEWAY / "service")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "settings"
    }
    assert reading == set()


def test_audit_actions_are_named_once_in_the_domain():
    # every uow.audit.record(...) names its action as an AuditAction member, never a string
    spelled = {
        f"{rel(path)}:{node.lineno}"
        for path in modules(GATEWAY)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "record"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "audit"
        and node.args
        and any(
            isinstance(c, ast.Constant) and isinstance(c.value, str) for c in ast.walk(node.args[0])
        )
    }
    assert spelled == set()
