# tests/crash/lib.sh: what the crash and concurrency tests share (sourced, not run): the
# generated data, a store's fingerprint (its whole SQL dump, so a half-written table, a
# dropped index or stale statistics all show), the integrity check, and seeded random delays.
# The caller sets NOUS (absolute path), WORK (a scratch directory) and SEED.

# Reports why a check failed; always returns 1.
fail() {
    printf '%s\n' "$*" >&2
    return 1
}

# gen_nt N PREFIX: N links among N/4 entities over 7 predicates, a type for one entity in
# four, a 50-class subclass tree, domains, and one transitive property, so that the rdfs
# and owl-rl profiles both have work in every round.
gen_nt() {
    awk -v n="$1" -v x="$2" 'BEGIN {
        t = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
        for (i = 0; i < n; i++) {
            printf "<http://ex.org/%se%d> <http://ex.org/p%d> <http://ex.org/%se%d> .\n", x, i, i % 7, x, (i * 7919) % int(n / 4)
            if (i % 4 == 0) printf "<http://ex.org/%se%d> %s <http://ex.org/C%d> .\n", x, i, t, i % 50
        }
        for (c = 1; c < 50; c++)
            printf "<http://ex.org/C%d> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://ex.org/C%d> .\n", c, int((c - 1) / 2)
        for (p = 0; p < 7; p++)
            printf "<http://ex.org/p%d> <http://www.w3.org/2000/01/rdf-schema#domain> <http://ex.org/C%d> .\n", p, p + 10
        printf "<http://ex.org/p3> %s <http://www.w3.org/2002/07/owl#TransitiveProperty> .\n", t
    }'
}

# fingerprint DB: a digest of everything the store holds. Training records its own duration
# in the settings of a set, the one thing two identical runs write differently.
fingerprint() {
    sqlite3 "$1" .dump | sed 's/"train_seconds": [0-9.]*//' | md5sum | cut -d' ' -f1
}

# integrity DB: SQLite finds the file sound, and nous opens it and reads it whole.
integrity() {
    ic=$(sqlite3 "$1" 'PRAGMA integrity_check' 2>&1)
    [ "$ic" = ok ] || fail "$1: integrity_check says: $ic"
    "$NOUS" --db "$1" stats >"$WORK/reopen.out" 2>&1 ||
        fail "$1: nous cannot reopen it: $(cat "$WORK/reopen.out")"
    "$NOUS" --db "$1" export --format nq >/dev/null 2>"$WORK/reopen.out" ||
        fail "$1: nous cannot export it: $(cat "$WORK/reopen.out")"
}

# fresh_copy FROM TO: a copy of a closed store (no -wal or -shm left behind).
fresh_copy() {
    rm -f "$2" "$2-wal" "$2-shm"
    cp "$1" "$2"
}

# wal_bytes DB: the size of the store's write-ahead log (0 when there is none).
wal_bytes() {
    if [ -f "$1-wal" ]; then wc -c <"$1-wal" | tr -d ' '; else echo 0; fi
}

# kill_delays SPAN N: N delays in seconds from the seeded sequence, for a command whose
# whole run takes SPAN: half uniform over the run (and a little past it), half over its last
# quarter, where the commit and the closing checkpoint are.
kill_delays() {
    SEED=$((SEED + 1))
    awk -v s="$SEED" -v t="$1" -v n="$2" 'BEGIN {
        srand(s)
        for (i = 0; i < n; i++)
            printf "%.3f\n", i % 2 == 0 ? rand() * 1.05 * t : (0.75 + rand() * 0.3) * t
    }'
}

# now: seconds since the epoch, with fractions (only to spread the signals over a run).
now() {
    date +%s.%N
}

# seconds_since T0: how long since T0, as a decimal.
seconds_since() {
    awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'
}

# keep NAME: a store that failed a check is copied to $KEEP (build/crash-failures by
# default), its log with it, for a look afterwards.
keep() {
    KEEP=${KEEP:-$ROOT/build/crash-failures}
    mkdir -p "$KEEP"
    cp "$WORK/x.db" "$KEEP/$1.db"
    [ -f "$WORK/x.db-wal" ] && cp "$WORK/x.db-wal" "$KEEP/$1.db-wal"
    cat "$WORK/x.out" "$WORK/x.err" >"$KEEP/$1.log" 2>/dev/null
    return 0
}

