#!/usr/bin/env python3
"""Record what Python prints for JSON values: `repr()` and
`pprint.pformat(value, width=W, sort_dicts=False)`, the two forms Glance's
and Barbican's jsonschema messages quote bodies in. The mock's port
(`mock-services/src/python.rs`) is tested against these lines.

Run with the Python the live services run on (`target/live/venv/bin/python
xtask/scripts/record_python311_pformat.py >
mock-services/tests/fixtures/python311-pformat.jsonl`). The values are
random but seeded, so a second run writes the same file. One JSON line per
value: the value, the width, `repr` and `pformat`.
"""

import json
import pprint
import random
import sys

# Characters a body may hold, among them what `repr` escapes and what
# `splitlines` and `\s` treat specially.
ALPHABET = (
    list("abcdefghij") * 6 + [" "] * 12
    + ["\n", "\t", "\r", "'", '"', "\\", "é", "\u00a0", "\u2028", "\U0001f600",
       "\x1f", "\x85", "\u3000", "\x0b", "~", "/"]
)


def text(rng):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 90)))


def number(rng):
    kind = rng.randint(0, 3)
    if kind == 0:
        return rng.randint(-10**6, 10**6)
    if kind == 1:
        return rng.randint(-2**63, 2**63 - 1)
    if kind == 2:
        return rng.uniform(-1e6, 1e6)
    return rng.choice([0.0, -0.0, 1e16, 1e-5, 2.5e-7, 1e20, 123456789.125,
                       1.7976931348623157e308, 5e-324, 0.1, 1e15, 9.5e15])


def value(rng, depth):
    kind = rng.randint(0, 9 if depth < 3 else 5)
    if kind <= 1:
        return text(rng)
    if kind == 2:
        return number(rng)
    if kind == 3:
        return rng.choice([None, True, False])
    if kind in (4, 5):
        return text(rng)[:12]
    if kind in (6, 7):
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {text(rng)[:10]: value(rng, depth + 1)
            for _ in range(rng.randint(0, 4))}


def main():
    rng = random.Random(20261203)
    for n in range(300):
        v = value(rng, 0)
        # What a body read by `json.loads` holds (`-0.0` and all).
        v = json.loads(json.dumps(v))
        width = rng.choice([72, 72, 72, 40, 20, 100])
        line = {"value": v, "width": width, "repr": repr(v),
                "pformat": pprint.pformat(v, width=width, sort_dicts=False)}
        sys.stdout.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    main()
