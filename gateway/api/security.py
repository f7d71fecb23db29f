"""Security headers on every answer of the pages people use (the console and the public pages):
a content security policy without inline scripts (the pages have none at all), no framing, no
MIME sniffing, no referrer to other sites; and ``no-store`` on console pages, which carry
personal data, so that no cache (shared or the browser's) keeps them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PUBLIC_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""The issued HTML reports carry their own stylesheet inline (they are single files)."""
PAGES = ("/console", "/cong-khai")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class SecurityHeaders:
    """Pure ASGI middleware (it adds headers as the answer starts, whatever produced it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(PAGES):
            await self.app(scope, receive, send)
            return
        console = path.startswith("/console")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not (console and k.lower() == b"cache-control")
                ]
                headers += [
                    (b"content-security-policy", (CSP if console else PUBLIC_CSP).encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if console:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
