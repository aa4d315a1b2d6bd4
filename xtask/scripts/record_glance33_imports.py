#!/usr/bin/env python3
"""Record what the live Glance 33 does with staged data whose disk_format
does or does not match its bytes when it is imported (`glance-direct`).

The companion of record_glance33_formats.py (the direct `PUT /file`
uploads), with the same data kinds and disk formats (imported from it):
stores one self-signed RSA-2048 certificate in Barbican, then for every
disk_format x data kind creates an image signed over the data (container
bare), stages the data (`PUT /stage`), imports it (`POST /import`,
glance-direct), waits for the import task to end and records the stage's
and the import's status, the task's status and message, and the image's
status, `os_glance_failed_import`, size and download status afterwards
(and how often a hung import had to be tried again). One JSON line per
import (the data kinds' bytes are in
glance33-formats.jsonl).

The live stack runs Glance on sqlite in one uwsgi process, which now and
then leaves an import task pending for good, or fails one with "database
is locked" (Glance's log says so; a deployment on MySQL does not): such an
import is tried again on a new image (at most RETRIES times) and the
retries are recorded. Run with the live stack's virtualenv after `cargo
xtask live up`:

    OS_CLIENT_CONFIG_FILE=target/live/clouds.yaml target/live/venv/bin/python \\
        xtask/scripts/record_glance33_imports.py imgsig-live target/live/logs/glance.log \\
        > mock-services/tests/fixtures/glance33-imports.jsonl
"""

import json
import os
import sys
import time

import openstack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from record_glance33_formats import (  # noqa: E402
    DATA, DISK_FORMATS, certificate, endpoint, sign, store_certificate)

# How long an import task may take before it counts as hung.
TASK_SECONDS = 30
# How often a hung import is tried again.
RETRIES = 3


def main():
    cloud, log = sys.argv[1], sys.argv[2]
    conn = openstack.connect(cloud=cloud)
    sess = conn.session
    glance = endpoint(sess, "image", "/v2")
    barbican = endpoint(sess, "key-manager", "/v1")
    key, pem = certificate()
    secret_ref, cert_id = store_certificate(sess, barbican, pem, "imgsig-imports")
    try:
        for disk_format in DISK_FORMATS:
            for name, data in DATA.items():
                for retries in range(RETRIES + 1):
                    record, task_id = imported(sess, glance, cert_id, key,
                                               disk_format, name, data)
                    if not stack_artefact(record, task_id, log):
                        break
                record["retries"] = retries
                print(json.dumps(record, sort_keys=True), flush=True)
    finally:
        sess.delete(secret_ref, raise_exc=False)


def stack_artefact(record, task_id, log):
    """Whether the import went wrong for the live stack's own reasons: its
    task still pending, or failed on sqlite's lock."""
    if record["task_status"] == "pending":
        return True
    if record["task_status"] != "failure" or not task_id:
        return False
    with open(log, errors="replace") as f:
        line = "Failed to execute task %s: (sqlite3.OperationalError) database is locked" % task_id
        return any(line in l for l in f)


def imported(sess, glance, cert_id, key, disk_format, name, data):
    body = {"name": "imgsig-imports-%s-%s" % (disk_format, name),
            "disk_format": disk_format, "container_format": "bare",
            "img_signature": sign(key, data),
            "img_signature_certificate_uuid": cert_id,
            "img_signature_hash_method": "SHA-256",
            "img_signature_key_type": "RSA-PSS"}
    image = sess.post(glance + "/images", json=body, raise_exc=True).json()
    image_id = image["id"]
    url = "%s/images/%s" % (glance, image_id)
    try:
        stage = sess.put(url + "/stage", data=data,
                         headers={"Content-Type": "application/octet-stream",
                                  "Accept": "application/json"},
                         raise_exc=False)
        start = sess.post(url + "/import", json={"method": {"name": "glance-direct"}},
                          headers={"Accept": "application/json"}, raise_exc=False)
        task = None
        deadline = time.monotonic() + TASK_SECONDS
        while start.status_code < 300 and time.monotonic() < deadline:
            tasks = sess.get(url + "/tasks", raise_exc=True).json()["tasks"]
            task = tasks[0] if tasks else None
            if task and task["status"] in ("success", "failure"):
                break
            time.sleep(0.5)
        after = sess.get(url, raise_exc=True).json()
        download = sess.get(url + "/file", raise_exc=False)
        return {
            "kind": "import",
            "disk_format": disk_format,
            "data": name,
            "stage_status": stage.status_code,
            "stage_body": stage.text.replace(image_id, "IMAGE_ID"),
            "import_status": start.status_code,
            "task_status": task["status"] if task else None,
            "task_message": task.get("message") if task else None,
            "image_status": after["status"],
            "image_size": after.get("size"),
            "failed_import": after.get("os_glance_failed_import"),
            "download_status": download.status_code,
        }, (task or {}).get("id")
    finally:
        sess.delete(url, raise_exc=False)


if __name__ == "__main__":
    main()
