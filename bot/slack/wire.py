"""What ``POST /slack/events`` refuses before Bolt sees it: headers and bodies Bolt would answer with a 500.

Bolt's signature check calls ``int()`` on ``X-Slack-Request-Timestamp`` (so
``abc`` or ``1796185873.5`` raised ValueError), compares the signature with
``hmac.compare_digest`` (a non-ASCII signature raised TypeError), and reads
the body with ``request.text()`` (a ``charset=bogus`` or a body that is not
UTF-8 raised there). Slack itself always sends whole seconds, an ASCII
``v0=`` hex signature and UTF-8, so anything else is refused here with the
answer Bolt gives an unsigned request (401), or 400 / 415 for the body.
"""

from __future__ import annotations

import codecs
import re

from aiohttp import web

TIMESTAMP = re.compile(r"[0-9]{1,12}")
SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


async def problem(request: web.Request) -> web.Response | None:
    """The 4xx answer for a request Bolt cannot safely check, or None to hand it to Bolt."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if timestamp is None or signature is None or not TIMESTAMP.fullmatch(timestamp) \
            or not SIGNATURE.fullmatch(signature):
        return web.json_response({"error": "invalid request"}, status=401)
    if request.charset is not None and not _is_utf8(request.charset):
        return web.json_response({"error": "the body must be UTF-8"}, status=415)
    try:
        (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        return web.json_response({"error": "the body must be UTF-8"}, status=400)
    return None


def _is_utf8(charset: str) -> bool:
    try:
        return codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return False
