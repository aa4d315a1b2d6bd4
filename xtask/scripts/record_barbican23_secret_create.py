#!/usr/bin/env python3
"""Record what the live Barbican 23 answers to `POST /v1/secrets` bodies:
the `Secret` schema's faults (jsonschema's best match), the validator's own
checks (content type, encoding, an empty payload, base64 as Python's
non-strict `b64decode` reads it, `expiration` as `iso8601` reads it),
`load_body`'s "Malformed JSON" and its stripping of strings. A body it stores is read back (metadata and payload
as octet-stream) and deleted.

Run with the live stack's venv and clouds.yaml (`OS_CLIENT_CONFIG_FILE=
target/live/clouds.yaml target/live/venv/bin/python
xtask/scripts/record_barbican23_secret_create.py imgsig-live >
mock-services/tests/fixtures/barbican23-secret-create.jsonl`). One JSON
line per body: the body as sent, the status, then the description of a
refusal or what was stored.
"""

import json
import sys

import openstack
import requests

OCTETS = {
    "payload_content_type": "application/octet-stream",
    "payload_content_encoding": "base64",
}

BODIES = [
    json.dumps({"payload": "abc", "payload_content_encoding": "base64"}),
    json.dumps({"payload_content_type": "text/plain"}),
    json.dumps({"payload_content_type": None}),
    json.dumps({"payload": "abc", "payload_content_type": "text/plain",
                "payload_content_encoding": "base64"}),
    json.dumps({"payload": "abc",
                "payload_content_type": "application/octet-stream"}),
    json.dumps({"payload": "abc",
                "payload_content_type": "application/octet-stream",
                "payload_content_encoding": "binary"}),
    json.dumps({"payload": "", "payload_content_type": "text/plain"}),
    json.dumps({"payload": "  \n", "payload_content_type": "text/plain"}),
    json.dumps(dict(payload="!!!", **OCTETS)),
    json.dumps(dict(payload="abc", **OCTETS)),
    json.dumps(dict(payload="a", **OCTETS)),
    json.dumps(dict(payload="YW Jj", **OCTETS)),
    json.dumps(dict(payload="YWJ=j", **OCTETS)),
    json.dumps(dict(payload="YWJj\u00e9", **OCTETS)),
    json.dumps({"secret_type": "nonsense"}),
    json.dumps({"secret_type": " opaque "}),
    json.dumps({"secret_type": 5}),
    json.dumps({"name": 5, "payload": 5}),
    json.dumps({"name": 5, "bit_length": "x"}),
    json.dumps({"name": "x" * 256}),
    json.dumps({"bit_length": 0}),
    json.dumps({"bit_length": 40000}),
    json.dumps({"bit_length": True}),
    json.dumps({"bit_length": 256.0}),
    json.dumps({"transport_key_needed": "maybe"}),
    json.dumps({"algorithm": None}),
    json.dumps({"expiration": None}),
    json.dumps({"bit_length": None}),
    json.dumps({"name": None, "secret_type": "opaque"}),
    '["not", "an", "object"]',
    "5",
    "null",
    '"s"',
    "{",
]

# `expiration`, read with `iso8601` (its grammar backtracks), normalised to
# naive UTC and compared with the time now.
BODIES += [json.dumps({"expiration": e}) for e in [
    "2999-01-01T00:00:00Z",
    "2999-01-01",
    "2999-01-01T12:30:45.123456789+05:30",
    "2999-06-15 08:00",
    "29990615T080000Z",
    "2999-121",
    "2999",
    "299901",
    "2999-1-5T1:2",
    "2999-13-01",
    "2999-02-30",
    "2999-01-01T24:00:00",
    "2999-01-01T00:00:60",
    "2999-01-01T00:00:00+99:00",
    "2999-01-01T00:00:00,5Z",
    "2999-01-01T00:00:00-0130",
    "2999-01-01T00:00:00+01",
    "2999-01-01t00:00:00z",
    "2000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "not a date",
    "",
    "   ",
]]


def main():
    cloud = openstack.connect(cloud=sys.argv[1])
    token = cloud.auth_token
    url = cloud.key_manager.get_endpoint().rstrip("/")
    if not url.endswith("/v1"):
        url += "/v1"
    for raw in BODIES:
        answer = requests.post(
            url + "/secrets",
            headers={"X-Auth-Token": token, "Accept": "application/json",
                     "Content-Type": "application/json"},
            data=raw.encode())
        line = {"body": raw, "status": answer.status_code}
        if answer.status_code == 201:
            ref = answer.json()["secret_ref"]
            meta = requests.get(ref, headers={
                "X-Auth-Token": token, "Accept": "application/json"}).json()
            payload = requests.get(ref + "/payload", headers={
                "X-Auth-Token": token, "Accept": "application/octet-stream"})
            line.update(secret_type=meta.get("secret_type"),
                        bit_length=meta.get("bit_length"),
                        expiration=meta.get("expiration"),
                        payload_status=payload.status_code,
                        payload=payload.content.decode("latin-1"))
            requests.delete(ref, headers={"X-Auth-Token": token})
        elif answer.headers.get("Content-Type", "").startswith("application/json"):
            line["description"] = answer.json().get("description")
        else:
            line["description"] = answer.text
        print(json.dumps(line))


if __name__ == "__main__":
    main()
