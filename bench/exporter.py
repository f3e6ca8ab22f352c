#!/usr/bin/env python3
"""`rwmi exporter` polling a fleet of emulated hosts, with connections kept open and with a fresh
connection per scrape.

    bench/exporter.py --rwmi target/release/rwmi [--hosts 1000] [--rounds 4] [--clients 64]

One round is what Prometheus does every scrape interval: one probe per host
(`module=os,cpu,memory,logical_disk,service`), `--clients` in flight at once (Prometheus scrapes
targets concurrently, over HTTP connections it keeps open). The first round of the pooled exporter
connects to every host; the later rounds reuse the connections. The comparison exporter runs with `--idle-timeout 0`, so that every
probe connects afresh, as a scrape without a pool would. Figures: the exporter process's CPU per
probe (user + system from /proc), its resident memory per open connection (peak RSS with every
connection open, less the RSS before the first probe, over the connections), and the probes'
durations (p50, p90, p99); and the emulator's CPU per probe, what the monitored hosts pay (a fresh
connection costs them a logon, an activation and new objects every scrape). Writes bench/results/exporter.json and exporter.md.
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from procs import cpu_seconds, rss_kib, start  # noqa: E402
MODULES = os.environ.get("RWMI_BENCH_MODULES", "os,cpu,memory,logical_disk,service")
PASSWORD = "Passw0rd!"





def metric(addr, name):
    host, port = addr.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    conn.close()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def round_of_probes(addr, targets, clients):
    """Probes every target once; returns each probe's seconds and the failures."""
    host, port = addr.split(":")
    todo = list(targets)
    lock = threading.Lock()
    durations, failures = [], []

    def worker():
        # One HTTP connection per worker, kept alive across its probes, as Prometheus' scrape client
        # keeps its connections to the exporter.
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        while True:
            with lock:
                if not todo:
                    conn.close()
                    return
                target = todo.pop()
            begin = time.perf_counter()
            conn.request("GET", f"/probe?target={target}&module={MODULES}",
                         headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
            body = conn.getresponse().read().decode()
            elapsed = time.perf_counter() - begin
            with lock:
                durations.append(elapsed)
                if "rwmi_probe_success 1" not in body:
                    failures.append(target)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return durations, failures


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rwmi", required=True)
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--sim-profile", default=None,
                    help="an emulator fault profile for every host, e.g. lag=20 (ms per answer)")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--name", default="exporter", help="the results' file name, without .json and .md")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rwmi-bench-exporter-")
    with open(os.path.join(work, "pw"), "w") as f:
        f.write(PASSWORD + "\n")
    config = os.path.join(work, "exporter.yml")
    with open(config, "w") as f:
        f.write(f"auths:\n  default:\n    user: Administrator\n    password_file: {work}/pw\n")
    sim, line = start([args.rwmi, "sim", "--listen", "127.0.0.1:0", "--virtual-hosts", str(args.hosts),
                       "--synthetic", "Win32_Service=60",
                       *(["--profile", args.sim_profile] if args.sim_profile else [])], "ready on")
    rest = line.split("ready on ", 1)[1]
    rest = rest.split(" hosts, ", 1)[1] if " hosts, " in rest else rest
    port = rest.split()[0].rsplit(":", 1)[1]
    targets = [f"127.0.{n // 254}.{n % 254 + 1}:{port}" for n in range(args.hosts)]
    results = {"hosts": args.hosts, "rounds": args.rounds, "clients": args.clients, "modules": MODULES,
               "sim_profile": args.sim_profile,
               "cores": os.cpu_count(), "modes": {}}
    try:
        for mode, extra in (("pooled", []), ("fresh connection per scrape", ["--idle-timeout", "0"])):
            exporter, eline = start([args.rwmi, "exporter", "--config", config, "--listen", "127.0.0.1:0",
                                     "--max-connections", str(args.hosts + 16), *extra], "listening on")
            addr = eline.split("http://")[1].split("/")[0]
            try:
                base_rss = rss_kib(exporter.pid)
                rounds = []
                for r in range(args.rounds):
                    cpu0, wall0 = cpu_seconds(exporter.pid), time.perf_counter()
                    sim_cpu0 = cpu_seconds(sim.pid)
                    durations, failures = round_of_probes(addr, targets, args.clients)
                    cpu = cpu_seconds(exporter.pid) - cpu0
                    sim_cpu = cpu_seconds(sim.pid) - sim_cpu0
                    wall = time.perf_counter() - wall0
                    if failures:
                        raise SystemExit(f"{mode}: {len(failures)} probes failed, e.g. {failures[0]}")
                    rounds.append({"cpu": cpu, "sim_cpu": sim_cpu, "wall": wall, "p50": percentile(durations, 50),
                                   "p90": percentile(durations, 90), "p99": percentile(durations, 99),
                                   "rss_kib": rss_kib(exporter.pid)})
                    print(f"{mode:28} round {r}: {args.hosts} probes, {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                          f"p50 {rounds[-1]['p50'] * 1000:6.1f} ms, p99 {rounds[-1]['p99'] * 1000:6.1f} ms",
                          file=sys.stderr)
                open_connections = metric(addr, "rwmi_exporter_connections_open")
                connects = metric(addr, "rwmi_exporter_connects_total")
                peak = rss_kib(exporter.pid, "VmHWM")
            finally:
                exporter.terminate()
                exporter.wait()
            steady = rounds[1:] if mode == "pooled" else rounds
            results["modes"][mode] = {
                "rounds": rounds,
                "cpu_ms_per_probe": statistics.median(r["cpu"] for r in steady) / args.hosts * 1000,
                "first_round_cpu_ms_per_probe": rounds[0]["cpu"] / args.hosts * 1000,
                "sim_cpu_ms_per_probe": statistics.median(r["sim_cpu"] for r in steady) / args.hosts * 1000,
                "p50_ms": statistics.median(r["p50"] for r in steady) * 1000,
                "p90_ms": statistics.median(r["p90"] for r in steady) * 1000,
                "p99_ms": statistics.median(r["p99"] for r in steady) * 1000,
                "open_connections": open_connections,
                "connects": connects,
                # Only the pooled exporter keeps its connections open.
                "rss_kib_per_connection": (peak - base_rss) / open_connections
                if mode == "pooled" and open_connections else None,
            }
    finally:
        sim.terminate()
        sim.wait()

    pooled = results["modes"]["pooled"]
    fresh = results["modes"]["fresh connection per scrape"]
    ratio = fresh["cpu_ms_per_probe"] / pooled["cpu_ms_per_probe"]
    round_cpu = pooled["cpu_ms_per_probe"] * args.hosts / 1000
    results["cpu_ratio_fresh_over_pooled"] = ratio
    sim_ratio = fresh["sim_cpu_ms_per_probe"] / pooled["sim_cpu_ms_per_probe"]
    results["sim_cpu_ratio_fresh_over_pooled"] = sim_ratio
    results["pooled_cpu_seconds_per_round"] = round_cpu
    lines = [
        f"### exporter: {args.hosts} hosts, modules {MODULES}, {args.clients} probes in flight, "
        f"{args.rounds} rounds" + (f", emulator profile {args.sim_profile}" if args.sim_profile else ""),
        "",
        "| mode | CPU ms per probe | emulator CPU ms per probe | p50 ms | p90 ms | p99 ms | connects "
        "| KiB per open connection |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in results["modes"].items():
        per_conn = "-" if m["rss_kib_per_connection"] is None else f"{m['rss_kib_per_connection']:.1f}"
        lines.append(f"| {name} | {m['cpu_ms_per_probe']:.2f} | {m['sim_cpu_ms_per_probe']:.2f} | "
                     f"{m['p50_ms']:.1f} | {m['p90_ms']:.1f} | "
                     f"{m['p99_ms']:.1f} | {m['connects']:.0f} | {per_conn} |")
    lines += [
        "",
        f"- A probe on a kept connection costs 1/{ratio:.1f} of the CPU of one that connects afresh "
        f"(first pooled round, which connects: {pooled['first_round_cpu_ms_per_probe']:.2f} ms per probe); "
        f"for the emulated hosts, 1/{sim_ratio:.1f}.",
        f"- One round of {args.hosts} probes takes {round_cpu:.1f} s of CPU: every 15 s, that is "
        f"{round_cpu / 15 * 100:.0f} % of one core.",
    ]
    with open(os.path.join(args.out, args.name + ".json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(args.out, args.name + ".md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
