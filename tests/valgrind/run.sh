#!/bin/sh
# tests/valgrind/run.sh: `make valgrind`, the test suite under valgrind's memcheck: the unit
# tests (Criterion runs each in a child process, so children are traced) and the command-line
# tests (./nous through tests/valgrind/nous.sh) but those that train embeddings or mine rules
# (CLI_LIGHT: hours under valgrind; the unit tests run that code). Every process writes its own log; the run
# fails if any log reports an error or a leak (definitely or indirectly lost; memory still
# reachable at exit is not a leak). The random property tests run fewer cases than under
# `make test` (NOUS_UPDATE_SEEDS, default 8 here): valgrind is 20-50x slower.
# Suppressions for the libraries' own reports, each with its reason: tests/valgrind/nous.supp.
# POSIX sh; run from the repository root after building ./nous and build/plain/unit.
set -u
cd "$(dirname "$0")/../.." || exit 1
logs=${VALGRIND_LOGS:-build/valgrind}
rm -rf "$logs"
mkdir -p "$logs"
VALGRIND_LOGS=$(cd "$logs" && pwd)
export VALGRIND_LOGS
VG="valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --suppressions=tests/valgrind/nous.supp
    --log-file=$VALGRIND_LOGS/%p.log"
command -v valgrind >/dev/null 2>&1 || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }

status=0
echo "== unit tests under valgrind"
# shellcheck disable=SC2086
NOUS_UPDATE_SEEDS=${NOUS_UPDATE_SEEDS:-8} $VG build/plain/unit --jobs 2 || status=1
echo "== command-line tests under valgrind"
NOUS=tests/valgrind/nous.sh CLI_LIGHT=1 sh tests/cli/run.sh || status=1

# Every log with an error or a leak in it is a failure (valgrind also writes warnings that
# are neither, such as Criterion's threads exiting with reporting off).
reports='lost in loss record|Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Syscall param|Jump to the invalid'
n_bad=0
for f in "$VALGRIND_LOGS"/*.log; do
    grep -Eq "$reports" "$f" || continue
    n_bad=$((n_bad + 1))
    echo "--- $f"
    head -n 40 "$f"
done
n_logs=$(find "$VALGRIND_LOGS" -name '*.log' | wc -l)
if [ "$n_bad" -gt 0 ]; then
    echo "valgrind: $n_bad of $n_logs processes reported errors or leaks"
    status=1
else
    echo "valgrind: $n_logs processes, no error and no leak"
fi
exit $status
