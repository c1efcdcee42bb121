#!/bin/sh
# tests/fuzz/run.sh: `make fuzz`. Runs each named harness (build/fuzz/fuzz_TARGET) for
# FUZZ_SECONDS on a working corpus in build/fuzz/corpus/TARGET, seeded from
# tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET, one target at a time (one
# process: the machine is shared). Prints per target the executions run and the crashes
# found (saved in build/fuzz/artifacts/TARGET/), adds a line per run to
# tests/fuzz/executions.tsv, and fails when any run found a crash.
# Leaks are not checked while fuzzing (raptor2's own leaks can only be told apart with slow
# full unwinding); the replay of the corpus under ASan in `make test` checks them.
set -u
seconds=${FUZZ_SECONDS:-60}
log=tests/fuzz/executions.tsv
[ -f "$log" ] || printf 'date\ttarget\tseconds\texecutions\tcrashes\n' >"$log"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
failed=0
for t in "$@"; do
    bin=build/fuzz/fuzz_$t
    corpus=build/fuzz/corpus/$t
    art=build/fuzz/artifacts/$t
    mkdir -p "$corpus" "$art"
    [ -x "$bin" ] || { echo "fuzz: $bin is not built (make fuzz-build)"; exit 2; }
    before=$(ls "$art" | wc -l)
    seeds="tests/fuzz/corpus/$t"
    [ -d "tests/fuzz/regressions/$t" ] && seeds="$seeds tests/fuzz/regressions/$t"
    max_len=8192 # the store seeds are real files of 10 to 21 kB
    [ "$t" = store ] && max_len=32768
    out=build/fuzz/$t.log
    # -timeout: an input running 30 s is a hang (each harness bounds its own work to ~1 s)
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2560 -max_len=$max_len \
        -print_final_stats=1 -artifact_prefix="$art/" "$corpus" $seeds >"$out" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -a -o '^#[0-9]*' "$out" | tail -n 1 | tr -d '#')
    [ -n "$execs" ] || execs=0
    crashes=$(($(ls "$art" | wc -l) - before))
    [ $status -ne 0 ] && [ $crashes -eq 0 ] && crashes=1 # died without saving an input
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$t" "$seconds" "$execs" "$crashes" >>"$log"
    total=$(awk -F'\t' -v t="$t" '$2 == t { n += $4 } END { print n + 0 }' "$log")
    printf 'fuzz %-7s %10s executions in %ss, %s crashes (%s executions so far)\n' \
        "$t" "$execs" "$seconds" "$crashes" "$total"
    if [ $crashes -ne 0 ]; then
        failed=1
        echo "fuzz $t: see $out and $art/; replay one with: $bin FILE"
        grep -a -m 5 'ERROR\|fuzz:' "$out" | sed 's/^/    /'
    fi
done
exit $failed
