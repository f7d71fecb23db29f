"""Backup and restore (``gateway backup -o DIR``, ``gateway restore DIR``).

A backup folder holds a consistent copy of the database (gateway/store/backup.py), the PKI folder
(the gateway's key, the development CA, imported agency certificates, revocations, CRLs), the
production key files when they live elsewhere, the API bootstrap token and the console's cookie
key, the configured calendar and routing files, the settings (without secrets), and a
``manifest.json`` with every file's SHA-256 and the audit chain's head at the time. The backup is
recorded in the audit trail before the copy is taken, so the copy holds its own record.

The folder holds keys: it is made mode 0700 and belongs somewhere as safe as the gateway itself.
A restore checks every digest first, puts the files back, replaces the database's content, and is
followed by ``audit verify`` (the CLI runs it and fails if it finds a problem).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from gateway.config import Settings
from gateway.domain.audit import AuditAction, Report
from gateway.errors import InputInvalid, IntegrityBroken
from gateway.service.services import Services
from gateway.store.backup import dump, load
from gateway.store.db import make_engine

MANIFEST = "manifest.json"
FORMAT = "pakn-backup-1"
HOME_FILES = ("api-token", "console-secret")


def make_backup(svc: Services, settings: Settings, folder: Path, *, actor: str) -> dict[str, Any]:
    """Write a backup of the installation ``settings`` describe (``svc`` built from them) into
    ``folder`` (new or empty); returns its manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise InputInvalid(f"{folder} is not empty: give a new folder for the backup")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    at = svc.clock.now()
    with svc.store.unit_of_work() as uow:
        uow.audit.record(AuditAction.BACKUP_MADE, actor=actor, at=at, folder=folder.name)
        uow.commit()
        head_seq, head_hash = uow.audit.head()
    dump(svc.store.engine, folder)
    copies: dict[str, Path | None] = {
        "pki": settings.pki_path,
        **{f"home/{name}": Path(settings.home) / name for name in HOME_FILES},
        "keys/signing-key.pem": settings.signing_key,
        "keys/signing-cert.pem": settings.signing_cert,
        **{f"keys/trusted-ca-{i}.pem": p for i, p in enumerate(settings.trusted_ca)},
        "config/calendar-overrides": _path(settings.calendar_overrides),
        "config/routing-rules": _path(settings.routing_rules),
    }
    for name, source in copies.items():
        if source is None or not source.exists():
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, copy_function=shutil.copy2)
        else:
            shutil.copy2(source, target)
    (folder / "settings.json").write_text(
        json.dumps(_settings(svc, settings), ensure_ascii=False, indent=1, default=str),
        encoding="utf-8",
    )
    manifest = {
        "format": FORMAT,
        "made_at": at.isoformat(),
        "backend": svc.store.engine.url.get_backend_name(),
        "audit_head": {"seq": head_seq, "hash": head_hash},
        "files": _digests(folder),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def restore_backup(settings: Settings, folder: Path, *, force: bool = False) -> dict[str, Any]:
    """Check the backup in ``folder`` and put it back: its files where ``settings`` say, and its
    database into the configured one (the gateway must be stopped; nothing else is built from
    the settings first, so a new installation's PKI is not made only to be replaced). Returns the
    manifest; the caller then verifies the audit trail on services built afterwards
    (:func:`restored`)."""
    manifest = read_manifest(folder)
    engine = make_engine(settings.db_url)
    try:
        backend = engine.url.get_backend_name()
        if manifest["backend"] != backend:
            raise InputInvalid(
                f"this backup is of a {manifest['backend']} database; the configured one is "
                f"{backend}"
            )
        targets = {"pki": settings.pki_path, "home": Path(settings.home)}
        pki = targets["pki"]
        if pki.exists() and any(pki.iterdir()) and not force:
            raise InputInvalid(
                f"{pki} is not empty: restore into a new installation, or --force to replace it"
            )
        for name, target in targets.items():
            source = folder / name
            for path in sorted(source.rglob("*")) if source.exists() else []:
                if path.is_file():
                    goal = target / path.relative_to(source)
                    goal.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, goal)
        if backend == "sqlite":
            Path(str(engine.url.database)).parent.mkdir(parents=True, exist_ok=True)
        load(engine, folder)
    finally:
        engine.dispose()
    return manifest


def restored(svc: Services, manifest: dict[str, Any], report: Report, *, actor: str) -> None:
    """Record the restore in the (restored) audit trail, with what its verification found."""
    with svc.store.unit_of_work() as uow:
        uow.audit.record(
            AuditAction.BACKUP_RESTORED,
            actor=actor,
            at=svc.clock.now(),
            made_at=manifest["made_at"],
            audit_head=manifest["audit_head"]["seq"],
            verified=report.ok,
        )
        uow.commit()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, after checking that every file it lists is there with its digest."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise InputInvalid(f"{folder} holds no readable backup manifest ({MANIFEST})") from e
    if manifest.get("format") != FORMAT:
        raise InputInvalid(f"{folder}: not a gateway backup ({manifest.get('format')!r})")
    found = _digests(folder)
    for name, digest in manifest["files"].items():
        if found.get(name) != digest:
            raise IntegrityBroken(f"{folder}/{name}: missing or changed since the backup was made")
    return manifest


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def _settings(svc: Services, settings: Settings) -> dict[str, Any]:
    values = dataclasses.asdict(settings)
    values.pop("api_token", None)  # a secret (its file is in home/ when it is one)
    values["database_url"] = svc.store.engine.url.render_as_string(hide_password=True)
    return values


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
