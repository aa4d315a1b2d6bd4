#!/usr/bin/env python3
"""imgsig consumer: the real cursive, called the way Nova 34's download path
calls it (`nova/image/glance.py`: `_get_verifier`, `_verify_certs`,
`_verify_and_write`), against a real cloud or the mocks.

Speaks the consumer request of docs/adapter-protocol.md (protocol 3): one
request on stdin, or with IMGSIG_ADAPTER_PROTOCOL=3 a session (hello line,
then one request line and one verdict line at a time).

Nothing is replaced: castellan's Barbican key manager fetches the
certificates over HTTP with the request's token (a Keystone token plugin on
`auth_url`, `[barbican] barbican_endpoint` set to the request's Barbican),
the image record and data come from Glance over HTTP, streamed in chunks
through cursive's verifier. What is Nova's own code here (not cursive's) is
written after it: the refusal when certificate validation is on and no
trusted ids are given, and the message Nova wraps a validation failure in
("Image signature certificate validation failed for certificate: …").
"""

import json
import os
import signal
import sys

PROTOCOL = 3
CHUNK = 1 << 20
# cursive 0.3.1 never returns on CAs that issued each other.
HANG_SECONDS = 10


class Hang(Exception):
    pass


def on_alarm(signum, frame):
    raise Hang()


def configure(cloud):
    from oslo_config import cfg
    from castellan import options

    conf = cfg.CONF
    options.set_defaults(conf, backend="barbican")
    conf.set_override("barbican_endpoint", cloud["barbican_url"], group="barbican")
    conf.set_override("barbican_api_version", "v1", group="barbican")
    if cloud.get("auth_url"):
        conf.set_override("auth_endpoint", cloud["auth_url"], group="barbican")
    return conf


def consume(request):
    import requests
    from cryptography import exceptions as crypto_exceptions
    from cursive import certificate_utils
    from cursive import exception as cursive_exception
    from cursive import signature_utils
    from oslo_context import context as oslo_context

    cloud = request["cloud"]
    configure(cloud)
    context = oslo_context.RequestContext(
        auth_token=cloud["token"], project_id=cloud.get("project_id"))
    headers = {"X-Auth-Token": cloud["token"]}
    image_url = "%s/v2/images/%s" % (cloud["glance_url"], request["image_id"])
    meta = requests.get(image_url, headers=headers, timeout=60)
    if meta.status_code != 200:
        return {"result": "error",
                "detail": "Glance answered %d for the image" % meta.status_code}
    props = meta.json()
    uuid = props.get("img_signature_certificate_uuid")
    trusted = request["trusted_certificate_ids"]
    # Nova's _get_verifier: cursive's get_verifier first ...
    try:
        verifier = signature_utils.get_verifier(
            context=context,
            img_signature_certificate_uuid=uuid,
            img_signature_hash_method=props.get("img_signature_hash_method"),
            img_signature=props.get("img_signature"),
            img_signature_key_type=props.get("img_signature_key_type"),
        )
    except cursive_exception.SignatureVerificationError as e:
        return {"result": "reject", "reason": str(e)}
    # ... then the certificate, against the trusted ids (Nova's own check
    # when there are none, with enable_certificate_validation on).
    if not trusted:
        return {"result": "reject", "reason": (
            "Image signature certificate validation enabled, but no trusted "
            "certificate IDs were provided. Unable to validate the "
            "certificate used to verify the image signature.")}
    signal.alarm(HANG_SECONDS)
    try:
        certificate_utils.verify_certificate(
            context=context, certificate_uuid=uuid,
            trusted_certificate_uuids=trusted)
    except cursive_exception.SignatureVerificationError as e:
        return {"result": "reject", "reason": (
            "Image signature certificate validation failed for certificate: "
            "%s. %s" % (uuid, e))}
    except Hang:
        return {"result": "reject", "reason": (
            "no answer: cursive's verify_certificate did not return within "
            "%d s (chain building loops)" % HANG_SECONDS)}
    finally:
        signal.alarm(0)
    # Nova's _verify_and_write: the chunks through the verifier.
    data = requests.get(image_url + "/file", headers=headers, stream=True,
                        timeout=600)
    if data.status_code != 200:
        return {"result": "reject",
                "reason": "Image has no associated data (Glance answered %d)"
                % data.status_code}
    for chunk in data.iter_content(CHUNK):
        verifier.update(chunk)
    try:
        verifier.verify()
    except crypto_exceptions.InvalidSignature:
        return {"result": "reject", "reason": (
            "cryptography InvalidSignature: Signature verification failed "
            "for the downloaded data")}
    return {"result": "accept"}


def answer(request):
    if request.get("kind") != "consume":
        return {"result": "error",
                "detail": "this adapter only answers consumer requests"}
    try:
        return consume(request)
    except Exception as e:  # what upstream does not catch fails the boot
        return {"result": "reject", "reason": "%s: %s" % (type(e).__name__, e)}


def main():
    import logging
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    signal.signal(signal.SIGALRM, on_alarm)
    if os.environ.get("IMGSIG_ADAPTER_PROTOCOL") == str(PROTOCOL):
        print(json.dumps({"protocol": PROTOCOL}), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(answer(json.loads(line))), flush=True)
        return
    print(json.dumps(answer(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
