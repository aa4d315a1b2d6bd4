#!/usr/bin/env python3
"""Record what the live Glance 33 answers to uploads whose disk_format does
or does not match their bytes (issue 14, format inspection).

Run with the live stack's venv and clouds.yaml (`OS_CLIENT_CONFIG_FILE=
target/live/clouds.yaml target/live/venv/bin/python
xtask/scripts/record_glance33_formats.py imgsig-live
target/live/glance/images`): stores one self-signed RSA-2048 certificate in Barbican, then
for every disk_format x data kind x signature (good, bad, none) creates an
image (container_format bare), uploads the data with `Accept:
application/json`, and records the answer (status, content type, body), the
image's status afterwards, whether a data file remains in the store
directory and what a download and a second (good) upload answer. A 415 is
also recorded under every `Accept` (json, html, */*, none, empty). One JSON
line per data kind first (base64; made here independently of the Rust
generators, so the replay compares two makers), then one per upload.

Usage: record_glance33_formats.py CLOUD STORE_DIR > glance33-formats.jsonl
"""

import base64
import json
import os
import struct
import sys
import uuid

import openstack
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
import datetime

DISK_FORMATS = ["raw", "qcow2", "vmdk", "vhd", "vhdx", "vdi", "iso", "ploop", "ami", "aki"]
ACCEPTS = {
    "json": "application/json",
    "html": "text/html",
    "any": "*/*",
    "empty": "",
    "none": None,
}


def qcow2(version=3, backing=0, features=0):
    head = struct.pack(">4sIQIIQ", b"QFI\xfb", version, backing, 0, 16, 1 << 20)
    head = head.ljust(72, b"\0") + struct.pack(">Q", features)
    return head.ljust(512, b"\0")


def vmdk(create_type="monolithicSparse", extent='RW 2048 SPARSE "disk.vmdk"'):
    desc = (
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
        'createType="%s"\n%s\nddb.adapterType = "ide"\n' % (create_type, extent)
    ).encode()
    head = struct.pack("<4sIIQQQQIQQ", b"KDMV", 1, 3, 2048, 128, 1, 2, 512, 0, 0)
    return head.ljust(512, b"\0") + desc.ljust(1024, b"\0")


def vhd():
    return (b"conectix" + b"\0" * 32 + struct.pack(">Q", 1 << 20)).ljust(512, b"\0")


def vhdx():
    return b"vhdxfile".ljust(512, b"\0")


def vdi():
    return (b"<<< Oracle VM VirtualBox Disk Image >>>\n".ljust(0x40, b"\0")
            + struct.pack("<I", 0xBEDA107F)).ljust(512, b"\0")


def iso():
    pvd = (b"\x01CD001\x01").ljust(2048, b"\0")
    return b"\0" * 32768 + pvd


def qed():
    return b"QED\0".ljust(512, b"\0")


def mbr(partitions):
    sector = bytearray(512)
    for i, (boot, ostype, chs, lba) in enumerate(partitions):
        off = 446 + 16 * i
        sector[off:off + 16] = struct.pack("<B3BB3BII", boot, *chs, ostype, 0, 0, 0, lba, 100)
    sector[510:512] = b"\x55\xaa"
    return bytes(sector)


def luks():
    return (b"LUKS\xba\xbe" + struct.pack(">H", 1)).ljust(592, b"\0")


def seeded(n, seed=7):
    out = bytearray()
    x = seed
    while len(out) < n:
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        out += struct.pack("<Q", x)
    return bytes(out[:n])


DATA = {
    "text": b"This is a dodgy image\n",
    "empty": b"",
    "raw": seeded(4096),
    "qcow2": qcow2(),
    "qcow2-v2": qcow2(version=2),
    "qcow2-v1": qcow2(version=1),
    "qcow2-backing-file": qcow2(backing=512),
    "qcow2-data-file": qcow2(features=4),
    "qcow2-unknown-feature": qcow2(features=1 << 5),
    "qcow2-short": qcow2()[:511],
    "vmdk": vmdk(),
    "vmdk-stream-optimized": vmdk("streamOptimized"),
    "vmdk-flat": vmdk("monolithicFlat"),
    "vmdk-extent-path": vmdk(extent='RW 2048 SPARSE "/etc/passwd"'),
    "vmdk-descriptor": ('# Disk DescriptorFile\ncreateType="monolithicSparse"\n'
                        'RW 2048 SPARSE "disk.vmdk"\n').encode(),
    "vhd": vhd(),
    "vhdx": vhdx(),
    "vdi": vdi(),
    "iso": iso(),
    "qed": qed(),
    "mbr": mbr([(0x80, 0x83, (1, 1, 0), 2048)]),
    "gpt": mbr([(0x00, 0xEE, (0, 2, 0), 1)]),
    "mbr-no-partition": mbr([]),
    "mbr-bad-boot-flag": mbr([(0x12, 0x83, (1, 1, 0), 2048)]),
    "luks": luks(),
    "iso-gpt": mbr([(0x00, 0xEE, (0, 2, 0), 1)]) + iso()[512:],
}


