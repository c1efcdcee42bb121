#!/bin/sh
# tests/fuzz/replay.sh BUILD_DIR TARGET...: part of `make test`. Feeds each target's seed
# corpus and every crash the fuzzers found (tests/fuzz/regressions/TARGET) to the harness
# built with gcc (BUILD_DIR/replay_TARGET, plain or sanitized); a harness abort()s or a
# sanitizer stops it on any broken promise, so a crash fixed once stays fixed.
set -u
dir=$1
shift
failed=0
for t in "$@"; do
    set -- "tests/fuzz/corpus/$t"
    [ -d "tests/fuzz/regressions/$t" ] && set -- "$@" "tests/fuzz/regressions/$t"
    printf 'fuzz replay %-7s ' "$t"
    "$dir/replay_$t" "$@" || { echo "fuzz replay $t: FAILED ($dir/replay_$t $*)"; failed=1; }
done
exit $failed
