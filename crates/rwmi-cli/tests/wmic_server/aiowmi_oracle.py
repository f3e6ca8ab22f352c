#!/usr/bin/env python3
"""What aiowmi's wmic_server would have answered, next to what `rwmi wmic-server` answers.

    aiowmi_oracle.py HOST USER SERVER_URL ID TOKEN QUERY...

For each QUERY this script
1. runs it on HOST (port 135) with aiowmi (PyPI), reading the rows the way contrib/wmic_server reads
   them: `qc.results(ignore_defaults=False)`, each value through the same conversion (datetime ->
   aiowmi.tools.dt_fmt, timedelta -> its .microseconds), in aiowmi's property order;
2. asks SERVER_URL for it as check_wmi_os_security does (requests.post with a JSON body and a
   Content-type header; it reads Content-Length and then .json());
3. reconciles the two row lists value by value: equal, or one of aiowmi's known misreadings, each named
   (README, "Replacing wmic"), where rwmi's value is taken;
4. checks that json.dumps of the reconciled rows is rwmi's answer byte for byte, so separators,
   escapes, float forms and key order are the original's too.

The password is read from RWMI_AIOWMI_PASSWORD (never an argument). Prints one JSON object per query:
{"query", "rows", "same_bytes", "quirks": {name: count}, "mismatches": [...], "content_length_ok"}.
"""

import asyncio
import datetime
import json
import math
import os
import sys

import requests
from aiowmi.connection import Connection
from aiowmi.query import Query
from aiowmi.tools import dt_fmt

TIMEOUT = 60


def encode_value(value):
    # The original's conversion of aiowmi's values to JSON-compatible ones.
    if isinstance(value, datetime.datetime):
        return dt_fmt(value)
    if isinstance(value, datetime.timedelta):
        return value.microseconds
    return value


async def aiowmi_rows(host, user, password, query_text):
    domain, _, name = user.rpartition("\\")
    conn = Connection(host, name, password, domain=domain)
    service = None
    await conn.connect(timeout=TIMEOUT)
    try:
        service = await conn.negotiate_ntlm()
        rows = []
        query = Query(query_text, "root/cimv2")
        async with query.context(conn, service) as qc:
            async for props in qc.results(ignore_defaults=False):
                rows.append({k: encode_value(p.value) for k, p in props.items()})
        return rows
    finally:
        if service:
            service.close()
        conn.close()


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def quirk(theirs, ours):
    """The name of aiowmi's misreading that turns `ours` (the value WMI sent) into `theirs`, or None."""
    if ours is None:
        # NULL: aiowmi shows what the value slot holds, the class default or its NoValue octets.
        return "null-shown-as-slot"
    if (ours is False or ours == 0 or ours == "") and not isinstance(ours, list):
        # A slot that reads 0 is taken for "no value": the class slot shows instead.
        if isinstance(theirs, (bool, int, float, str)):
            return "zero-shown-as-class-slot"
    if ours == 0xFFFFFFFF and theirs == 0:
        return "uint32-max-read-as-no-value"
    if isinstance(ours, str) and len(ours) == 1 and theirs == ord(ours):
        return "char16-as-code"
    if isinstance(ours, list) and all(isinstance(x, bool) for x in ours) and ours:
        if theirs == [0xFFFF if x else 0 for x in ours]:
            return "boolean-array-as-variant-bool"
    if is_number(ours) and is_number(theirs) and theirs == ours % 1000000:
        return "interval-microseconds-part"
    if isinstance(ours, str) and isinstance(theirs, str) and theirs.startswith("1970-01-01"):
        return "datetime-unparsed-as-epoch"
    if isinstance(theirs, float) and math.isnan(theirs) and ours is not None:
        return "nan-from-no-value-octets"
    return None


def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def main():
    host, user, url, ident, token, *queries = sys.argv[1:]
    password = os.environ["RWMI_AIOWMI_PASSWORD"]
    for q in queries:
        theirs = asyncio.run(aiowmi_rows(host, user, password, q))
        answer = requests.post(
            url,
            data=json.dumps({"id": ident, "token": token, "host": host, "query": q, "namespace": "root/cimv2"}),
            headers={"Content-type": "application/json"},
            timeout=TIMEOUT,
        )
        content_length_ok = int(answer.headers["Content-Length"]) == len(answer.content)
        ours = answer.json()
        quirks = {}
        mismatches = []
        reconciled = []
        if len(theirs) != len(ours):
            mismatches.append(f"{len(theirs)} rows from aiowmi, {len(ours)} from rwmi")
        for t_row, o_row in zip(theirs, ours):
            if list(t_row) != list(o_row):
                mismatches.append(f"keys {list(t_row)} != {list(o_row)}")
            row = {}
            for key, t_value in t_row.items():
                o_value = o_row.get(key)
                if same(t_value, o_value):
                    row[key] = t_value
                    continue
                name = quirk(t_value, o_value)
                if name is None:
                    mismatches.append(f"{key}: aiowmi {t_value!r}, rwmi {o_value!r}")
                    row[key] = t_value
                else:
                    quirks[name] = quirks.get(name, 0) + 1
                    row[key] = o_value
            reconciled.append(row)
        print(json.dumps({
            "query": q,
            "rows": len(ours),
            "same_bytes": json.dumps(reconciled) == answer.text,
            "quirks": quirks,
            "mismatches": mismatches[:20],
            "content_length_ok": content_length_ok,
            "status": answer.status_code,
            "content_type": answer.headers.get("Content-Type"),
        }), flush=True)


if __name__ == "__main__":
    main()
