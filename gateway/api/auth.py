"""Who may call the API.

- **Operators and portals** (VPCP's own systems: petitions, routing, documents, receipts) present
  the operator token: ``Authorization: Bearer <token>``. The token is ``GATEWAY_API_TOKEN`` or,
  when that is not set, a random one the gateway writes once to ``<home>/api-token`` (mode 0600),
  so a fresh install is never open.
- **Agencies** present their own token (``gateway adapter add … --kind pull`` / ``adapter
  token``) and see only their own documents (:mod:`gateway.api.inbox`).
- ``POST /v1/edxml`` needs no token: a document is authenticated by its signature. ``/healthz``
  and ``/readyz`` are open.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from fastapi import Request

from gateway.config import Settings
from gateway.errors import Unauthorized

TOKEN_FILE = "api-token"  # noqa: S105 (a file name, not a secret)


def operator_token(settings: Settings) -> str:
    """The operator token: GATEWAY_API_TOKEN, else ``<home>/api-token`` (made on first use)."""
    if settings.api_token:
        return settings.api_token
    path = Path(settings.home) / TOKEN_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(token + "\n")
    return token


def bearer(request: Request) -> str | None:
    """The bearer token of a request; None without an Authorization header.

    Raises:
        Unauthorized: an Authorization header that is not ``Bearer <token>``.
    """
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use Authorization: Bearer <token>")
    return token.strip()


def is_operator(token: str | None, expected: str) -> bool:
    return token is not None and hmac.compare_digest(token.encode(), expected.encode())


def operator_guard(expected: str):  # type: ignore[no-untyped-def]
    """A FastAPI dependency that lets only the operator token through."""

    def require_operator(request: Request) -> None:
        token = bearer(request)
        if token is None:
            raise Unauthorized(
                "this call needs the operator token: Authorization: Bearer "
                "<GATEWAY_API_TOKEN or the contents of <home>/api-token>"
            )
        if not is_operator(token, expected):
            raise Unauthorized("not the operator token")

    return require_operator
