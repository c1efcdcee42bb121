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
# whole run takes SPAN: half uniform over the run and a tenth past it, half over its last
# fifth and past it, where the commit and the closing checkpoint are.
kill_delays() {
    SEED=$((SEED + 1))
    awk -v s="$SEED" -v t="$1" -v n="$2" 'BEGIN {
        srand(s)
        for (i = 0; i < n; i++)
            printf "%.3f\n", i % 2 == 0 ? rand() * 1.1 * t : (0.8 + rand() * 0.3) * t
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
