"""Small helpers to talk to the LexReply sidecar.

Nothing here touches the ORM once a request is prepared, so the send can run
from a ``cr.postcommit`` callback after the transaction has been committed.
"""

import hashlib
import hmac
import json
import logging
import time

import requests

_logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-LexReply-Signature"
ASK_TIMEOUT = 2  # seconds: the callback runs before the gateway/RPC caller gets its answer
DELIVER_TIMEOUT = 10  # seconds: a paralegal is waiting for the button
HEALTH_TIMEOUT = 3  # seconds


def encode_body(payload):
    """Compact JSON bytes, exactly what is signed and sent."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(secret, body, timestamp=None):
    """Return the X-LexReply-Signature header value for ``body`` (bytes)."""
    t = int(time.time() if timestamp is None else timestamp)
    mac = hmac.new(
        (secret or "").encode("utf-8"), f"{t}.".encode("ascii") + body, hashlib.sha256
    )
    return f"t={t},v1={mac.hexdigest()}"


def join_url(origin, path):
    return (origin or "").rstrip("/") + path


def describe_error(exc):
    """A short human reason for a requests exception."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.Timeout):
        return "timed out"
    if "refused" in text.lower():
        return "connection refused"
    if isinstance(exc, requests.exceptions.ConnectionError):
        if "Name or service not known" in text or "nodename nor servname" in text:
            return "unknown host"
        return "connection failed (%s)" % text[:200]
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "invalid URL"
    return text[:200] or exc.__class__.__name__


def post_signed(url, secret, payload, timeout):
    """POST ``payload`` as signed compact JSON. Returns the response; raises on
    transport errors (callers decide whether to swallow them)."""
    body = encode_body(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
    }
    return requests.post(url, data=body, headers=headers, timeout=timeout)


def send(url, secret, payload, timeout=ASK_TIMEOUT):
    """POST once and classify the result: ``ok`` (2xx), ``refused`` (4xx: the sidecar took the
    call and said no) or ``unreachable`` (transport error or 5xx: nobody took the call).
    Never raises; logs what happened."""
    what = url.rsplit("/", 1)[-1]
    try:
        response = post_signed(url, secret, payload, timeout)
    except Exception as exc:  # never break the mail gateway, the RPC caller or the cron
        _logger.warning(
            "LexReply: could not send /%s for ticket %s to %s: %s; the cron will retry",
            what,
            payload.get("ticket_id"),
            url,
            describe_error(exc),
        )
        return "unreachable"
    status = response.status_code
    if 200 <= status < 300:
        _logger.info("LexReply: /%s sent for ticket %s: HTTP %s", what, payload.get("ticket_id"), status)
        return "ok"
    _logger.warning(
        "LexReply: /%s for ticket %s answered HTTP %s; the cron will retry",
        what,
        payload.get("ticket_id"),
        status,
    )
    return "refused" if 400 <= status < 500 else "unreachable"


def make_callback(url, secret, payload, name):
    """A zero-argument callable for ``cr.postcommit.add`` that sends once and never raises."""

    def callback():
        send(url, secret, payload)

    callback.__name__ = name
    return callback


def make_ask_callback(url, secret, payload):
    return make_callback(url, secret, payload, "_send_ask")


def make_deliver_callback(url, secret, payload):
    return make_callback(url, secret, payload, "_send_deliver")