# signal_runs SIGNAL N NAME ARGS...: $WORK/base.db is the store before. Runs `nous ARGS` (in
# $WORK) twice to its end for the state after, then N times from base.db again with SIGNAL
# sent after a random delay. After each, the store must be whole (integrity) and hold the
# state before or the state after, never anything else:
#   SIGKILL: exit 137 (killed) with either state, or 0 (it had finished) with the state after;
#   SIGINT: exit 0 with the state after, or 130 with a message saying it was interrupted and
#   the state before.
# READ_ONLY=1: the command must not change the store (before = after). CHECK_AFTER, when
# set, is a command run after each run to check what it wrote outside the store. CRASH_DEBUG=1
# prints each signal's delay and the exit status it met. Prints one
# "ok"/"not ok" line and adds a failure to n_fail.
signal_runs() {
    sig=$1 n=$2 name=$3
    shift 3
    cd "$WORK" || return
    before=$(fingerprint base.db)
    # Two uninterrupted runs: they must leave the same store (else no state "after" exists
    # to compare with), and the second, on warm caches, times the run the signals spread over.
    fresh_copy base.db ref.db
    "$NOUS" --db ref.db "$@" >ref.out 2>&1 || {
        echo "not ok - $name: the uninterrupted run failed: $(cat ref.out)"
        n_fail=$((n_fail + 1))
        cd "$ROOT"
        return
    }
    after=$(fingerprint ref.db)
    fresh_copy base.db ref.db
    t0=$(now)
    "$NOUS" --db ref.db "$@" >ref.out 2>&1
    span=$(seconds_since "$t0")
    if [ "$(fingerprint ref.db)" != "$after" ]; then
        echo "not ok - $name: two uninterrupted runs left different stores"
        n_fail=$((n_fail + 1))
        cd "$ROOT"
        return
    fi
    if [ "${READ_ONLY:-0}" = 1 ] && [ "$before" != "$after" ]; then
        echo "not ok - $name: a command that only reads changed the store"
        n_fail=$((n_fail + 1))
        cd "$ROOT"
        return
    elif [ "${READ_ONLY:-0}" != 1 ] && [ "$before" = "$after" ]; then
        echo "not ok - $name: the command changed nothing, so the test would prove nothing"
        n_fail=$((n_fail + 1))
        cd "$ROOT"
        return
    fi
    n_before=0 n_during=0 n_after=0 n_finished=0 n_interrupted=0 bad=0 i=0
    for delay in $(kill_delays "$span" "$n"); do
        i=$((i + 1))
        fresh_copy base.db x.db
        # no subshell: the signal must reach nous itself, not a shell about to start it
        "$NOUS" --db x.db "$@" >x.out 2>x.err &
        pid=$!
        sleep "$delay"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        wal=$(wal_bytes "$WORK/x.db")
        what="$name: SIG$sig after ${delay}s of a ${span}s run, exit $rc"
        [ -n "${CRASH_DEBUG:-}" ] && echo "# $what" >&2
        if ! integrity "$WORK/x.db"; then
            keep "$name-$i"
            echo "# $what: the store is broken (kept in $KEEP/$name-$i.db)" >&2
            bad=1
            continue
        fi
        fp=$(fingerprint "$WORK/x.db")
        # "same": a command that only reads, whose before and after are one state
        state=other
        [ "$fp" = "$after" ] && state=after
        [ "$fp" = "$before" ] && state=before
        [ "$fp" = "$before" ] && [ "$fp" = "$after" ] && state=same
        verdict=bad
        case $sig:$rc:$state in
        *:0:after | *:0:same)
            verdict=ok n_finished=$((n_finished + 1)) ;;
        KILL:137:after)
            verdict=ok n_after=$((n_after + 1)) ;;
        KILL:137:before | KILL:137:same)
            verdict=ok
            if [ "$wal" -gt 0 ]; then n_during=$((n_during + 1)); else n_before=$((n_before + 1)); fi ;;
        INT:130:before | INT:130:same)
            if grep -q interrupt "$WORK/x.err"; then
                verdict=ok n_interrupted=$((n_interrupted + 1))
            else
                echo "# $what: no message saying it was interrupted: $(cat "$WORK/x.err")" >&2
            fi ;;
        *)
            keep "$name-$i"
            echo "# $what: the store is $state (not as before or after a whole run;" \
                 "kept in $KEEP/$name-$i.db); stderr: $(cat "$WORK/x.err")" >&2 ;;
        esac
        if [ "$verdict" = ok ] && [ -n "${CHECK_AFTER:-}" ] && ! $CHECK_AFTER; then
            echo "# $what: $CHECK_AFTER failed" >&2
            verdict=bad
        fi
        [ "$verdict" = ok ] || bad=1
    done
    cd "$ROOT"
    if [ "$bad" -ne 0 ]; then
        echo "not ok - $name"
        n_fail=$((n_fail + 1))
    elif [ "$sig" = KILL ]; then
        echo "ok - $name: $n kills over ${span}s runs: $n_before before the commit," \
             "$n_during during it, $n_after after it, $n_finished after the exit"
    else
        echo "ok - $name: $n SIGINTs over ${span}s runs: $n_interrupted rolled back," \
             "$n_finished after it had finished"
    fi
}
