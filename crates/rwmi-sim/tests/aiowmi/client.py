#!/usr/bin/env python3
"""A WMI client built on aiowmi (asyncio; cesbit/aiowmi on PyPI), used by tests/aiowmi.rs to check the
emulator against a second DCOM stack rwmi did not write, used unpatched as its README shows.

    client.py HOST USER OPERATION...

USER is `DOMAIN\\user` or `user`; the password is read from the environment variable
RWMI_AIOWMI_PASSWORD (never from the command line: other users can read process arguments).
aiowmi authenticates with NTLM, activates at packet privacy and binds the object exporter at
max(authnHint, packet integrity) on one presentation context (IWbemLevel1Login) for every later call.
Each OPERATION is `smart:WQL` (ExecQuery, then IWbemFetchSmartEnum and IWbemWCOSmartEnum::Next, as
aiowmi does by default) or `plain:WQL` (ExecQuery and IEnumWbemClassObject::Next, skip_optimize).

Output, one JSON object a line, each naming the operation by its index in `op`:
    {"op": 0, "row": {"__CLASS": "Win32_Process", "Name": "...", ...}}   one per query result
    {"op": 0, "done": 12, "optimized": true}                            a query's row count
    {"op": null, "error": "0x80070005", "stage": "activation"}           a failure, then exit 0
Stages: activation (connection to HOST:135, RemoteCreateInstance, the bind to the exporter), login
(NTLMLogin), query (ExecQuery and the enumeration). Any other failure exits non-zero.
Values are printed as aiowmi decodes them, except datetimes and intervals, which aiowmi turns into
datetime and timedelta objects: those are printed back in the CIM text form (DSP0004 2.3) so that they
compare with the strings rwmi decodes.
"""

import asyncio
import datetime
import json
import os
import re
import sys

from aiowmi.connection import Connection
from aiowmi.exceptions import WbemFalse
from aiowmi.ndr.encoded_string import EncodedString
from aiowmi.qcontext import QContext
from aiowmi.query import Query

PASSWORD_VARIABLE = "RWMI_AIOWMI_PASSWORD"
TIMEOUT = 60
# aiowmi's exceptions carry their status only in the message: `WBEM_E_ACCESS_DENIED (2147749891)`.
CODE = re.compile(r"\((\d+)\)$")


class StageFailed(Exception):
    """(stage, op, code): an HRESULT or RPC status the server returned at a named stage."""


def emit(obj):
    print(json.dumps(obj, sort_keys=True), flush=True)


async def at_stage(stage, op, awaitable):
    """Awaits; an aiowmi exception that carries a status becomes StageFailed(stage)."""
    try:
        return await awaitable
    except WbemFalse:
        raise
    except Exception as exc:
        found = CODE.search(str(exc))
        if found is None:
            raise
        raise StageFailed(stage, op, int(found.group(1))) from exc


def cim_text(value):
    if isinstance(value, datetime.timedelta):
        micro = value.microseconds
        seconds = value.seconds
        return "%08d%02d%02d%02d.%06d:000" % (
            value.days, seconds // 3600, seconds // 60 % 60, seconds % 60, micro)
    offset = value.utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return value.strftime("%Y%m%d%H%M%S.%f") + "%s%03d" % (sign, abs(minutes))


def json_value(value):
    if isinstance(value, (datetime.datetime, datetime.timedelta)):
        return cim_text(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


async def run_query(conn, service, op, kind, wql):
    query = Query(wql, namespace="root/cimv2")
    qc = query.context(conn, service, timeout=TIMEOUT, skip_optimize=(kind == "plain"))
    await at_stage("query", op, qc.start())
    count = 0
    try:
        while True:
            try:
                response = await at_stage("query", op, qc.next())
            except WbemFalse:
                break
            row = {"__CLASS": class_name(response)}
            for prop_name, prop in response.get_properties().items():
                row[prop_name] = json_value(prop.value)
            emit({"op": op, "row": row})
            count += 1
        # QContext.is_optimized compares two fresh bound methods with `is`, so it is always False.
        optimized = getattr(qc.next, "__func__", None) is QContext._next_smart
        emit({"op": op, "done": count, "optimized": optimized})
    finally:
        await qc.release()


def class_name(response):
    """The instance's class name, read before get_properties (which drops the class part).
    ClassPart.get_name() loops forever on any class with a superclass: it walks the DerivationList
    as bare Encoded-Strings, without the EncodingLength that follows each name (MS-WMIO 2.2.17), so
    the name is read from the class heap as get_name() itself reads the first one."""
    part = response.get_class_part()
    name, _ = EncodedString.from_data(part.class_heap, part.class_name_ref)
    return name


def parse_operation(text):
    kind, sep, argument = text.partition(":")
    if not sep or kind not in ("smart", "plain") or not argument:
        raise SystemExit("operation `%s` is not smart:WQL or plain:WQL" % text)
    return kind, argument


async def run(host, user, password, operations):
    domain, _, name = user.rpartition("\\")
    conn = Connection(host, name, password, domain=domain)
    service = None
    try:
        await conn.connect(timeout=TIMEOUT)
        # negotiate_ntlm: bind 135 with NTLM, RemoteCreateInstance, bind the exporter.
        service = await at_stage("activation", None, conn.negotiate_ntlm())
        await at_stage("login", None, conn.login_ntlm(service, namespace="root/cimv2"))
        for op, (kind, wql) in enumerate(operations):
            await run_query(conn, service, op, kind, wql)
    except StageFailed as failure:
        stage, op, code = failure.args
        emit({"op": op, "error": "0x%08x" % code, "stage": stage})
    finally:
        if service is not None:
            service.close()
        conn.close()


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    host, user = argv[1:3]
    operations = [parse_operation(t) for t in argv[3:]]
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        raise SystemExit("%s is not set" % PASSWORD_VARIABLE)
    asyncio.run(run(host, user, password, operations))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
