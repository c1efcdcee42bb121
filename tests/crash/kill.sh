#!/bin/sh
# tests/crash/kill.sh: SIGKILL during `load`, `reason` and `train`, at random moments spread
# over a whole run (its commit and its closing included), many times. After each kill the
# store must pass PRAGMA integrity_check, open in nous, and hold exactly what it held before
# the command or exactly what an uninterrupted run leaves (compared by the SQL dump). Prints
# how many kills landed before the commit, during it (log frames written, no commit record)
# and after it. Run from the repository root: NOUS=./nous KILLS=10 SEED=N sh tests/crash/kill.sh
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

# scenario NAME ARGS...: base.db is the store before; runs `nous ARGS` once to the end for
# the state after, then KILLS times with a SIGKILL after a random delay.
scenario() {
    name=$1
    shift
    before=$(fingerprint "$WORK/base.db")
    fresh_copy "$WORK/base.db" "$WORK/ref.db"
    t0=$(now)
    if ! (cd "$WORK" && "$NOUS" --db ref.db "$@" >ref.out 2>&1); then
        echo "not ok - $name: the uninterrupted run failed: $(cat "$WORK/ref.out")"
        n_fail=$((n_fail + 1))
        return
    fi
    span=$(seconds_since "$t0")
    after=$(fingerprint "$WORK/ref.db")
    if [ "$before" = "$after" ]; then
        echo "not ok - $name: the command changed nothing, so the test would prove nothing"
        n_fail=$((n_fail + 1))
        return
    fi
    n_before=0 n_during=0 n_after=0 n_finished=0 bad=0
    i=0
    for delay in $(kill_delays "$span" "$KILLS"); do
        i=$((i + 1))
        fresh_copy "$WORK/base.db" "$WORK/x.db"
        (cd "$WORK" && exec "$NOUS" --db x.db "$@" >x.out 2>&1) &
        pid=$!
        sleep "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        wal=$(wal_bytes "$WORK/x.db")
        if ! integrity "$WORK/x.db"; then
            echo "# $name: kill $i after ${delay}s (exit $rc) broke the store" >&2
            cp "$WORK/x.db" "$ROOT/crash-$name-$i.db" 2>/dev/null
            bad=1
            continue
        fi
        fp=$(fingerprint "$WORK/x.db")
        if [ "$rc" -eq 0 ] && [ "$fp" = "$after" ]; then
            n_finished=$((n_finished + 1))
        elif [ "$rc" -eq 137 ] && [ "$fp" = "$after" ]; then
            n_after=$((n_after + 1))
        elif [ "$rc" -eq 137 ] && [ "$fp" = "$before" ]; then
            if [ "$wal" -gt 0 ]; then n_during=$((n_during + 1)); else n_before=$((n_before + 1)); fi
        else
            echo "# $name: kill $i after ${delay}s: exit $rc, the store is neither as before" \
                 "nor as after a whole run (kept as crash-$name-$i.db); output: $(cat "$WORK/x.out")" >&2
            cp "$WORK/x.db" "$ROOT/crash-$name-$i.db" 2>/dev/null
            bad=1
        fi
    done
    if [ "$bad" -eq 0 ]; then
        echo "ok - $name: $KILLS kills over ${span}s runs: $n_before before the commit," \
             "$n_during during it, $n_after after it, $n_finished after the exit"
    else
        echo "not ok - $name"
        n_fail=$((n_fail + 1))
    fi
}

# load: 60000 links (and their types) into a store that holds other triples already
gen_nt 2000 a >"$WORK/base.nt"
gen_nt 60000 b >"$WORK/big.nt"
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load "$WORK/base.nt" >/dev/null || exit 2
scenario load load big.nt

# reason: the OWL 2 RL closure of 15000 triples, written back as inferred
rm -f "$WORK/base.db"
gen_nt 12000 c >"$WORK/reason.nt"
"$NOUS" --db "$WORK/base.db" load "$WORK/reason.nt" >/dev/null || exit 2
scenario reason reason --profile owl-rl

# train: a TransE set replacing one trained before under the same name (one thread, so two
# runs write the same vectors)
rm -f "$WORK/base.db"
"$NOUS" --db "$WORK/base.db" load --format tsv "$ROOT/datasets/umls/train.txt" >/dev/null || exit 2
"$NOUS" --db "$WORK/base.db" train --model transe --dim 16 --epochs 5 --seed 1 --threads 1 \
    >/dev/null 2>&1 || exit 2
scenario train train --model transe --dim 32 --epochs 40 --seed 2 --threads 1

[ "$n_fail" -eq 0 ] && echo "kill.sh: all passed" || echo "kill.sh: $n_fail failed"
[ "$n_fail" -eq 0 ]
