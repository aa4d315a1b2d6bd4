"""What imgsig's consumer adapters share (adapters/cursive/consumer.py,
adapters/nova/consumer.py): the consumer request of docs/adapter-protocol.md
(protocol 3: one request on stdin, or with IMGSIG_ADAPTER_PROTOCOL=3 a
session, a hello line then one request line and one verdict line at a
time), the time limit on cursive's chain building (it never returns on CAs
that issued each other), castellan's Barbican backend pointed at the
request's cloud, and the answers.

Each consumer imports it from this directory (its own script puts it on
sys.path), so each stays a single script run by the venv its xtask makes.
"""

import contextlib
import json
import logging
import os
import signal
import sys

PROTOCOL = 3
# cursive 0.3.1 never returns on CAs that issued each other.
HANG_SECONDS = 10


class Hang(Exception):
    """The time limit passed (see `limited`)."""


def _on_alarm(signum, frame):
    raise Hang()


@contextlib.contextmanager
def limited(seconds=HANG_SECONDS):
    """Raise Hang in the block once `seconds` have passed."""
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)


def hang_reason(what):
    """The refusal for a call that did not return: `what` names it."""
    return ("no answer: %s did not return within %d s (cursive's chain "
            "building loops)" % (what, HANG_SECONDS))


def configure_barbican(conf, cloud):
    """castellan's Barbican key manager on the request's Barbican, with its
    Keystone for the token plugin."""
    from castellan import options

    options.set_defaults(conf, backend="barbican")
    conf.set_override("barbican_endpoint", cloud["barbican_url"], group="barbican")
    conf.set_override("barbican_api_version", "v1", group="barbican")
    if cloud.get("auth_url"):
        conf.set_override("auth_endpoint", cloud["auth_url"], group="barbican")


def accept():
    return {"result": "accept"}


def reject(reason):
    return {"result": "reject", "reason": reason}


def _answer(consume, reason_of, request):
    if request.get("kind") != "consume":
        return {"result": "error",
                "detail": "this adapter only answers consumer requests"}
    try:
        return consume(request)
    except Exception as e:  # what upstream does not catch fails the boot
        return reject(reason_of(e))


def exception_reason(e):
    """`Type: message`, how an uncaught exception is reported."""
    return "%s: %s" % (type(e).__name__, e)


def serve(consume, reason_of=exception_reason, setup=None):
    """Answer consumer requests with `consume(request) -> answer`;
    `reason_of(exception)` words what `consume` raises; `setup()` runs once
    before a session's hello."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    signal.signal(signal.SIGALRM, _on_alarm)
    if os.environ.get("IMGSIG_ADAPTER_PROTOCOL") == str(PROTOCOL):
        if setup is not None:
            setup()
        print(json.dumps({"protocol": PROTOCOL}), flush=True)
        for line in sys.stdin:
            if line.strip():
                answer = _answer(consume, reason_of, json.loads(line))
                print(json.dumps(answer), flush=True)
        return
    print(json.dumps(_answer(consume, reason_of, json.load(sys.stdin))))
