#!/usr/bin/env python3
"""Runs the rwmi benchmarks (see BENCHMARKS.md) and writes results/report.md and results/report.json.

Called by scripts/bench.sh after it built the binaries, wrote the decode corpus and ran criterion.
Every external process is timed here: wall time with perf_counter, CPU time and peak RSS from
os.wait4's rusage of that process. Figures are medians over --runs runs; each ratio compares the two
tools' medians from this same invocation.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ANSI = re.compile(r"\x1b\[[0-9;]*m")
USER = "Administrator"
PASSWORD = "Passw0rd!"


# ---------------------------------------------------------------- processes

class Measured:
    """One finished process: wall seconds, CPU seconds (user + system), peak RSS, first-row time."""

    def __init__(self, wall, user, system, max_rss_kib, first_row, rows, returncode, stderr):
        self.wall = wall
        self.user = user
        self.system = system
        self.cpu = user + system
        self.max_rss_kib = max_rss_kib
        self.first_row = first_row
        self.rows = rows
        self.returncode = returncode
        self.stderr = stderr


def run_measured(argv, env, is_row):
    """Runs argv, reading its stdout line by line; `is_row(line)` says which lines are rows."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_row = None
    rows = 0
    for line in proc.stdout:
        if is_row(line):
            rows += 1
            if first_row is None:
                first_row = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, first_row, rows,
                    proc.returncode, stderr)


def json_array_row(line):
    # `--format json` prints "[", then one object per line ("  {...}," / "  {...}"), then "]".
    return line.lstrip().startswith(b"{")


def ndjson_row(line):
    return line.startswith(b"{")


