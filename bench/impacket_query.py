#!/usr/bin/env python3
"""Impacket's side of the end-to-end benchmark: one WQL query the way wmiquery.py runs it.

DCOMConnection (endpoint mapper on port 135 of the target), CoCreateInstanceEx of WbemLevel1Login,
IWbemLevel1Login::NTLMLogin, IWbemServices::ExecQuery, then IEnumWbemClassObject::Next(WBEM_INFINITE, 1)
per row until S_FALSE. Every row is printed as one JSON line (flushed, so a reader sees the first row
when it arrives). A summary goes to stderr as JSON: rows, seconds to the first row and in total, both
measured from before the connection is opened.

The password comes from RWMI_PASSWORD.
"""

import argparse
import json
import os
import sys
import time

from impacket.dcerpc.v5.dcom import wmi
from impacket.dcerpc.v5.dcomrt import DCOMConnection
from impacket.dcerpc.v5.dtypes import NULL

WBEM_INFINITE = 0xFFFFFFFF


def row_json(properties):
    return json.dumps({name: prop["value"] for name, prop in properties.items()}, default=str)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", required=True, help="target address (its port 135 is used)")
    parser.add_argument("--user", default="Administrator")
    parser.add_argument("--domain", default="")
    parser.add_argument("--namespace", default="//./root/cimv2")
    parser.add_argument("query")
    args = parser.parse_args()
    password = os.environ.get("RWMI_PASSWORD")
    if password is None:
        sys.exit("impacket_query: set RWMI_PASSWORD")

    out = sys.stdout
    start = time.perf_counter()
    first_row = None
    rows = 0
    dcom = DCOMConnection(args.host, args.user, password, args.domain, "", "", None,
                          oxidResolver=True)
    try:
        interface = dcom.CoCreateInstanceEx(wmi.CLSID_WbemLevel1Login, wmi.IID_IWbemLevel1Login)
        login = wmi.IWbemLevel1Login(interface)
        services = login.NTLMLogin(args.namespace, NULL, NULL)
        login.RemRelease()
        enumerator = services.ExecQuery(args.query)
        while True:
            try:
                row = enumerator.Next(WBEM_INFINITE, 1)[0]
            except Exception as e:  # Impacket reports the end of the enumeration as an S_FALSE error.
                if "S_FALSE" in str(e):
                    break
                raise
            out.write(row_json(row.getProperties()))
            out.write("\n")
            out.flush()
            rows += 1
            if first_row is None:
                first_row = time.perf_counter() - start
        enumerator.RemRelease()
        services.RemRelease()
    finally:
        dcom.disconnect()
    total = time.perf_counter() - start
    json.dump({"rows": rows, "first_row_seconds": first_row, "total_seconds": total}, sys.stderr)
    sys.stderr.write("\n")


if __name__ == "__main__":
    main()
