#!/bin/sh
# tests/crash/kill.sh: SIGKILL during `load`, `reason`, `train` and `export -o`, at random moments spread
# over a whole run (its commit and its closing included), many times. After each kill the
# store must pass PRAGMA integrity_check, open in nous, and hold exactly what it held before
# the command or exactly what an uninterrupted run leaves (compared by the SQL dump). Prints
# how many kills landed before the commit, during it (log frames written, no commit record)
# and after it; for `export -o`, the file must hold the older export or the whole new one.
# Run from the repository root: NOUS=./nous KILLS=10 SEED=N sh tests/crash/kill.sh
set -u

ROOT=$(pwd)
NOUS=${NOUS:-./nous}
case $NOUS in /*) ;; *) NOUS=$ROOT/$NOUS ;; esac
[ -x "$NOUS" ] || { echo "tests/crash/kill.sh: no executable $NOUS (run make first)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "tests/crash/kill.sh: needs the sqlite3 shell" >&2; exit 2; }
KILLS=${KILLS:-10}
SEED=${SEED:-$(date +%s)}
echo "# kill.sh: $KILLS kills per command, SEED=$SEED"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nous-kill.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
. "$ROOT/tests/crash/lib.sh"
n_fail=0

# load: 60000 links (and their types) into a store that holds other triples already
gen_nt 2000 a >"$WORK/base.nt"
gen_nt 60000 b >"$WORK/big.nt"
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load "$WORK/base.nt" >/dev/null || exit 2
signal_runs KILL "$KILLS" load load big.nt

# reason: the OWL 2 RL closure of 15000 triples, written back as inferred
rm -f "$WORK/base.db"
gen_nt 12000 c >"$WORK/reason.nt"
"$NOUS" --db "$WORK/base.db" load "$WORK/reason.nt" >/dev/null || exit 2
signal_runs KILL "$KILLS" reason reason --profile owl-rl

# train: a TransE set replacing one trained before under the same name (one thread, so two
# runs write the same vectors)
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load --format tsv "$ROOT/datasets/umls/train.txt" >/dev/null || exit 2
"$NOUS" --db "$WORK/base.db" train --model transe --dim 16 --epochs 5 --seed 1 --threads 1 \
    >/dev/null 2>&1 || exit 2
signal_runs KILL "$KILLS" train train --model transe --dim 32 --epochs 40 --seed 2 --threads 1

# export -o: the file is written whole or not at all. After a kill it holds the older export
# or the whole new one, never part of it (a temporary file may be left next to it).
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load "$WORK/big.nt" >/dev/null || exit 2
"$NOUS" --db "$WORK/base.db" export --format nt -o "$WORK/expected.nt" >/dev/null || exit 2
echo "an older export" >"$WORK/old.nt"
export_file_is_whole() {
    { cmp -s out.nt old.nt || cmp -s out.nt expected.nt; } && cp old.nt out.nt
}
READ_ONLY=1 CHECK_AFTER=export_file_is_whole signal_runs KILL "$KILLS" export export --format nt -o out.nt

[ "$n_fail" -eq 0 ] && echo "kill.sh: all passed" || echo "kill.sh: $n_fail failed"
[ "$n_fail" -eq 0 ]
