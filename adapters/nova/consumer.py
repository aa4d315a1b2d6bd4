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

With `--no-certificate-validation`, `enable_certificate_validation = false`
and the trusted ids as the operator's `default_trusted_certificate_ids`
instead of the server's `trusted_image_certificates`. Nova 34 validates the
certificate against trusted certificates handed with the request even with
validation off (`_get_verifier`: "Certificate validation will occur if
trusted_certs are provided, even if the certificate validation feature is
disabled"), but ignores the defaults then: it checks the signature only,
whatever the chain (what `cargo xtask adapter-nova
--no-certificate-validation` shows the report's detection reading as "does
not validate certificates").

Speaks the consumer request of docs/adapter-protocol.md (protocol 3,
adapters/common/imgsig_consumer.py): one request on stdin, or with
IMGSIG_ADAPTER_PROTOCOL=3 a session.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "common"))
import imgsig_consumer as common  # noqa: E402

# [glance] enable_certificate_validation, from the command line.
CERTIFICATE_VALIDATION = "--no-certificate-validation" not in sys.argv[1:]


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
    from nova import context as nova_context
    from nova.image import glance
    from nova import objects

    conf = configure()
    cloud = request["cloud"]
    conf.set_override("verify_glance_signatures", True, group="glance")
    conf.set_override("enable_certificate_validation", CERTIFICATE_VALIDATION,
                      group="glance")
    conf.set_override("api_servers", [cloud["glance_url"]], group="glance")
    common.configure_barbican(conf, cloud)
    context = nova_context.RequestContext(
        user_id="imgsig", project_id=cloud.get("project_id") or "imgsig",
        auth_token=cloud["token"])
    ids = request["trusted_certificate_ids"]
    if CERTIFICATE_VALIDATION:
        trusted = objects.TrustedCerts(ids=ids) if ids else None
    else:
        conf.set_override("default_trusted_certificate_ids", ids, group="glance")
        trusted = None
    with tempfile.TemporaryDirectory(prefix="imgsig-nova-") as scratch:
        try:
            with common.limited():
                glance.API().download(
                    context, request["image_id"],
                    dest_path=os.path.join(scratch, "image"),
                    trusted_certs=trusted)
        except common.Hang:
            return common.reject(common.hang_reason("nova's download"))
    return common.accept()


def reason_of(e):
    """Any exception fails the boot; the signature's is worded."""
    from cryptography import exceptions as crypto_exceptions
    if isinstance(e, crypto_exceptions.InvalidSignature):
        return ("cryptography InvalidSignature from nova's download: "
                "Signature verification failed for the downloaded data")
    return common.exception_reason(e)


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    common.serve(consume, reason_of=reason_of, setup=configure)
