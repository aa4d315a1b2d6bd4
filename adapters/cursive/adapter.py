#!/usr/bin/env python3
"""imgsig adapter: verify one case with the real cursive library.

Per case (protocol 1): reads one request (docs/adapter-protocol.md) on
stdin, answers one verdict on stdout. In a session (protocol 2, asked for
with IMGSIG_ADAPTER_PROTOCOL=2): says {"protocol": 2}, then answers each
request line with one verdict line, importing cursive only once. cursive fetches the certificate through castellan's key manager;
here the key manager is replaced by one that serves the case's secret, so
everything else (property checks, certificate handling, hashing and
verification) is cursive's and pyca/cryptography's own code; the format
inspection after it is oslo.utils' own, with Glance 33's rule (formats.py).
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import formats  # noqa: E402


def verdict(result, **fields):
    fields["result"] = result
    return fields


def main():
    if os.environ.get("IMGSIG_ADAPTER_PROTOCOL") == "2":
        print(json.dumps({"protocol": 2}), flush=True)
        for line in sys.stdin:
            if line.strip():
                print(json.dumps(verify(json.loads(line))), flush=True)
        return
    print(json.dumps(verify(json.load(sys.stdin))), flush=True)


def verify(request):
    try:
        from castellan.common import exception as castellan_exception
        from castellan.common.objects import opaque_data, passphrase, private_key
        from castellan.common.objects import public_key, symmetric_key, x_509
        from cryptography import exceptions as crypto_exceptions
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        from cursive import exception as cursive_exception
        from cursive import signature_utils
    except ImportError as e:
        return verdict("error", detail="cannot import cursive/castellan: %s" % e)

    props = request["properties"]
    disk_format = props.get("disk_format", "raw")
    container_format = props.get("container_format", "bare")
    if not signature_utils.should_create_verifier(props):
        with open(request["image_path"], "rb") as image:
            data = formats.open_inspection(image, container_format)
            for _chunk in formats.read_chunks(data):
                pass
            refused = formats.refusal(data, disk_format)
        return verdict("reject", reason=refused) if refused else verdict("accept")

    secret = request.get("certificate")

    class KeyManager(object):
        """Serves the case's secret as castellan's Barbican backend would."""

        def get(self, context, managed_object_id):
            if secret is None:
                raise castellan_exception.ManagedObjectNotFoundError(
                    uuid=managed_object_id)
            payload = base64.b64decode(secret["payload_base64"])
            kind = secret["secret_type"]
            if kind == "certificate":
                # castellan 5.8.0 reads a certificate secret as PEM (a DER
                # payload fails there, as seen on the live stack) and hands
                # it over as DER.
                cert = x509.load_pem_x509_certificate(payload)
                return x_509.X509(cert.public_bytes(serialization.Encoding.DER))
            if kind == "symmetric":
                return symmetric_key.SymmetricKey("AES", len(payload) * 8, payload)
            if kind == "passphrase":
                return passphrase.Passphrase(payload)
            if kind == "private":
                return private_key.PrivateKey("RSA", 2048, payload)
            if kind == "public":
                return public_key.PublicKey("RSA", 2048, payload)
            return opaque_data.OpaqueData(payload)

    signature_utils.key_manager.API = lambda *args, **kwargs: KeyManager()

    try:
        verifier = signature_utils.get_verifier(
            context=None,
            img_signature_certificate_uuid=props["img_signature_certificate_uuid"],
            img_signature_hash_method=props["img_signature_hash_method"],
            img_signature=props["img_signature"],
            img_signature_key_type=props["img_signature_key_type"],
        )
        with open(request["image_path"], "rb") as image:
            data = formats.open_inspection(image, container_format)
            for chunk in formats.read_chunks(data):
                verifier.update(chunk)
            verifier.verify()
            # Glance inspects the stored bytes after the signature check.
            refused = formats.refusal(data, disk_format)
        if refused:
            return verdict("reject", reason=refused)
    except cursive_exception.SignatureVerificationError as e:
        return verdict("reject", reason=str(e))
    except crypto_exceptions.InvalidSignature:
        # Glance's own wording for a signature that does not match.
        return verdict("reject", reason="Signature verification failed")
    except Exception as e:  # what upstream does not catch (e.g. ValueError)
        return verdict("reject", reason="%s: %s" % (type(e).__name__, e))
    return verdict("accept")


if __name__ == "__main__":
    main()