def certificate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imgsig formats")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def sign(key, data):
    return base64.b64encode(key.sign(
        data,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH),
        hashes.SHA256())).decode()


def endpoint(sess, service_type, version):
    """The public URL of `service_type`, ending in `version`."""
    url = sess.get_endpoint(service_type=service_type, interface="public").rstrip("/")
    return url if url.endswith(version) else url + version


def store_certificate(sess, barbican, pem, name):
    """Store `pem` as a certificate secret: its reference and id."""
    r = sess.post(barbican + "/secrets", json={
        "name": name, "secret_type": "certificate",
        "payload": base64.b64encode(pem).decode(),
        "payload_content_type": "application/octet-stream",
        "payload_content_encoding": "base64"}, raise_exc=True)
    secret_ref = r.json()["secret_ref"]
    return secret_ref, secret_ref.rsplit("/", 1)[1]


def main():
    cloud, store_dir = sys.argv[1], sys.argv[2]
    conn = openstack.connect(cloud=cloud)
    sess = conn.session
    glance = endpoint(sess, "image", "/v2")
    barbican = endpoint(sess, "key-manager", "/v1")
    key, pem = certificate()
    secret_ref, cert_id = store_certificate(sess, barbican, pem, "imgsig-formats")
    for name, data in DATA.items():
        print(json.dumps({"kind": "data", "data": name,
                          "data_base64": base64.b64encode(data).decode()}, sort_keys=True))
    try:
        for disk_format in DISK_FORMATS:
            for name, data in DATA.items():
                sigs = ["good"]
                if disk_format == "qcow2" and name in ("text", "qcow2"):
                    sigs += ["bad", "none"]
                for sig in sigs:
                    accepts = ["json"]
                    if disk_format == "qcow2" and name == "text" and sig == "good":
                        accepts = list(ACCEPTS)
                    for accept in accepts:
                        record = upload(sess, glance, store_dir, cert_id, key,
                                        disk_format, name, data, sig, accept)
                        print(json.dumps(record, sort_keys=True), flush=True)
    finally:
        sess.delete(secret_ref, raise_exc=False)


def upload(sess, glance, store_dir, cert_id, key, disk_format, name, data, sig, accept):
    body = {"name": "imgsig-formats-%s-%s" % (disk_format, name),
            "disk_format": disk_format, "container_format": "bare"}
    if sig != "none":
        signed = data if sig == "good" else data + b"!"
        body.update({
            "img_signature": sign(key, signed),
            "img_signature_certificate_uuid": cert_id,
            "img_signature_hash_method": "SHA-256",
            "img_signature_key_type": "RSA-PSS",
        })
    image = sess.post(glance + "/images", json=body, raise_exc=True).json()
    image_id = image["id"]
    try:
        headers = {"Content-Type": "application/octet-stream"}
        if ACCEPTS[accept] is not None:
            headers["Accept"] = ACCEPTS[accept]
        else:
            headers["Accept"] = None
        r = sess.put("%s/images/%s/file" % (glance, image_id), data=data,
                     headers=headers, raise_exc=False)
        after = sess.get("%s/images/%s" % (glance, image_id), raise_exc=True).json()
        download = sess.get("%s/images/%s/file" % (glance, image_id), raise_exc=False)
        record = {
            "kind": "upload",
            "disk_format": disk_format,
            "data": name,
            "signature": sig,
            "accept": accept,
            "status": r.status_code,
            "content_type": r.headers.get("Content-Type"),
            "body": r.text.replace(image_id, "IMAGE_ID"),
            "image_status": after["status"],
            "image_size": after.get("size"),
            "store_file_kept": os.path.exists(os.path.join(store_dir, image_id)),
            "download_status": download.status_code,
        }
        if r.status_code >= 300:
            again = sess.put("%s/images/%s/file" % (glance, image_id), data=data,
                             headers={"Content-Type": "application/octet-stream",
                                      "Accept": "application/json"},
                             raise_exc=False)
            record["second_upload_status"] = again.status_code
            record["second_upload_body"] = again.text.replace(image_id, "IMAGE_ID")
            record["image_status_after_second"] = sess.get(
                "%s/images/%s" % (glance, image_id), raise_exc=True).json()["status"]
        return record
    finally:
        sess.delete("%s/images/%s" % (glance, image_id), raise_exc=False)


if __name__ == "__main__":
    main()
