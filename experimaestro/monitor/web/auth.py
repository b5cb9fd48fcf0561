"""The token that every request of the web monitor must carry.

The first page is opened with ``?token=...`` (the URL the monitor prints); that sets an
HttpOnly, SameSite=Strict cookie, which the page's later requests carry. Scripts use a
header (``Authorization: Bearer ...`` or ``X-XPM-Token``). Actions (POST) need the
header: a cookie alone, which a browser may attach to a request another site makes, is
never enough to kill or clean a job.
"""

import hmac
from http.cookies import SimpleCookie
from typing import Optional
from urllib.parse import parse_qs

__all__ = ["TokenGate", "cookie_name", "REFUSED"]

REFUSED = ("experimaestro monitor: this address needs the monitor's access token.\n"
           "Open the URL printed by the monitor (it ends with ?token=...).\n")
HEADER_REFUSED = ("experimaestro monitor: actions need the token in a header"
                  " (X-XPM-Token or Authorization: Bearer); a cookie is not enough.\n")

#: headers of every answer: no framing, no guessing of types, no referrer (the first
#: URL holds the token), scripts and styles of this server only
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none';"
     b" form-action 'none'"),
]


def cookie_name(scope) -> str:
    """Cookies are shared by the ports of a host: one name per port, so that two
    monitors on one machine do not overwrite each other's cookie."""
    server = scope.get("server") or (None, None)
    return f"xpm_token_{server[1] or 0}"


def _same(given: Optional[str], token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _headers(scope) -> dict:
    return {k.decode("latin-1").lower(): v.decode("latin-1")
            for k, v in scope.get("headers", [])}


def header_token(headers: dict) -> Optional[str]:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return headers.get("x-xpm-token")


class TokenGate:
    """ASGI middleware: refuses (401) what does not carry the token; sets the cookie
    when the token came in the query; adds the security headers."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        by_header = _same(header_token(headers), self.token)
        by_query = _same(_query_token(scope), self.token)
        by_cookie = _same(_cookie(headers, cookie_name(scope)), self.token)
        if not (by_header or by_query or by_cookie):
            return await _plain(send, 401, REFUSED)
        if scope["method"] not in ("GET", "HEAD") and not by_header:
            return await _plain(send, 403, HEADER_REFUSED)
        extra = list(SECURITY_HEADERS)
        if by_query and not by_cookie:
            extra.append((b"set-cookie", (
                f"{cookie_name(scope)}={self.token}; Path=/; HttpOnly; SameSite=Strict"
            ).encode()))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)
        await self.app(scope, receive, send_with_headers)


def _query_token(scope) -> Optional[str]:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


def _cookie(headers: dict, name: str) -> Optional[str]:
    text = headers.get("cookie")
    if not text:
        return None
    cookie = SimpleCookie()
    try:
        cookie.load(text)
    except Exception:  # a malformed cookie header: as if none
        return None
    morsel = cookie.get(name)
    return morsel.value if morsel is not None else None


async def _plain(send, status: int, text: str):
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
