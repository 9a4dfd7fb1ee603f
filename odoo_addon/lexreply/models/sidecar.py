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


def make_ask_callback(url, secret, payload):
    """A zero-argument callable for ``cr.postcommit.add``: sends /ask, never raises."""

    def _send_ask():
        try:
            response = post_signed(url, secret, payload, ASK_TIMEOUT)
            if 200 <= response.status_code < 300:
                _logger.info(
                    "LexReply: /ask sent for ticket %s message %s: HTTP %s",
                    payload.get("ticket_id"),
                    payload.get("message_id"),
                    response.status_code,
                )
            else:
                _logger.warning(
                    "LexReply: /ask for ticket %s answered HTTP %s; the cron will retry",
                    payload.get("ticket_id"),
                    response.status_code,
                )
        except Exception as exc:  # never break the mail gateway or the RPC caller
            _logger.warning(
                "LexReply: could not send /ask for ticket %s to %s: %s; the cron will retry",
                payload.get("ticket_id"),
                url,
                describe_error(exc),
            )

    return _send_ask
