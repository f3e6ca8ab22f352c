"""wmi-client-wrapper-py3 (PyPI), a real consumer of wmic's output, against `rwmi wmic`.

Runs WmiClientWrapper.query, which calls `wmic` from PATH with the command line it builds
(`--delimiter=\\x01 --user=DOMAIN/user%password //host --namespace=//./root/cimv2 QUERY`) and parses the
output with its own rules, then compares each row with the row `rwmi query --format json` returns for
the same query, converted to what that parser makes of a value (it keeps numbers as text, turns
`True`/`False`/`(null)` into Python values and an array `(a,b)` into the one-item list `["a,b"]`).

Usage: wrapper_check.py RWMI HOST USER DOMAIN QUERY...   (the password in RWMI_PASSWORD)
Prints one JSON line per query: the class names and row count; exits 1 on the first difference.
"""

import json
import os
import subprocess
import sys

from wmi_client_wrapper import WmiClientWrapper


def as_wrapper_reads(value, is_array):
    if value is None:
        # A NULL array is wmic's `NULL`, which the wrapper keeps as text.
        return "NULL" if is_array else None
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return [",".join(str(as_wrapper_reads(v, False)) for v in value)]
    if isinstance(value, float):
        return "%.6f" % value
    return str(value)


def main():
    rwmi, host, user, domain = sys.argv[1:5]
    password = os.environ["RWMI_PASSWORD"]
    wrapper = WmiClientWrapper(username=user, password=password, host=host, domain=domain)
    for wql in sys.argv[5:]:
        got = wrapper.query(wql)
        out = subprocess.run(
            [rwmi, "query", "-H", host, "-u", domain + "\\" + user, "--format", "json", wql],
            check=True,
            capture_output=True,
            text=True,
        )
        rows = json.loads(out.stdout)
        # rwmi's JSON names arrays by their values; the wrapper cannot tell a NULL array from others,
        # so the array properties come from the rows that have a list there.
        arrays = {k for r in rows for k, v in r.items() if isinstance(v, list)}
        want = [
            {k: as_wrapper_reads(v, k in arrays) for k, v in r.items() if not k.startswith("__")}
            for r in rows
        ]
        if got != want:
            print(json.dumps({"query": wql, "wrapper": got, "rwmi": want}, indent=1), file=sys.stderr)
            sys.exit(1)
        print(json.dumps({"query": wql, "rows": len(got), "classes": sorted({r["__CLASS"] for r in rows})}))


main()
