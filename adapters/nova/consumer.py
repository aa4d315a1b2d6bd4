#!/usr/bin/env python3
"""imgsig consumer: the real Nova code. nova 34.0.0's image download path
(`nova.image.glance.API().download`, which `nova.virt.images.fetch` calls
before a boot) with

    [glance] verify_glance_signatures = true
    [glance] enable_certificate_validation = true
    [glance] api_servers = <the request's Glance>
    [key_manager] backend = barbican
    [barbican] barbican_endpoint = <the request's Barbican>

and a `nova.context.RequestContext` carrying the request's token (as
nova-api hands the user's token to nova-compute), the trusted ids as
`nova.objects.TrustedCerts` (what `trusted_image_certificates` becomes).
Glance is reached through python-glanceclient, Barbican through castellan,
the certificate checked by cursive: all as Nova does, nothing replaced. The
data is written to a scratch file as the libvirt driver's fetch does.

Speaks the consumer request of docs/adapter-protocol.md (protocol 3): one
request on stdin, or with IMGSIG_ADAPTER_PROTOCOL=3 a session.
"""

import json
import os
import signal
import sys
import tempfile

PROTOCOL = 3
# cursive 0.3.1 never returns on CAs that issued each other.
HANG_SECONDS = 10


class Hang(Exception):
    pass


def on_alarm(signum, frame):
    raise Hang()


_configured = []


def configure():
    """Nova's configuration, once per process (the endpoints per request)."""
    import nova.conf
    from nova.objects import image_meta  # noqa: F401  (registers ImageMeta)
    from nova.objects import trusted_certs  # noqa: F401  (registers TrustedCerts)

    conf = nova.conf.CONF
    if not _configured:
        conf([], project="nova", default_config_files=[])
        _configured.append(True)
    return conf


def consume(request):
    from castellan import options as castellan_options
    from nova import context as nova_context
    from nova.image import glance
    from nova import objects

    conf = configure()
    cloud = request["cloud"]
    conf.set_override("verify_glance_signatures", True, group="glance")
    conf.set_override("enable_certificate_validation", True, group="glance")
    conf.set_override("api_servers", [cloud["glance_url"]], group="glance")
    castellan_options.set_defaults(conf, backend="barbican")
    conf.set_override("barbican_endpoint", cloud["barbican_url"], group="barbican")
    conf.set_override("barbican_api_version", "v1", group="barbican")
    if cloud.get("auth_url"):
        conf.set_override("auth_endpoint", cloud["auth_url"], group="barbican")
    context = nova_context.RequestContext(
        user_id="imgsig", project_id=cloud.get("project_id") or "imgsig",
        auth_token=cloud["token"])
    ids = request["trusted_certificate_ids"]
    trusted = objects.TrustedCerts(ids=ids) if ids else None
    with tempfile.TemporaryDirectory(prefix="imgsig-nova-") as scratch:
        signal.alarm(HANG_SECONDS)
        try:
            glance.API().download(
                context, request["image_id"],
                dest_path=os.path.join(scratch, "image"),
                trusted_certs=trusted)
        except Hang:
            return {"result": "reject", "reason": (
                "no answer: nova's download did not return within %d s "
                "(cursive's chain building loops)" % HANG_SECONDS)}
        finally:
            signal.alarm(0)
    return {"result": "accept"}


def answer(request):
    if request.get("kind") != "consume":
        return {"result": "error",
                "detail": "this adapter only answers consumer requests"}
    try:
        return consume(request)
    except Exception as e:  # any exception fails the boot
        from cryptography import exceptions as crypto_exceptions
        if isinstance(e, crypto_exceptions.InvalidSignature):
            reason = ("cryptography InvalidSignature from nova's download: "
                      "Signature verification failed for the downloaded data")
        else:
            reason = "%s: %s" % (type(e).__name__, e)
        return {"result": "reject", "reason": reason}


def main():
    import logging
    import warnings
    warnings.simplefilter("ignore")
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    signal.signal(signal.SIGALRM, on_alarm)
    if os.environ.get("IMGSIG_ADAPTER_PROTOCOL") == str(PROTOCOL):
        configure()
        print(json.dumps({"protocol": PROTOCOL}), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(answer(json.loads(line))), flush=True)
        return
    print(json.dumps(answer(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
