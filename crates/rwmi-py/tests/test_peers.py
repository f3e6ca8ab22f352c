"""rwmi's rows equal Impacket's and aiowmi's (both from PyPI, both run here in-process) for the same
query on the same emulator. Both peers connect to port 135 only, so the emulator listens on
127.0.0.85:135 (root needed; the test skips without it unless RWMI_REQUIRE_PEERS=1)."""

import asyncio
import os

import pytest

import rwmi
from conftest import PASSWORD, Sim

LISTEN = "127.0.0.85:135"
HOST = "127.0.0.85"
# Strings the synthetic services all have (no NULLs, no zeros: aiowmi shows those as its class slot).
QUERY = "SELECT Name, DisplayName, State, StartMode, Status, SystemName FROM Win32_Service"
KEYS = ["Name", "DisplayName", "State", "StartMode", "Status", "SystemName"]


@pytest.fixture(scope="module")
def sim135():
    try:
        s = Sim("--synthetic", "Win32_Service=82", listen=LISTEN)
    except RuntimeError as e:
        if os.environ.get("RWMI_REQUIRE_PEERS") == "1":
            raise
        pytest.skip(f"cannot listen on {LISTEN} (root needed): {e}")
    yield s
    s.stop()


def impacket_rows(query):
    from impacket.dcerpc.v5.dcom import wmi
    from impacket.dcerpc.v5.dcomrt import DCOMConnection
    from impacket.dcerpc.v5.dtypes import NULL

    dcom = DCOMConnection(HOST, "Administrator", PASSWORD, "", "", "", oxidResolver=True)
    try:
        login = wmi.IWbemLevel1Login(dcom.CoCreateInstanceEx(wmi.CLSID_WbemLevel1Login, wmi.IID_IWbemLevel1Login))
        services = login.NTLMLogin("//./root/cimv2", NULL, NULL)
        login.RemRelease()
        enum = services.ExecQuery(query)
        rows = []
        while True:
            try:
                obj = enum.Next(0xFFFFFFFF, 1)[0]
            except Exception as e:  # Impacket ends an enumeration with an S_FALSE exception
                if "S_FALSE" not in str(e):
                    raise
                break
            props = obj.getProperties()
            rows.append({k: props[k]["value"] for k in KEYS})
        enum.RemRelease()
        services.RemRelease()
        return rows
    finally:
        dcom.disconnect()


def aiowmi_rows(query):
    from aiowmi.connection import Connection
    from aiowmi.query import Query

    async def run():
        conn = Connection(HOST, "Administrator", PASSWORD)
        await conn.connect()
        service = await conn.negotiate_ntlm()
        try:
            rows = []
            async with Query(query, "root/cimv2").context(conn, service) as qc:
                async for props in qc.results():
                    rows.append({k: props[k].value for k in KEYS})
            return rows
        finally:
            service.close()
            conn.close()

    return asyncio.run(run())


def test_rows_equal_impacket_and_aiowmi_rows(sim135):
    with rwmi.connect(HOST, "Administrator", PASSWORD) as conn:
        ours = [{k: row[k] for k in KEYS} for row in conn.query(QUERY)]
    assert len(ours) == 82
    assert impacket_rows(QUERY) == ours
    assert aiowmi_rows(QUERY) == ours