def proc_cpu_seconds(pid):
    """utime + stime of a running process, from /proc (to show the emulator's share)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class Emulator:
    """`rwmi sim` in the background until stop(); stderr (the request log with -v) goes to a file."""

    def __init__(self, rwmi, listen, args, log_path, verbose=False):
        argv = [rwmi, "sim", "--listen", listen] + args + (["-v"] if verbose else [])
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if "ready on" not in line:
            self.stop()
            raise RuntimeError("rwmi sim did not start: %r (log %s)" % (line, log_path))
        self.ready = line.strip()

    def cpu(self):
        return proc_cpu_seconds(self.proc.pid)

    def log_size(self):
        self.log.flush()
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return ANSI.sub("", f.read().decode(errors="replace")).splitlines()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a and b else None


# ---------------------------------------------------------------- round trips

# Each of these debug lines of `rwmi sim -v` is one request the client waited for: a TCP connection
# accepted, a bind or alter context, a call on port 135 or on the object port. Auth3 has no answer.
ROUND_TRIP_EVENTS = ("accepted", "bind received", "port 135 call", "ORPC call")
# tracing's format: "<time> DEBUG <target>: <message> <field>=<value> ...".
EVENT = re.compile(r" DEBUG [\w:]+: (accepted|bind received|port 135 call|ORPC call|Next|smart Next) ")
NEXT_RETURNED = re.compile(r"returned=(\d+)")


def count_round_trips(lines):
    """Round trips up to and including the Next that returned the first rows, the round trips in all,
    and the rows per Next call after the first row."""
    total = 0
    before_first_row = None
    nexts_after_first = 0
    rows_after_first = 0
    for line in lines:
        match = EVENT.search(line)
        if not match:
            continue
        event = match.group(1)
        if event in ROUND_TRIP_EVENTS:
            total += 1
            continue
        returned = NEXT_RETURNED.search(line)
        returned = int(returned.group(1)) if returned else 0
        if before_first_row is None:
            if returned > 0:
                before_first_row = total
        else:
            nexts_after_first += 1
            rows_after_first += returned
    return {
        "round_trips_total": total,
        "round_trips_to_first_row": before_first_row,
        "next_calls_after_first_row": nexts_after_first,
        "rows_after_first_batch": rows_after_first,
        "rows_per_round_trip_after_first_row":
            rows_after_first / nexts_after_first if nexts_after_first else None,
    }


# ---------------------------------------------------------------- benchmarks

def bench_decode(args, env):
    with open(args.criterion_estimates) as f:
        estimates = json.load(f)
    ns_per_batch = estimates["median"]["point_estimate"]
    batch = args.decode_batch
    rwmi_per_second = batch / (ns_per_batch / 1e9)
    impacket = []
    for _ in range(args.runs):
        out = subprocess.run([args.python, os.path.join(HERE, "impacket_decode.py"), args.corpus,
                              "--min-seconds", str(args.decode_seconds)],
                             env=env, check=True, capture_output=True).stdout
        impacket.append(json.loads(out)["instances_per_second"])
    impacket_per_second = median(impacket)
    return {
        "batch_instances": batch,
        "rwmi_ns_per_batch_median": ns_per_batch,
        "rwmi_ns_per_instance": ns_per_batch / batch,
        "rwmi_instances_per_second_per_core": rwmi_per_second,
        "impacket_instances_per_second_runs": impacket,
        "impacket_instances_per_second_median": impacket_per_second,
        "ratio_rwmi_over_impacket": ratio(rwmi_per_second, impacket_per_second),
    }


def rwmi_query_argv(args, host, wql, fmt, extra=()):
    return [args.rwmi, "query", "-H", host, "-u", USER, "--format", fmt] + list(extra) + [wql]


def impacket_query_argv(args, address, wql):
    return [args.python, os.path.join(HERE, "impacket_query.py"), "--host", address, wql]


def summarise(measured):
    return {
        "runs": len(measured),
        "wall_seconds_median": median([m.wall for m in measured]),
        "cpu_seconds_median": median([m.cpu for m in measured]),
        "user_seconds_median": median([m.user for m in measured]),
        "system_seconds_median": median([m.system for m in measured]),
        "first_row_seconds_median": median([m.first_row for m in measured]),
        "max_rss_kib_median": median([m.max_rss_kib for m in measured]),
        "rows": [m.rows for m in measured],
        "wall_seconds": [m.wall for m in measured],
        "cpu_seconds": [m.cpu for m in measured],
    }


def check(measured, what, rows):
    if measured.returncode != 0 or measured.rows != rows:
        raise RuntimeError("%s: exit %s, %d rows (expected %d)\n%s" % (
            what, measured.returncode, measured.rows, rows, measured.stderr[-2000:]))


def bench_end_to_end(args, env, logs):
    rows = 10000
    wql = "SELECT * FROM Win32_Process"
    emulator = Emulator(args.rwmi, "%s:135" % args.address, ["--synthetic", "Win32_Process=%d" % rows],
                        os.path.join(logs, "sim-e2e.log"))
    rwmi_runs, impacket_runs, sim_cpu_rwmi, sim_cpu_impacket = [], [], [], []
    try:
        host = "%s:135" % args.address
        # One unmeasured run each: page cache, first-time costs of the emulator.
        check(run_measured(rwmi_query_argv(args, host, wql, "json"), env, json_array_row), "rwmi", rows)
        for i in range(max(args.runs, args.impacket_runs)):
            if i < args.runs:
                before = emulator.cpu()
                m = run_measured(rwmi_query_argv(args, host, wql, "json"), env, json_array_row)
                sim_cpu_rwmi.append(emulator.cpu() - before)
                check(m, "rwmi query", rows)
                rwmi_runs.append(m)
            if i < args.impacket_runs:
                before = emulator.cpu()
                m = run_measured(impacket_query_argv(args, args.address, wql), env, ndjson_row)
                sim_cpu_impacket.append(emulator.cpu() - before)
                check(m, "impacket_query.py", rows)
                impacket_runs.append(m)
    finally:
        emulator.stop()
    r, i = summarise(rwmi_runs), summarise(impacket_runs)
    r["emulator_cpu_seconds_median"] = median(sim_cpu_rwmi)
    i["emulator_cpu_seconds_median"] = median(sim_cpu_impacket)
    return {
        "rows": rows,
        "query": wql,
        "rwmi": r,
        "impacket": i,
        "wall_ratio_impacket_over_rwmi": ratio(i["wall_seconds_median"], r["wall_seconds_median"]),
        "cpu_ratio_impacket_over_rwmi": ratio(i["cpu_seconds_median"], r["cpu_seconds_median"]),
    }


def bench_latency(args, env, logs):
    rows = 1000
    lag_ms = 50
    wql = "SELECT * FROM Win32_Process"
    emulator = Emulator(args.rwmi, "%s:135" % args.address,
                        ["--synthetic", "Win32_Process=%d" % rows, "--profile", "lag=%d" % lag_ms],
                        os.path.join(logs, "sim-lag.log"), verbose=True)
    results = {}
    try:
        host = "%s:135" % args.address
        for tool, runs, argv, is_row in (
            ("rwmi", args.runs, rwmi_query_argv(args, host, wql, "ndjson"), ndjson_row),
            ("impacket", args.impacket_lag_runs, impacket_query_argv(args, args.address, wql), ndjson_row),
        ):
            measured, trips = [], []
            for _ in range(runs):
                offset = emulator.log_size()
                m = run_measured(argv, env, is_row)
                time.sleep(0.3)  # background releases reach the log
                check(m, tool, rows)
                measured.append(m)
                trips.append(count_round_trips(emulator.log_since(offset)))
            summary = summarise(measured)
            for key in trips[0]:
                summary[key + "_median"] = median([t[key] for t in trips])
            ttfr = summary["first_row_seconds_median"]
            summary["first_row_in_lag_units"] = ttfr / (lag_ms / 1000) if ttfr else None
            results[tool] = summary
    finally:
        emulator.stop()
    results["rows"] = rows
    results["lag_ms"] = lag_ms
    results["first_row_ratio_impacket_over_rwmi"] = ratio(
        results["impacket"]["first_row_seconds_median"], results["rwmi"]["first_row_seconds_median"])
    results["total_ratio_impacket_over_rwmi"] = ratio(
        results["impacket"]["wall_seconds_median"], results["rwmi"]["wall_seconds_median"])
    return results


def virtual_host_ip(index):
    block, octet = divmod(index, 254)
    return "127.%d.%d.%d" % ((block >> 8) & 0xFF, block & 0xFF, octet + 1)


def free_port(addresses):
    """A port that every fleet address can listen on (the emulator wants the same port on all)."""
    for _ in range(50):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        free = True
        for a in addresses:
            s = socket.socket()
            try:
                s.bind((a, port))
            except OSError:
                free = False
            finally:
                s.close()
            if not free:
                break
        if free:
            return port
    raise RuntimeError("no port free on every fleet address")


def bench_fleet(args, env, logs, lag_ms=0, runs=None):
    runs = runs or args.runs
    hosts = args.fleet_hosts
    addresses = args.fleet_addresses(hosts)
    port = free_port(addresses)
    hosts_file = os.path.join(logs, "fleet-hosts.txt")
    with open(hosts_file, "w") as f:
        f.writelines("%s:%d\n" % (a, port) for a in addresses)
    wql = "SELECT * FROM Win32_OperatingSystem"
    profile = ["--profile", "lag=%d" % lag_ms] if lag_ms else []
    emulator = Emulator(args.rwmi, "%s:%d" % (addresses[0], port),
                        ["--virtual-hosts", str(hosts)] + profile,
                        os.path.join(logs, "sim-fleet-lag%d.log" % lag_ms))
    one, fleet = [], []
    try:
        single = "%s:%d" % (addresses[0], port)
        check(run_measured(rwmi_query_argv(args, single, wql, "ndjson"), env, ndjson_row), "rwmi one host", 1)
        for _ in range(runs):
            m = run_measured(rwmi_query_argv(args, single, wql, "ndjson"), env, ndjson_row)
            check(m, "rwmi one host", 1)
            one.append(m)
            m = run_measured(rwmi_query_argv(args, "@" + hosts_file, wql, "ndjson",
                                             ["--concurrency", str(hosts)]), env, ndjson_row)
            check(m, "rwmi fleet", hosts)
            fleet.append(m)
    finally:
        emulator.stop()
    o, f = summarise(one), summarise(fleet)
    extra_rss = f["max_rss_kib_median"] - o["max_rss_kib_median"]
    return {
        "hosts": hosts,
        "lag_ms": lag_ms,
        "addressing": args.fleet_addressing,
        "query": wql,
        "one_host": o,
        "fleet": f,
        "wall_ratio_fleet_over_one": ratio(f["wall_seconds_median"], o["wall_seconds_median"]),
        "hosts_per_second": hosts / f["wall_seconds_median"],
        # Each host takes two TCP connections (port 135, then the object port); the 135 one is closed
        # once the object port is resolved, so at most about one per host is open at a time after that.
        "extra_rss_kib_per_host": extra_rss / hosts,
    }


def bench_fleet_sweep(args, env, logs):
    """The fleet against one host under several injected latencies: where the 3x target starts to hold.

    Without latency the fleet is CPU-bound (client and emulator share this machine's cores) while one
    host is a few milliseconds; each answer's lag lengthens one host's run but not the fleet's CPU work."""
    points = []
    for lag in [int(x) for x in args.fleet_sweep_lags.split(",") if x]:
        r = bench_fleet(args, env, logs, lag_ms=lag, runs=args.fleet_sweep_runs)
        points.append({
            "lag_ms": lag,
            "one_host_wall_seconds_median": r["one_host"]["wall_seconds_median"],
            "fleet_wall_seconds_median": r["fleet"]["wall_seconds_median"],
            "wall_ratio_fleet_over_one": r["wall_ratio_fleet_over_one"],
            "hosts_per_second": r["hosts_per_second"],
        })
    met = [p["lag_ms"] for p in points if p["wall_ratio_fleet_over_one"] <= 3]
    return {
        "hosts": args.fleet_hosts,
        "runs": args.fleet_sweep_runs,
        "points": points,
        "smallest_lag_ms_meeting_3x": min(met) if met else None,
    }


# ---------------------------------------------------------------- report

def fmt(value, digits=3):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return "{:,.0f}".format(value)
        return ("{:.%dg}" % digits).format(value)
    return str(value)


def targets(report):
    d, e, l, f = report["decode"], report["end_to_end"], report["latency"], report["fleet"]
    fl = report["fleet_lag"]
    r = l["rwmi"]
    rows = [
        ("decode >= 200x Impacket", d["ratio_rwmi_over_impacket"], ">= 200",
         (d["ratio_rwmi_over_impacket"] or 0) >= 200),
        ("decode >= 1M instances/s per core", d["rwmi_instances_per_second_per_core"], ">= 1,000,000",
         d["rwmi_instances_per_second_per_core"] >= 1e6),
        ("end to end (10,000 rows) >= 20x faster (wall)", e["wall_ratio_impacket_over_rwmi"], ">= 20",
         (e["wall_ratio_impacket_over_rwmi"] or 0) >= 20),
        ("first row within 9 round trips", r["round_trips_to_first_row_median"], "<= 9",
         r["round_trips_to_first_row_median"] is not None and r["round_trips_to_first_row_median"] <= 9),
        ("first row within 9 x lag (50 ms)", r["first_row_in_lag_units"], "<= 9",
         r["first_row_in_lag_units"] is not None and r["first_row_in_lag_units"] <= 9),
        (">= 100 rows per round trip after the first row", r["rows_per_round_trip_after_first_row_median"],
         ">= 100", (r["rows_per_round_trip_after_first_row_median"] or 0) >= 100),
        ("fleet wall <= 3x one host (%d hosts, no injected latency)" % f["hosts"],
         f["wall_ratio_fleet_over_one"], "<= 3", f["wall_ratio_fleet_over_one"] <= 3),
        ("fleet wall <= 3x one host (%d hosts, lag=%d ms)" % (fl["hosts"], fl["lag_ms"]),
         fl["wall_ratio_fleet_over_one"], "<= 3", fl["wall_ratio_fleet_over_one"] <= 3),
        ("<= 200 KiB per open connection (extra RSS per host, lag=%d ms)" % fl["lag_ms"],
         fl["extra_rss_kib_per_host"], "<= 200", fl["extra_rss_kib_per_host"] <= 200),
    ]
    return [{"target": t, "measured": m, "wanted": w, "met": bool(ok)} for t, m, w, ok in rows]


def markdown(report):
    d, e, l, f = report["decode"], report["end_to_end"], report["latency"], report["fleet"]
    out = []
    w = out.append
    w("# rwmi benchmark report\n")
    w("%s, %s; %d runs (Impacket end to end: %d, under lag: %d). Medians; ratios from this run.\n" % (
        report["when"], report["machine"], report["runs"], report["impacket_runs"], report["impacket_lag_runs"]))
    if report.get("updated_parts"):
        w("Only %s ran at that time; the other parts come from an earlier run.\n" % ", ".join(report["updated_parts"]))
    w("## Targets\n")
    w("| target | measured | wanted | met |")
    w("| --- | --- | --- | --- |")
    for t in report["targets"]:
        w("| %s | %s | %s | %s |" % (t["target"], fmt(t["measured"]), t["wanted"], "yes" if t["met"] else "**no**"))
    w("\n## 1. Decode (MS-WMIO, 20-property class, batches of %d EncodingUnits)\n" % d["batch_instances"])
    w("| decoder | instances/s (one core) | ns per instance |")
    w("| --- | --- | --- |")
    w("| rwmi (criterion median) | %s | %s |" % (fmt(d["rwmi_instances_per_second_per_core"]), fmt(d["rwmi_ns_per_instance"])))
    w("| Impacket (median of %d) | %s | %s |" % (len(d["impacket_instances_per_second_runs"]),
        fmt(d["impacket_instances_per_second_median"]), fmt(1e9 / d["impacket_instances_per_second_median"])))
    w("\nrwmi / Impacket: **%sx**\n" % fmt(d["ratio_rwmi_over_impacket"]))
    w("## 2. End to end: `%s`, %d rows\n" % (e["query"], e["rows"]))
    w("| tool | wall s | CPU s (user+sys) | peak RSS KiB | emulator CPU s |")
    w("| --- | --- | --- | --- | --- |")
    for name in ("rwmi", "impacket"):
        s = e[name]
        w("| %s | %s | %s | %s | %s |" % (name, fmt(s["wall_seconds_median"]), fmt(s["cpu_seconds_median"]),
                                          fmt(s["max_rss_kib_median"]), fmt(s["emulator_cpu_seconds_median"])))
    w("\nImpacket / rwmi: wall **%sx**, CPU **%sx**\n" % (fmt(e["wall_ratio_impacket_over_rwmi"]), fmt(e["cpu_ratio_impacket_over_rwmi"])))
    w("## 3. Under latency: lag=%d ms per answer, %d rows\n" % (l["lag_ms"], l["rows"]))
    w("| tool | first row s | first row / lag | total s | round trips to first row | round trips total | rows per round trip after |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for name in ("rwmi", "impacket"):
        s = l[name]
        w("| %s | %s | %s | %s | %s | %s | %s |" % (
            name, fmt(s["first_row_seconds_median"]), fmt(s["first_row_in_lag_units"]),
            fmt(s["wall_seconds_median"]), fmt(s["round_trips_to_first_row_median"]),
            fmt(s["round_trips_total_median"]), fmt(s["rows_per_round_trip_after_first_row_median"])))
    w("\nImpacket / rwmi: first row **%sx**, total **%sx**\n" % (
        fmt(l["first_row_ratio_impacket_over_rwmi"]), fmt(l["total_ratio_impacket_over_rwmi"])))
    for title, fleet in (("no injected latency", f), ("lag=%d ms per answer" % report["fleet_lag"]["lag_ms"], report["fleet_lag"])):
        w("## 4. Fleet: %d virtual hosts (%s), %s, `%s`\n" % (fleet["hosts"], fleet["addressing"], title, fleet["query"]))
        w("| run | wall s | CPU s | peak RSS KiB |")
        w("| --- | --- | --- | --- |")
        for name, key in (("one host", "one_host"), ("%d hosts, --concurrency %d" % (fleet["hosts"], fleet["hosts"]), "fleet")):
            s = fleet[key]
            w("| %s | %s | %s | %s |" % (name, fmt(s["wall_seconds_median"]), fmt(s["cpu_seconds_median"]), fmt(s["max_rss_kib_median"])))
        w("\nfleet / one host: wall **%sx**; %s hosts/s; extra RSS per host %s KiB\n" % (
            fmt(fleet["wall_ratio_fleet_over_one"]), fmt(fleet["hosts_per_second"]), fmt(fleet["extra_rss_kib_per_host"])))
    sw = report.get("fleet_sweep")
    if sw:
        w("## 4b. Fleet against one host, by injected latency (%d hosts, %d runs each)\n" % (sw["hosts"], sw["runs"]))
        w("| lag ms per answer | one host wall s | fleet wall s | fleet / one host | hosts/s |")
        w("| --- | --- | --- | --- | --- |")
        for p in sw["points"]:
            w("| %d | %s | %s | %s | %s |" % (p["lag_ms"], fmt(p["one_host_wall_seconds_median"]),
                fmt(p["fleet_wall_seconds_median"]), fmt(p["wall_ratio_fleet_over_one"]), fmt(p["hosts_per_second"])))
        w("\nThe 3x target holds from lag=%s ms per answer upward (of those measured).\n" % fmt(sw["smallest_lag_ms_meeting_3x"]))
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rwmi", required=True)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--decode-batch", type=int, default=256)
    parser.add_argument("--criterion-estimates", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--impacket-runs", type=int, default=1,
                        help="Impacket takes minutes for 10,000 rows; one run by default")
    parser.add_argument("--impacket-lag-runs", type=int, default=1,
                        help="Impacket makes a round trip per row: about a minute under lag=50")
    parser.add_argument("--decode-seconds", type=float, default=1.0)
    parser.add_argument("--address", default="127.0.0.88", help="loopback address for port 135")
    parser.add_argument("--fleet-hosts", type=int, default=1000)
    parser.add_argument("--fleet-sweep-lags", default="1,2,5,10,20",
                        help="injected latencies (ms per answer) for the fleet-against-one-host sweep")
    parser.add_argument("--fleet-sweep-runs", type=int, default=3)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--only", default="decode,e2e,latency,fleet")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    logs = os.path.join(args.out, "logs")
    os.makedirs(logs, exist_ok=True)
    env = dict(os.environ, RWMI_PASSWORD=PASSWORD)

    # The emulator's virtual host i listens on the i-th loopback address after 127.0.0.1 that does not
    # end in .0 or .255 (rwmi_sim::emulator::virtual_host_ip).
    args.fleet_addressing = "127.0.x.y, skipping .0 and .255"
    args.fleet_addresses = lambda n: [virtual_host_ip(i) for i in range(n)]

    only = set(args.only.split(","))
    # With --only, the other parts come from the previous report (their runs keep their own dates).
    report = {}
    previous = os.path.join(args.out, "report.json")
    if only != {"decode", "e2e", "latency", "fleet"} and os.path.exists(previous):
        with open(previous) as f:
            report = json.load(f)
        report.pop("targets", None)
        report["updated_parts"] = sorted(only)
    else:
        report.pop("updated_parts", None)
    report.update({
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": "%d CPUs, %s" % (os.cpu_count(), os.uname().release),
        "runs": args.runs,
        "impacket_runs": args.impacket_runs,
        "impacket_lag_runs": args.impacket_lag_runs,
    })
    steps = (("decode", "decode", bench_decode), ("e2e", "end_to_end", bench_end_to_end),
             ("latency", "latency", bench_latency), ("fleet", "fleet", bench_fleet),
             ("fleet", "fleet_lag", lambda a, e, l: bench_fleet(a, e, l, lag_ms=50)),
             ("fleet", "fleet_sweep", bench_fleet_sweep))
    for name, key, bench in steps:
        if name in only:
            print("bench: %s ..." % name, file=sys.stderr, flush=True)
            started = time.perf_counter()
            report[key] = bench(args, env, logs) if name != "decode" else bench(args, env)
            print("bench: %s done in %.1f s" % (name, time.perf_counter() - started), file=sys.stderr, flush=True)
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    if all(k in report for _, k, _ in steps):
        report["targets"] = targets(report)
        with open(os.path.join(args.out, "report.json"), "w") as f:
            json.dump(report, f, indent=2)
        with open(os.path.join(args.out, "report.md"), "w") as f:
            f.write(markdown(report))
        print(markdown(report))


if __name__ == "__main__":
    main()
