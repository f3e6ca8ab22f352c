#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ (the decoders of rwmi-core) for a fixed number of executions each.
#
#   ./scripts/fuzz.sh                       every target, 100000 executions each
#   ./scripts/fuzz.sh --runs N [TARGET...]  N executions each, only the TARGETs named
#
# Installs cargo-fuzz if it is missing. Each target starts from a temporary copy of its committed
# corpus (fuzz/corpus/TARGET), so the committed seeds never grow. Prints a table of executions, crashes
# and seconds per target; exits 1 if any target crashed (the input is kept under fuzz/artifacts/TARGET/).
# See fuzz/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ_DIR=$ROOT/fuzz

RUNS=100000
TARGETS=()
while [[ $# -gt 0 ]]; do
    case $1 in
    --runs)
        [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --runs needs a number" >&2; exit 2; }
        RUNS=$2
        shift
        ;;
    -h | --help)
        sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*)
        echo "fuzz.sh: unknown option $1 (see --help)" >&2
        exit 2
        ;;
    *) TARGETS+=("$1") ;;
    esac
    shift
done

die() {
    echo "fuzz.sh: FAILED: $*" >&2
    exit 1
}

# cargo-fuzz builds with -Zsanitizer=address and sanitizer-coverage flags, which stable rustc accepts
# only with RUSTC_BOOTSTRAP=1; the project has no nightly toolchain.
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz (once; a few minutes)"
    cargo install cargo-fuzz --locked --quiet || die "cargo install cargo-fuzz failed"
fi

cd "$FUZZ_DIR"
if [[ ${#TARGETS[@]} -eq 0 ]]; then
    mapfile -t TARGETS < <(cargo fuzz list)
fi
[[ ${#TARGETS[@]} -gt 0 ]] || die "no fuzz targets found"

TARGET_DIR=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
LOG_DIR=${TARGET_DIR:-$FUZZ_DIR/target}/fuzz-logs
mkdir -p "$LOG_DIR"

# `cargo fuzz build` takes one target or none (all of them).
BUILD_ARGS=()
[[ ${#TARGETS[@]} -eq 1 ]] && BUILD_ARGS=("${TARGETS[0]}")
echo "==> cargo fuzz build ${BUILD_ARGS[*]:-(all targets)}"
cargo fuzz build "${BUILD_ARGS[@]}" 2>"$LOG_DIR/build.log" ||
    { tail -n 40 "$LOG_DIR/build.log" >&2; die "cargo fuzz build failed (log: $LOG_DIR/build.log)"; }

WORK_CORPUS=
cleanup() { [[ -z $WORK_CORPUS ]] || rm -rf "$WORK_CORPUS"; }
trap cleanup EXIT

ROWS=()
CRASHED=0
for target in "${TARGETS[@]}"; do
    echo "==> $target: $RUNS executions"
    cleanup
    WORK_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/rwmi-fuzz-$target.XXXXXX")
    if [[ -d corpus/$target ]]; then
        cp -R "corpus/$target/." "$WORK_CORPUS/"
    fi
    log=$LOG_DIR/$target.log
    started=$SECONDS
    rc=0
    # -timeout: an input taking 10 s is a hang, reported like a crash. -print_final_stats: the executions.
    cargo fuzz run "$target" "$WORK_CORPUS" -- -runs="$RUNS" -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1 || rc=$?
    seconds=$((SECONDS - started))
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
    if [[ -z $execs ]]; then
        # On a crash libFuzzer may stop before its final stats; its last status line has the count.
        execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
    fi
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [[ $rc -eq 0 && -z $artifact ]]; then
        ROWS+=("$(printf '%-16s %12s %8s %6s' "$target" "${execs:-?}" 0 "$seconds")")
    else
        CRASHED=1
        [[ -n $artifact ]] && artifact=$(cd "$FUZZ_DIR" && realpath -m "$artifact")
        ROWS+=("$(printf '%-16s %12s %8s %6s  %s' "$target" "${execs:-?}" 1 "$seconds" "${artifact:-no input written, see $log}")")
        grep -m 1 -A 3 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)" "$log" | sed 's/^/    /' || true
        if [[ -n $artifact && -f $artifact ]]; then
            echo "    input (hex, first 512 bytes): $(head -c 512 "$artifact" | od -An -tx1 -v | tr -d ' \n')"
        fi
        echo "    log: $log"
    fi
done

echo
echo "==> fuzz summary ($RUNS executions per target)"
printf '    %-16s %12s %8s %6s  %s\n' target executions crashes s "crash input"
printf '    %s\n' "${ROWS[@]}"
if [[ $CRASHED -ne 0 ]]; then
    echo "fuzz.sh: a target crashed; reproduce with: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET INPUT)" >&2
    exit 1
fi
echo "fuzz.sh: no crashes"
