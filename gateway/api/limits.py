"""One request policy for every route, applied while the body is read and before it is parsed.

For each request that carries a body (POST, PUT, PATCH, DELETE):

1. credentials first: a route that needs a user's token (``/v1/petitions…``: a per-user API
   token or the bootstrap token) or an agency token (``/v1/documents/{id}/ack``) and was sent
   none — or, for the user routes, one nobody holds — answers ``401 AUTH_REQUIRED`` without
   reading a byte of the body (what the token may do is the route's business);
2. size: a declared ``Content-Length`` over the route's limit answers ``413 BODY_TOO_LARGE`` at
   once; a chunked body is counted as it arrives and cut off at the limit (``/v1/edxml``:
   GATEWAY_MAX_DOCUMENT_BYTES; an acknowledgement: 1 MiB; every other route:
   GATEWAY_MAX_JSON_BYTES, 256 KiB);
3. time: the whole body must arrive within GATEWAY_BODY_SECONDS (10 s), else
   ``408 BODY_TIMEOUT``: a client trickling bytes cannot hold a connection;
4. JSON (the operator routes): the body must be UTF-8 JSON without duplicate keys and not nested
   absurdly deep, else ``422 INPUT_INVALID`` saying which of these it is.

The body is then handed to the application as read. Headers are bounded by the HTTP server
(``gateway.runtime.http``: 32 KiB).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from gateway.api.problems import problem
from gateway.errors import ErrorCode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_ACK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Rule:
    limit: int
    credentials: str | None = None  # "user", "bearer" (an agency's token) or None
    json: bool = False


class TooDeep(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {json.dumps(key[:40])} appears twice")
        seen[key] = value
    return seen


def json_problem(body: bytes) -> str | None:
    """Why ``body`` is not acceptable JSON, or None. Never echoes the body."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8 text"
    try:
        json.loads(text, object_pairs_hook=_no_duplicates)
    except RecursionError:
        return "the JSON is nested too deeply"
    except json.JSONDecodeError as e:
        return f"the body is not JSON ({e.msg} at line {e.lineno}, column {e.colno})"
    except ValueError as e:
        return f"the JSON is ambiguous: {e}"
    return None


class RequestLimits:
    """Pure ASGI middleware (it sees the body as chunks, before any framework parses it)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        find_token: Callable[[str], object | None],
        max_document_bytes: int,
        max_json_bytes: int,
        body_seconds: float,
    ) -> None:
        self.app = app
        self.find_token = find_token
        self.body_seconds = body_seconds
        self.edxml = Rule(max_document_bytes)
        self.ack = Rule(MAX_ACK_BYTES, credentials="bearer")
        self.operator = Rule(max_json_bytes, credentials="user", json=True)
        self.other = Rule(max_json_bytes)

    def rule(self, path: str) -> Rule:
        if path == "/v1/edxml":
            return self.edxml
        if path.startswith("/v1/documents/") and path.endswith("/ack"):
            return self.ack
        if path == "/v1/petitions" or path.startswith("/v1/petitions/"):
            return self.operator
        return self.other

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WITH_BODY:
            await self.app(scope, receive, send)
            return
        rule = self.rule(scope["path"])
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refused = await self._credentials(rule, headers.get("authorization"), scope)
        if refused is None:
            refused = self._declared_size(rule, headers.get("content-length"))
        if refused is not None:
            await refused(scope, receive, send)
            return
        outcome = await self._read(rule, receive)
        if isinstance(outcome, JSONResponse):
            await outcome(scope, receive, send)
            return
        if rule.json and outcome and (why := json_problem(outcome)) is not None:
            await _problem(422, ErrorCode.INPUT_INVALID, "invalid request", why)(
                scope, receive, send
            )
            return
        await self.app(scope, _replay(outcome, receive), send)

    async def _credentials(
        self, rule: Rule, header: str | None, scope: Scope
    ) -> JSONResponse | None:
        if rule.credentials is None:
            return None
        scheme, _, token = (header or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _problem(401, ErrorCode.AUTH_REQUIRED, "use Authorization: Bearer <token>")
        if rule.credentials == "user":
            principal = await run_in_threadpool(self.find_token, token)
            if principal is None:
                return _problem(401, ErrorCode.AUTH_REQUIRED, "unknown, revoked or disabled token")
            scope.setdefault("state", {})["principal"] = principal  # the route does not ask again
        return None  # an agency's token is looked up by the route itself

    @staticmethod
    def _declared_size(rule: Rule, declared: str | None) -> JSONResponse | None:
        if declared is not None and declared.strip().isdigit() and int(declared) > rule.limit:
            return _too_large(rule)
        return None

    async def _read(self, rule: Rule, receive: Receive) -> bytes | JSONResponse:
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.body_seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        break
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > rule.limit:
                        return _too_large(rule)
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            return _problem(
                408,
                ErrorCode.BODY_TIMEOUT,
                "request body too slow",
                f"the whole body must arrive within {self.body_seconds:g} s",
            )
        return b"".join(chunks)


def _too_large(rule: Rule) -> JSONResponse:
    return _problem(
        413,
        ErrorCode.BODY_TOO_LARGE,
        "request body too large",
        f"the body of this request may be at most {rule.limit} bytes",
    )


def _problem(status: int, code: ErrorCode, title: str, detail: str = "") -> JSONResponse:
    response = problem(status, code.value, title, detail)
    if status in (408, 413):
        response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: the disconnect, when it comes

    return replay
