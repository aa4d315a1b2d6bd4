"""JUnit XML files checked as CI systems read them (`cargo xtask report-check`).

usage: junit.py SCHEMA.xsd FILE.xml...

Each file must be valid against SCHEMA (the Jenkins/Surefire
junit-10.xsd), and every count must match the children: a test suite's
`tests`, `failures`, `errors` and `skipped` are its test cases and those
holding a <failure>, <error> or <skipped>; the <testsuites> root's counts
are the sums. Prints one line per file; exits 1 if any file fails.
"""

import sys
import xml.etree.ElementTree as ET

import xmlschema

KINDS = ("failure", "error", "skipped")


def count_problems(path):
    """What differs between a file's counts and its children."""
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    problems = []
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        cases = suite.findall("testcase")
        have = {"tests": len(cases)}
        for kind in KINDS:
            have[kind if kind == "skipped" else kind + "s"] = sum(
                1 for case in cases if case.find(kind) is not None
            )
        for name, n in have.items():
            said = suite.get(name)
            if said is not None and int(said) != n:
                problems.append(
                    f"testsuite {suite.get('name')!r}: {name}={said}, children {n}"
                )
            if name in totals:
                totals[name] += n
    if root.tag == "testsuites":
        for name, n in totals.items():
            said = root.get(name)
            if said is not None and int(said) != n:
                problems.append(f"testsuites: {name}={said}, children {n}")
    return problems, totals


def main(argv):
    schema = xmlschema.XMLSchema(argv[1])
    failed = False
    for path in argv[2:]:
        errors = [f"{e.reason} at {e.path}" for e in schema.iter_errors(path)]
        problems, totals = count_problems(path)
        for line in errors[:10] + problems:
            print(f"{path}: {line}")
        failed |= bool(errors or problems)
        verdict = "INVALID" if errors or problems else "valid, counts match"
        print(
            f"{path}: {verdict} ({totals['tests']} tests, "
            f"{totals['failures']} failures, {totals['errors']} errors)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
