#!/usr/bin/env python3
"""imgsig trust oracle: the real cursive `certificate_utils.verify_certificate`.

Reads a JSON list of situations on stdin and answers a JSON list on stdout,
one entry per situation, in order:

  in:  {"name": ..., "now": <unix seconds>,
        "certificate": <PEM of the signing certificate>,
        "trusted": [{"id": ..., "pem": <PEM> | null}, ...],
        "options": {"enforce_valid_dates": true, ...}}      (optional)
  out: {"name": ..., "result": "trusted" | "untrusted" | "error" | "hang",
        "message": <str(exception)>, "log": [<cursive's log lines>]}

With "properties" and "image_base64" in a situation, it is run as Nova's
image download path runs it (`nova.image.glance`, `_get_verifier` then
`_verify_certs`, then the downloaded bytes through the verifier):
`signature_utils.get_verifier` on the image's four properties first, then
`verify_certificate` with the trusted ids, then the image through the
verifier; the answer then also has "signature": "ok" | "bad" | "not-checked".

Only the key manager is replaced (it serves the situation's certificates,
as castellan hands them over: X.509 as DER; a null PEM is a secret that is
not there) and the clock is pinned (oslo.utils' `timeutils.utcnow` patched); the
validation itself is cursive's and pyca/cryptography's own code. A
situation that does not finish within a few seconds is answered "hang".
"""

import base64
import datetime
import json
import logging
import signal
import sys
from unittest import mock


class Hang(Exception):
    pass


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


def main():
    from castellan.common import exception as castellan_exception
    from castellan.common.objects import x_509
    from cryptography import exceptions as crypto_exceptions
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cursive import certificate_utils
    from cursive import exception as cursive_exception
    from cursive import signature_utils
    from oslo_utils import timeutils

    situations = json.load(sys.stdin)
    lines = Lines()
    logger = logging.getLogger("cursive")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(lines)
    logger.propagate = False

    def on_alarm(signum, frame):
        raise Hang()

    signal.signal(signal.SIGALRM, on_alarm)
    answers = []
    for situation in situations:
        store = {"imgsig-signing-certificate": situation["certificate"]}
        for t in situation["trusted"]:
            store[t["id"]] = t["pem"]

        class KeyManager(object):
            def get(self, context, managed_object_id):
                pem = store.get(managed_object_id)
                if pem is None:
                    raise castellan_exception.ManagedObjectNotFoundError(
                        uuid=managed_object_id)
                cert = x509.load_pem_x509_certificate(pem.encode())
                return x_509.X509(cert.public_bytes(serialization.Encoding.DER))

        signature_utils.key_manager.API = lambda *a, **k: KeyManager()
        now = datetime.datetime.fromtimestamp(situation["now"], datetime.timezone.utc)
        clock = mock.patch.object(
            timeutils, "utcnow",
            lambda with_timezone=False: now if with_timezone else now.replace(tzinfo=None))
        clock.start()
        lines.lines = []
        answer = {"name": situation["name"]}
        signal.alarm(5)
        props = situation.get("properties")
        verifier = None
        try:
            if props is not None:
                answer["signature"] = "not-checked"
                verifier = signature_utils.get_verifier(
                    context=None,
                    img_signature_certificate_uuid="imgsig-signing-certificate",
                    img_signature_hash_method=props["img_signature_hash_method"],
                    img_signature=props["img_signature"],
                    img_signature_key_type=props["img_signature_key_type"],
                )
            certificate_utils.verify_certificate(
                None,
                "imgsig-signing-certificate",
                [t["id"] for t in situation["trusted"]],
                **situation.get("options", {}))
            answer.update(result="trusted", message="")
            if verifier is not None:
                verifier.update(base64.b64decode(situation["image_base64"]))
                try:
                    verifier.verify()
                    answer["signature"] = "ok"
                except crypto_exceptions.InvalidSignature:
                    answer["signature"] = "bad"
        except cursive_exception.SignatureVerificationError as e:
            answer.update(result="untrusted", message=str(e))
        except Hang:
            answer.update(result="hang", message="")
        except Exception as e:  # what upstream does not catch
            answer.update(result="error", message="%s: %s" % (type(e).__name__, e))
        finally:
            signal.alarm(0)
            clock.stop()
        answer["log"] = list(lines.lines)
        answers.append(answer)
    if "--show" in sys.argv:
        for a in answers:
            sys.stderr.write("%(name)s: %(result)s %(message)r\n" % a)
            for line in a["log"]:
                sys.stderr.write("    log: %s\n" % line)
    json.dump(answers, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
