"""RFC 9457 problem documents (``application/problem+json``), each with a stable ``code``."""

from __future__ import annotations

from starlette.responses import JSONResponse

PROBLEM = "application/problem+json"
MAX_TEXT = 300
"""A problem never carries more than this much of a title or detail: messages that quote what a
client sent (an id, a field) quote a short prefix, not 70 KB back."""


def _short(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def problem(
    status: int, code: str, title: str, detail: str = "", receipt: bytes | None = None
) -> JSONResponse:
    body = {
        "type": f"urn:vn:gov:vpcp:pakn:error:{code}",
        "title": _short(title),
        "status": status,
        "code": code,
        "detail": _short(detail or title),
    }
    if receipt is not None:  # our signed rejection receipt, naming the same code
        body["receipt"] = receipt.decode("utf-8")
    return JSONResponse(body, status_code=status, media_type=PROBLEM)
