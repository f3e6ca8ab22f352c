#!/usr/bin/env bash
# Runs the rwmi benchmarks and writes bench/results/report.md and bench/results/report.json.
# See BENCHMARKS.md. Needs root (the emulator listens on port 135 of 127.0.0.88 for Impacket).
#
#   scripts/bench.sh                  # everything, 5 runs
#   scripts/bench.sh --runs 3         # other options go to bench/run.py (--only decode,e2e,...)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
python="${RWMI_PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x "$repo/.venv/bin/python" ]]; then
        python="$repo/.venv/bin/python"
    else
        echo "bench: no Impacket venv; run scripts/test.sh --no-peers once or set RWMI_PYTHON" >&2
        exit 1
    fi
fi
"$python" -c 'import impacket.dcerpc.v5.dcom.wmi' || {
    echo "bench: $python has no Impacket" >&2
    exit 1
}

# A 1,000-host fleet holds about two descriptors per host in the client and in the emulator.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

results="$repo/bench/results"
mkdir -p "$results"

echo "bench: building release binaries" >&2
cargo build --release -p rwmi-cli
cargo build --release -p rwmi-core --example wmio_corpus

echo "bench: writing the decode corpus" >&2
corpus="$results/wmio-corpus.bin"
"$CARGO_TARGET_DIR/release/examples/wmio_corpus" "$corpus" 256 >&2

echo "bench: criterion (rwmi decode)" >&2
cargo bench -p rwmi-core --bench wmio_decode -- --warm-up-time 1 --measurement-time 3 >&2
estimates="$CARGO_TARGET_DIR/criterion/wmio_decode/next_batch_256_instances_20_properties/new/estimates.json"

"$python" "$repo/bench/run.py" \
    --rwmi "$CARGO_TARGET_DIR/release/rwmi" \
    --python "$python" \
    --corpus "$corpus" \
    --decode-batch 256 \
    --criterion-estimates "$estimates" \
    --out "$results" \
    "$@"

echo "bench: rwmi wmic-server against a process per request" >&2
"$python" "$repo/bench/wmic_server.py" --rwmi "$CARGO_TARGET_DIR/release/rwmi" --out "$results"

echo "bench: rwmi exporter, 1,000 hosts, kept connections against a fresh connect per scrape" >&2
"$python" "$repo/bench/exporter.py" --rwmi "$CARGO_TARGET_DIR/release/rwmi" --out "$results"

echo "bench: the Python package against Impacket and aiowmi (installs crates/rwmi-py in release)" >&2
CARGO_TARGET_DIR="$CARGO_TARGET_DIR/py" "$python" -m pip install -q "$repo/crates/rwmi-py"
"$python" "$repo/bench/python_clients.py" --rwmi "$CARGO_TARGET_DIR/release/rwmi" --python "$python" --out "$results"
