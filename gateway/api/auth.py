"""Who may call the API.

- **People and portals** present their own API token (``gateway user token USER``):
  ``Authorization: Bearer <token>``; what it may do is its user's role (gateway/domain/access.py),
  checked in the service layer.
- **The bootstrap token** is ``GATEWAY_API_TOKEN`` or, when that is not set, a random one the
  gateway writes once to ``<home>/api-token`` (mode 0600), so a fresh install is never open. It has
  every right: for installing, and for systems that used it before accounts existed.
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
from typing import Annotated

from fastapi import Depends, Request

from gateway.config import Settings
from gateway.domain.access import Principal
from gateway.errors import Unauthorized
from gateway.service import accounts
from gateway.service.access import SYSTEM
from gateway.service.services import Services

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


class Authenticator:
    """Whose a bearer token is: the bootstrap token's (SYSTEM) or a user's own. Looked up on
    every request (no cache): a revoked token or a disabled user stops working at once."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.bootstrap = operator_token(svc.settings)

    def principal(self, token: str | None) -> Principal:
        if token is None:
            raise Unauthorized(
                "this call needs a token: Authorization: Bearer <your API token (gateway user "
                "token) or the bootstrap token (GATEWAY_API_TOKEN or <home>/api-token)>"
            )
        found = self.find(token)
        if found is None:
            raise Unauthorized("unknown, revoked or disabled token")
        return found

    def find(self, token: str) -> Principal | None:
        """The token's principal, or None if nobody holds it (revoked, or its user disabled)."""
        if is_operator(token, self.bootstrap):
            return SYSTEM
        return accounts.token_principal(self.svc, token)


def current_principal(request: Request) -> Principal:
    """The caller's principal (401 without a good token). The request limits looked the token
    up already on the routes with a body (gateway.api.limits): that answer is used, not a second
    query."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    authn: Authenticator = request.app.state.authn
    return authn.principal(bearer(request))


Who = Annotated[Principal, Depends(current_principal)]
"""A route parameter of this type receives the caller's principal."""
