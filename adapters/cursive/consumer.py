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

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "common"))
import imgsig_consumer as common  # noqa: E402

CHUNK = 1 << 20


def consume(request):
    import requests
    from cryptography import exceptions as crypto_exceptions
    from cursive import certificate_utils
    from cursive import exception as cursive_exception
    from cursive import signature_utils
    from oslo_config import cfg
    from oslo_context import context as oslo_context

    cloud = request["cloud"]
    common.configure_barbican(cfg.CONF, cloud)
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
        return common.reject(str(e))
    # ... then the certificate, against the trusted ids (Nova's own check
    # when there are none, with enable_certificate_validation on).
    if not trusted:
        return common.reject(
            "Image signature certificate validation enabled, but no trusted "
            "certificate IDs were provided. Unable to validate the "
            "certificate used to verify the image signature.")
    try:
        with common.limited():
            certificate_utils.verify_certificate(
                context=context, certificate_uuid=uuid,
                trusted_certificate_uuids=trusted)
    except cursive_exception.SignatureVerificationError as e:
        return common.reject(
            "Image signature certificate validation failed for certificate: "
            "%s. %s" % (uuid, e))
    except common.Hang:
        return common.reject(common.hang_reason("cursive's verify_certificate"))
    # Nova's _verify_and_write: the chunks through the verifier.
    data = requests.get(image_url + "/file", headers=headers, stream=True,
                        timeout=600)
    if data.status_code != 200:
        return common.reject(
            "Image has no associated data (Glance answered %d)"
            % data.status_code)
    for chunk in data.iter_content(CHUNK):
        verifier.update(chunk)
    try:
        verifier.verify()
    except crypto_exceptions.InvalidSignature:
        return common.reject(
            "cryptography InvalidSignature: Signature verification failed "
            "for the downloaded data")
    return common.accept()


if __name__ == "__main__":
    common.serve(consume)
