#!/usr/bin/env python3
"""A WMI client built on Impacket (DCOMConnection + impacket.dcerpc.v5.dcom.wmi), used by
tests/impacket.rs to check the emulator against a DCOM stack rwmi did not write.

    wmi_client.py HOST USER NAMESPACE LEVEL OPERATION...

USER is `DOMAIN\\user` or `user`; the password is read from the environment variable
RWMI_IMPACKET_PASSWORD (never from the command line: other users can read process arguments).
With RWMI_IMPACKET_KDC set, Impacket authenticates with Kerberos (SPNEGO, RPC_C_AUTHN_GSS_NEGOTIATE)
through that KDC, with the tickets in the credential cache KRB5CCNAME and no password; DOMAIN is then
the realm and HOST the name of the service (its SPN is host/HOST).
LEVEL is `integrity` or `privacy`: the authentication level of every binding, the activation
included. Each OPERATION is `query:WQL` or `get:OBJECT_PATH`.

Output, one JSON object a line, each naming the operation by its index in `op`:
    {"op": 0, "row": {"__CLASS": "Win32_Process", "Name": "...", ...}}   one per query result
    {"op": 0, "done": 12}                                                a query's row count
    {"op": 1, "class": "Win32_Process", "properties": ["Caption", ...]}  a GetObject result
    {"op": null, "error": "0x80070005", "stage": "activation"}           a failure, then exit 0
Stages: activation (connection to HOST:135 and RemoteCreateInstance), login (NTLMLogin),
query (ExecQuery, IEnumWbemClassObject::Next, GetObject). Any other failure exits non-zero.
"""

import json
import os
import sys

from impacket.dcerpc.v5.dcom import wmi
from impacket.dcerpc.v5.dcomrt import DCOMConnection
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import (
    DCERPCException,
    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
)

PASSWORD_VARIABLE = "RWMI_IMPACKET_PASSWORD"
KDC_VARIABLE = "RWMI_IMPACKET_KDC"
LEVELS = {
    "integrity": RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
    "privacy": RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
}
# IEnumWbemClassObject::Next: WBEM_INFINITE timeout, one object a call (as wmiquery.py reads).
WBEM_INFINITE = 0xFFFFFFFF
WBEM_S_FALSE = 1


class StageFailed(Exception):
    """An HRESULT or RPC status the server returned at a named stage."""

    def __init__(self, stage, op, code):
        super().__init__(stage, op, code)
        self.stage = stage
        self.op = op
        self.code = code


def emit(obj):
    print(json.dumps(obj, sort_keys=True, default=str), flush=True)


def error_code(exc):
    """The status an Impacket RPC/DCOM exception carries, or None when it carries none."""
    code = getattr(exc, "error_code", None)
    if code is None and isinstance(exc, DCERPCException):
        code = exc.get_error_code()
    return code


def at_stage(stage, op, call):
    """Runs call(); a server status becomes StageFailed(stage)."""
    try:
        return call()
    except DCERPCException as exc:
        code = error_code(exc)
        if code is None:
            raise
        raise StageFailed(stage, op, code) from exc


def json_value(value, cim_type):
    # Impacket decodes a CIM boolean as the string 'True' or 'False'.
    if cim_type == "bool" and value in ("True", "False"):
        return value == "True"
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, list):
        return [json_value(v, cim_type) for v in value]
    return value


def row_of(obj):
    row = {"__CLASS": obj.getClassName()}
    for name, prop in obj.getProperties().items():
        row[name] = json_value(prop["value"], prop.get("stype"))
    return row


def run_query(services, op, wql):
    enumerator = at_stage("query", op, lambda: services.ExecQuery(wql))
    count = 0
    while True:
        try:
            objects = enumerator.Next(WBEM_INFINITE, 1)
        except DCERPCException as exc:
            # The end of the enumeration is WBEM_S_FALSE with no object (MS-WMI 3.1.4.4.1).
            if error_code(exc) == WBEM_S_FALSE:
                break
            code = error_code(exc)
            if code is None:
                raise
            raise StageFailed("query", op, code) from exc
        if not objects:
            break
        for obj in objects:
            emit({"op": op, "row": row_of(obj)})
            count += 1
    enumerator.RemRelease()
    emit({"op": op, "done": count})


def run_get(services, op, path):
    obj, _ = at_stage("query", op, lambda: services.GetObject(path))
    # The object travels by value (an OBJREF_CUSTOM): there is no remote reference to release.
    emit({"op": op, "class": obj.getClassName(), "properties": list(obj.getProperties().keys())})


def parse_operation(text):
    kind, sep, argument = text.partition(":")
    if not sep or kind not in ("query", "get") or not argument:
        raise SystemExit("operation `%s` is not query:WQL or get:PATH" % text)
    return kind, argument


def main(argv):
    if len(argv) < 5:
        raise SystemExit(__doc__)
    host, user, namespace, level_name = argv[1:5]
    if level_name not in LEVELS:
        raise SystemExit("level `%s` is not integrity or privacy" % level_name)
    level = LEVELS[level_name]
    operations = [parse_operation(t) for t in argv[5:]]
    kdc = os.environ.get(KDC_VARIABLE)
    password = os.environ.get(PASSWORD_VARIABLE, "" if kdc else None)
    if password is None:
        raise SystemExit("%s is not set" % PASSWORD_VARIABLE)
    domain, _, name = user.rpartition("\\")

    dcom = None
    try:
        def activate():
            connection = DCOMConnection(
                host,
                name,
                password,
                domain,
                authLevel=level,
                doKerberos=kdc is not None,
                kdcHost=kdc,
            )
            return connection, connection.CoCreateInstanceEx(
                wmi.CLSID_WbemLevel1Login, wmi.IID_IWbemLevel1Login
            )

        dcom, login_pointer = at_stage("activation", None, activate)
        # The object exporter binding takes its level from the class instance (Impacket's
        # default is privacy); set it before the first call so that the login runs at LEVEL.
        login_pointer.get_cinstance().set_auth_level(level)
        login = wmi.IWbemLevel1Login(login_pointer)
        services = at_stage("login", None, lambda: login.NTLMLogin(namespace, NULL, NULL))
        login.RemRelease()
        for op, (kind, argument) in enumerate(operations):
            if kind == "query":
                run_query(services, op, argument)
            else:
                run_get(services, op, argument)
        services.RemRelease()
    except StageFailed as failure:
        emit({"op": failure.op, "error": "0x%08x" % failure.code, "stage": failure.stage})
    finally:
        if dcom is not None:
            dcom.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
