"""Rows as Python values, synchronous and asyncio, against the emulator."""

import asyncio
import datetime

import rwmi
import rwmi.aio

from conftest import PASSWORD

UTC = datetime.timezone.utc


def upper_and_lower(target):
    with rwmi.connect(target, "Administrator", PASSWORD) as conn:
        rows = {r["Name"]: r for r in conn.query("SELECT * FROM RWMI_TypeSample")}
    return rows["upper"], rows["lower"]


def test_every_cim_type_has_its_python_type(sim):
    upper, lower = upper_and_lower(sim.target)
    assert upper["Sint8Value"] == 127 and upper["Uint8Value"] == 255
    assert upper["Sint64Value"] == 9223372036854775807
    assert upper["Uint64Value"] == 18446744073709551615
    assert upper["Uint32Value"] == 4294967295
    assert upper["Real32Value"] == 340282346638528859811704183484516925440.0
    assert isinstance(upper["Real64Value"], float) and upper["Real64Value"] == 9007199254740992.0
    assert upper["BooleanValue"] is True and lower["BooleanValue"] is False
    assert upper["StringValue"].startswith("Grüße, 日本語, Ωmega, 😀")
    assert upper["DatetimeValue"] == datetime.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    assert upper["DatetimeValue"].utcoffset() == datetime.timedelta(0)
    assert upper["Char16Value"] == "\u263a"
    assert upper["ReferenceValue"] == 'Win32_Process.Handle="4"'
    assert upper["ObjectValue"] == {"Label": "embedded upper", "Count": 4294967295}
    assert upper["Sint8Array"] == [-128, 0, 127]
    assert upper["Real64Array"] == [0.0, -0.25, 4503599627370495.5, 1.0e22]
    assert upper["BooleanArray"] == [True, False, True]
    assert upper["StringArray"] == ["", "a", "日本語", "line\nbreak", 'quote"inside']
    assert upper["DatetimeArray"] == [
        datetime.datetime(1970, 1, 1, tzinfo=UTC),
        datetime.datetime(2026, 1, 1, 12, 0, 0, 500000, tzinfo=UTC),
        datetime.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=5),
    ]
    assert upper["Char16Array"] == ["A", "'", "é", "\\"]
    assert upper["ObjectArray"] == [{"Label": "first", "Count": 1}, {"Label": "", "Count": 0}]
    # NULL is None; an empty array is [].
    assert lower["ReferenceValue"] is None and lower["ObjectValue"] is None
    assert lower["ReferenceArray"] is None and lower["Sint8Array"] == []
    assert lower["DatetimeValue"] == datetime.datetime(1601, 1, 1, tzinfo=UTC)
    # Properties in declaration order, as the class declares them.
    assert list(upper)[:3] == ["Name", "Sint8Value", "Uint8Value"]


def test_get_and_call(sim):
    with rwmi.connect(sim.target, "Administrator", PASSWORD) as conn:
        first = next(iter(conn.query("SELECT Name, State FROM Win32_Service")))
        service = conn.get(f'Win32_Service.Name="{first["Name"]}"')
        assert service["Name"] == first["Name"] and service["State"] == first["State"]
        (os_row,) = conn.query("SELECT Caption, LastBootUpTime FROM Win32_OperatingSystem")
        assert os_row["Caption"].startswith("Microsoft Windows")
        assert isinstance(os_row["LastBootUpTime"], datetime.datetime)
        out = conn.call("Win32_Process", "Create", CommandLine="notepad.exe")
        assert out["ReturnValue"] == 0 and out["ProcessId"] > 0
        assert conn.healthy
    assert not conn.healthy


def test_rows_stream_batch_by_batch_and_asyncio_gets_the_same(sim):
    query = "SELECT * FROM Win32_Service"
    with rwmi.connect(sim.target, "Administrator", PASSWORD) as conn:
        rows = conn.query(query)
        first = next(rows)
        sync_rows = [first, *rows]
    assert len(sync_rows) == 82

    async def run():
        async with await rwmi.aio.connect(sim.target, "Administrator", PASSWORD) as conn:
            return [row async for row in conn.query(query)]

    assert asyncio.run(run()) == sync_rows


def test_query_many_yields_each_hosts_outcome(make_sim):
    fleet = make_sim("--virtual-hosts", "5", "--profile", "4:home-edition")
    hosts = [fleet.host(n) for n in range(1, 6)] + ["127.0.0.1:1"]
    outcomes = {h: (rows, err) for h, rows, err in
                rwmi.query_many(hosts, "SELECT Name FROM Win32_OperatingSystem", "Administrator", PASSWORD,
                                concurrency=3)}
    assert sorted(outcomes) == sorted(hosts)
    for n in (1, 2, 3, 4):
        rows, err = outcomes[fleet.host(n)]
        assert err is None and len(rows) == 1
    rows, err = outcomes[fleet.host(5)]
    assert rows is None and isinstance(err, rwmi.Error) and err.verdict == "unsupported-edition"
    rows, err = outcomes["127.0.0.1:1"]
    assert isinstance(err, rwmi.ConnectionError)

    async def run():
        got = {}
        async for host, rows, err in rwmi.aio.query_many(hosts[:3], "SELECT Name FROM Win32_OperatingSystem",
                                                         "Administrator", PASSWORD):
            assert err is None
            got[host] = rows
        return got

    assert asyncio.run(run()) == {h: outcomes[h][0] for h in hosts[:3]}
