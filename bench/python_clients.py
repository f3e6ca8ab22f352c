#!/usr/bin/env python3
"""rwmi's Python package against Impacket and aiowmi, on the same emulator, in one run.

    bench/python_clients.py --rwmi target/release/rwmi [--python .venv/bin/python] [--runs 3]

Scenarios (each client a Python process of its own, timed here: wall with a monotonic clock, CPU as
user + system from wait4's rusage of that process; a process per run, so the interpreter's start and
the imports count for every tool alike):
- rows: `SELECT * FROM Win32_Process` with 10,000 synthetic processes on one host;
- hosts: `SELECT * FROM Win32_OperatingSystem` on 100 virtual hosts: rwmi.query_many (64 at a time),
  aiowmi with asyncio.gather (all at once), Impacket one host after the other (it is synchronous).
Each client turns every row into Python values and counts them; the counts must agree.

Both peers reach port 135 only, so the emulator listens on port 135 (root needed): 127.0.0.86 for the
rows, 127.0.0.1-100 for the hosts. The rwmi package must be installed in --python (release build:
`pip install ./crates/rwmi-py`). Writes bench/results/python.json and python.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "Passw0rd!"
ROWS_HOST = "127.0.0.86"
ROWS = 10000
HOSTS = 100

RWMI_ROWS = """
import rwmi, sys
with rwmi.connect(sys.argv[1], "Administrator", "Passw0rd!") as c:
    n = sum(1 for row in c.query(sys.argv[2]))
print(n)
"""

RWMI_HOSTS = """
import rwmi, sys
hosts = sys.argv[1].split(",")
n = 0
for host, rows, err in rwmi.query_many(hosts, sys.argv[2], "Administrator", "Passw0rd!", concurrency=64):
    if err is not None:
        raise err
    n += len(rows)
print(n)
"""

AIOWMI = """
import asyncio, sys
from aiowmi.connection import Connection
from aiowmi.query import Query

async def one(host, wql):
    conn = Connection(host, "Administrator", "Passw0rd!")
    await conn.connect()
    service = await conn.negotiate_ntlm()
    n = 0
    try:
        async with Query(wql, "root/cimv2").context(conn, service) as qc:
            async for props in qc.results():
                row = {k: p.value for k, p in props.items()}
                n += 1
    finally:
        service.close()
        conn.close()
    return n

async def main():
    hosts = sys.argv[1].split(",")
    counts = await asyncio.gather(*(one(h, sys.argv[2]) for h in hosts))
    print(sum(counts))

asyncio.run(main())
"""

IMPACKET = """
import sys
from impacket.dcerpc.v5.dcom import wmi
from impacket.dcerpc.v5.dcomrt import DCOMConnection
from impacket.dcerpc.v5.dtypes import NULL

def one(host, wql):
    dcom = DCOMConnection(host, "Administrator", "Passw0rd!", "", "", "", oxidResolver=True)
    n = 0
    try:
        login = wmi.IWbemLevel1Login(dcom.CoCreateInstanceEx(wmi.CLSID_WbemLevel1Login, wmi.IID_IWbemLevel1Login))
        services = login.NTLMLogin("//./root/cimv2", NULL, NULL)
        login.RemRelease()
        enum = services.ExecQuery(wql)
        while True:
            try:
                obj = enum.Next(0xFFFFFFFF, 1)[0]
            except Exception as e:
                if "S_FALSE" not in str(e):
                    raise
                break
            row = {k: v["value"] for k, v in obj.getProperties().items()}
            n += 1
        enum.RemRelease()
        services.RemRelease()
    finally:
        dcom.disconnect()
    return n

print(sum(one(h, sys.argv[2]) for h in sys.argv[1].split(",")))
"""


def measured_cpu(python, code, hosts, wql):
    """Runs the client and returns (wall, cpu, rows) from its own rusage."""
    begin = time.perf_counter()
    proc = subprocess.Popen([python, "-c", code, ",".join(hosts), wql],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - begin
    if status != 0:
        raise SystemExit(f"client failed: {err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, int(out.decode().strip().splitlines()[-1])


def start_sim(rwmi, args):
    proc = subprocess.Popen([rwmi, "sim", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    if "ready on" not in line:
        raise SystemExit(f"rwmi sim did not start: {line!r}")
    return proc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rwmi", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--impacket-runs", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--only", default="rows,hosts")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    results = {"runs": args.runs, "scenarios": {}}
    clients = {"rows": [("rwmi-py", RWMI_ROWS), ("aiowmi", AIOWMI), ("impacket", IMPACKET)],
               "hosts": [("rwmi-py", RWMI_HOSTS), ("aiowmi", AIOWMI), ("impacket", IMPACKET)]}
    for scenario in args.only.split(","):
        if scenario == "rows":
            sim = start_sim(args.rwmi, ["--listen", f"{ROWS_HOST}:135", "--synthetic", f"Win32_Process={ROWS}"])
            hosts, wql, expected = [ROWS_HOST], "SELECT * FROM Win32_Process", ROWS
        else:
            sim = start_sim(args.rwmi, ["--listen", "127.0.0.1:135", "--virtual-hosts", str(HOSTS)])
            hosts, wql, expected = [f"127.0.0.{n}" for n in range(1, HOSTS + 1)], \
                "SELECT * FROM Win32_OperatingSystem", HOSTS
        try:
            for tool, code in clients[scenario]:
                runs = args.impacket_runs if tool == "impacket" else args.runs
                walls, cpus = [], []
                for _ in range(runs):
                    wall, cpu, rows = measured_cpu(args.python, code, hosts, wql)
                    if rows != expected:
                        raise SystemExit(f"{tool} {scenario}: {rows} rows, expected {expected}")
                    walls.append(wall)
                    cpus.append(cpu)
                    print(f"{scenario:5} {tool:9} wall {wall:8.3f} s  cpu {cpu:8.3f} s", file=sys.stderr)
                results["scenarios"][f"{scenario}, {tool}"] = {
                    "wall": statistics.median(walls), "cpu": statistics.median(cpus),
                    "walls": walls, "cpus": cpus, "rows": expected,
                }
        finally:
            sim.terminate()
            sim.wait()

    s = results["scenarios"]
    lines = ["| scenario | client | wall s | CPU s |", "|---|---|---:|---:|"]
    for name, v in s.items():
        scenario, tool = name.split(", ")
        lines.append(f"| {scenario} | {tool} | {v['wall']:.3f} | {v['cpu']:.3f} |")
    lines.append("")
    for scenario in args.only.split(","):
        ours = s[f"{scenario}, rwmi-py"]
        for peer in ("impacket", "aiowmi"):
            theirs = s[f"{scenario}, {peer}"]
            ratio = {"wall": theirs["wall"] / ours["wall"], "cpu": theirs["cpu"] / ours["cpu"]}
            results[f"ratio, {scenario}, {peer}"] = ratio
            lines.append(f"- {scenario}: rwmi-py is {ratio['wall']:.1f}x faster than {peer} (wall), "
                         f"{ratio['cpu']:.1f}x less CPU.")
    with open(os.path.join(args.out, "python.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "python.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
