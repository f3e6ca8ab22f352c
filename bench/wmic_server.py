#!/usr/bin/env python3
"""Requests per second of `rwmi wmic-server` (connections kept open) against a fresh `wmic`-style process
per request (what check_wmi_plus and Cacti fork), against one emulated host and against 100.

    bench/wmic_server.py --rwmi target/release/rwmi [--requests 400] [--clients 8] [--runs 3]

Each request is what a poller sends: a new TCP connection, `POST /wmic` with a JSON body
(check_wmi_plus, check_wmi_os_security, wmic_client.sh), `SELECT Name, State FROM Win32_Service`
(check_wmi_plus's checkservice). The process-per-request side runs `rwmi wmic -A FILE //HOST QUERY`, a
process that connects, queries, prints and exits, as each wmic call did. `--clients` requests are in flight
at once on both sides. CPU is user + system seconds of everything on the client side of the emulator:
the server process (from /proc) or the wmic processes (their rusage). Writes bench/results/wmic-server.json
and .md; figures are medians over --runs, ratios compare medians of the same invocation.
"""

import argparse
import http.client
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from procs import cpu_seconds, start  # noqa: E402
QUERY = "SELECT Name, State FROM Win32_Service"
PASSWORD = "Passw0rd!"
TOKEN = "BENCH-TOKEN"




def run_clients(n_requests, clients, one_request):
    """Runs one_request(i) for i in 0..n over `clients` threads; returns (wall seconds, failures)."""
    next_index = [0]
    lock = threading.Lock()
    failures = []

    def worker():
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= n_requests:
                return
            error = one_request(i)
            if error:
                failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    begin = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - begin, failures


def server_request(addr, hosts):
    host, port = addr.split(":")

    def one(i):
        body = json.dumps({"id": "bench", "token": TOKEN, "host": hosts[i % len(hosts)],
                           "query": QUERY, "namespace": "root/cimv2"})
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            conn.request("POST", "/wmic", body, {"Content-Type": "application/json"})
            answer = conn.getresponse().read().decode()
        finally:
            conn.close()
        return None if answer.startswith("[{") else answer[:200]
    return one


def process_request(rwmi, auth, hosts):
    def one(i):
        out = subprocess.run([rwmi, "wmic", "-A", auth, "//" + hosts[i % len(hosts)], QUERY],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return None if out.returncode == 0 and out.stdout.startswith("CLASS:") else out.stderr[:200]
    return one


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rwmi", required=True)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rwmi-bench-wmic-server-")
    auth = os.path.join(work, "auth")
    with open(auth, "w") as f:
        f.write(f"username = Administrator\npassword = {PASSWORD}\ndomain = EMU\n")
    config = os.path.join(work, "wmic_server.yaml")
    with open(config, "w") as f:
        f.write(f"bench:\n  user: Administrator\n  pass: {PASSWORD}\n  domain: EMU\n  tokens: [{TOKEN}]\n"
                "validation:\n  id: ['.']\n  token: ['.']\n  host: ['^[0-9.:]+$']\n"
                "  query: ['^select.+from']\n  namespace: ['.']\n")
    os.chmod(auth, 0o600)
    os.chmod(config, 0o600)

    sim, line = start([args.rwmi, "sim", "--listen", "127.0.0.1:0", "--virtual-hosts", "100",
                       "--synthetic", "Win32_Service=82"], "ready on")
    port = line.split("hosts, ")[1].split()[0].rsplit(":", 1)[1]
    hosts_100 = [f"127.0.0.{n}:{port}" for n in range(1, 101)]
    hosts_1 = hosts_100[:1]
    results = {"query": QUERY, "requests": args.requests, "clients": args.clients, "runs": args.runs,
               "cores": os.cpu_count(), "scenarios": {}}
    try:
        for label, hosts in (("1 host", hosts_1), ("100 hosts", hosts_100)):
            for side in ("wmic-server", "process per request"):
                walls, cpus = [], []
                for _ in range(args.runs):
                    if side == "wmic-server":
                        server, sline = start([args.rwmi, "wmic-server", "--config", config,
                                               "--listen", "127.0.0.1:0"], "listening on")
                        addr = sline.split("http://")[1].split("/")[0]
                        try:
                            cpu0 = cpu_seconds(server.pid)
                            wall, failures = run_clients(args.requests, args.clients,
                                                         server_request(addr, hosts))
                            cpu = cpu_seconds(server.pid) - cpu0
                        finally:
                            server.terminate()
                            server.wait()
                    else:
                        before = resource.getrusage(resource.RUSAGE_CHILDREN)
                        wall, failures = run_clients(args.requests, args.clients,
                                                     process_request(args.rwmi, auth, hosts))
                        after = resource.getrusage(resource.RUSAGE_CHILDREN)
                        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                    if failures:
                        raise SystemExit(f"{side}, {label}: {len(failures)} failed: {failures[0]}")
                    walls.append(wall)
                    cpus.append(cpu)
                    print(f"{label:9} {side:20} {args.requests / wall:8.1f} req/s  "
                          f"{cpu / args.requests * 1000:6.2f} ms CPU/request", file=sys.stderr)
                wall = statistics.median(walls)
                cpu = statistics.median(cpus)
                results["scenarios"][f"{label}, {side}"] = {
                    "requests_per_second": args.requests / wall,
                    "cpu_ms_per_request": cpu / args.requests * 1000,
                    "walls": walls, "cpus": cpus,
                }
    finally:
        sim.terminate()
        sim.wait()

    s = results["scenarios"]
    lines = [
        f"### wmic server: `{QUERY}` ({args.requests} requests, "
        f"{args.clients} at a time, median of {args.runs})",
        "",
        "| scenario | requests/s | CPU ms per request (client side) |",
        "|---|---:|---:|",
    ]
    for name, v in s.items():
        lines.append(f"| {name} | {v['requests_per_second']:.1f} | {v['cpu_ms_per_request']:.2f} |")
    lines.append("")
    for label in ("1 host", "100 hosts"):
        a, b = s[f"{label}, wmic-server"], s[f"{label}, process per request"]
        ratio = a["requests_per_second"] / b["requests_per_second"]
        cpu_ratio = b["cpu_ms_per_request"] / a["cpu_ms_per_request"]
        results[f"ratio, {label}"] = {"throughput": ratio, "cpu": cpu_ratio}
        lines.append(f"- {label}: the server answers {ratio:.1f}x the requests per second of a process "
                     f"per request, at 1/{cpu_ratio:.1f} of the CPU per request.")
    with open(os.path.join(args.out, "wmic-server.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, "wmic-server.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
