"""Fixtures: `rwmi sim` (the emulator from this repository) in a child process, on loopback.

The rwmi binary is $RWMI_BIN, else target/debug/rwmi of the repository (built by `cargo test`)."""

import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
PASSWORD = "Passw0rd!"


def rwmi_binary():
    path = os.environ.get("RWMI_BIN") or str(REPO / "target" / "debug" / "rwmi")
    if not os.path.exists(path):
        pytest.exit(f"no rwmi binary at {path}: run `cargo build -p rwmi-cli` or set RWMI_BIN", 2)
    return path


class Sim:
    """An `rwmi sim` child; `target` is host 0's `address:port`."""

    def __init__(self, *args, listen="127.0.0.1:0"):
        self.proc = subprocess.Popen(
            [rwmi_binary(), "sim", "--listen", listen, *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        line = self.proc.stdout.readline()
        if "ready on " not in line:
            self.stop()
            raise RuntimeError(f"rwmi sim did not start: {line!r}")
        rest = line.split("ready on ", 1)[1]
        if " hosts, " in rest:
            rest = rest.split(" hosts, ", 1)[1]
        self.target = rest.split()[0]
        self.port = int(self.target.rsplit(":", 1)[1])

    def host(self, n):
        """Virtual host n (1-based) of a `--virtual-hosts` run."""
        return f"127.0.0.{n}:{self.port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture(scope="session")
def sim():
    s = Sim("--synthetic", "Win32_Service=82")
    yield s
    s.stop()


@pytest.fixture
def make_sim():
    started = []

    def make(*args, **kwargs):
        s = Sim(*args, **kwargs)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()
