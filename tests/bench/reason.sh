#!/bin/sh
# tests/bench/reason.sh: `make bench`, part three. Reasoning throughput of `nous reason`:
#   1. LUBM(1) (and LUBM(10) unless LUBM10=0) with --profile owl-rl: univ-bench.owl and the
#      data loaded into a fresh store (untimed), then `nous reason --profile owl-rl`; the
#      figures are nous's own report: "read" (the store into memory), "reason" (the fixpoint
#      in memory), "write" (the derived triples written back as inferred, one transaction).
#   2. Transitive closure of ex:edge into ex:path, on a chain of $CHAIN_N nodes and on a random
#      graph ($RAND_N nodes, $RAND_M distinct edges, no loops, awk's srand($SEED)), with
#          [?x, ex:path, ?y] :- [?x, ex:edge, ?y] .
#          [?x, ex:path, ?z] :- [?x, ex:edge, ?y], [?y, ex:path, ?z] .
#      next to two baselines run on the same edges in the same run:
#        clips   CLIPS (Debian `clips`): (edge a b) facts as deffacts, rules path1/path2,
#                `clips -f2 FILE.clp` doing (reset) (run) and counting the path facts;
#                "run" is CLIPS's own (time) around (run) alone (rule matching and firing);
#                "wall" the whole process; "no rules" the whole process of the same file
#                without the rules (parse, reset, count, exit): wall - no rules ~ firing.
#        sqlite  sqlite3 shell: edge(s, o) integer table with indexes on (o) and (s, o), the
#                recursive CTE (UNION, so duplicates are dropped) counted with count(*),
#                timed by `.timer on` ("real"); temp_store=MEMORY and a 2 GB page cache, so
#                it too works in memory. Building the table is not timed.
#      The ratios compare nous's in-memory "reason" time (not read, not write) with CLIPS's
#      "run" and SQLite's query time: below 1x nous is faster. All three must count the same
#      number of path triples; a mismatch is flagged.
#   3. owl:sameAs: a chain of $SAME_N equal individuals, owl-rl with equality by representatives
#      (the default) and with the profile's equality rules (--equality rules): written triples
#      (the same) and times.
# Missing Debian packages (clips, sqlite3) are installed as root or with sudo. POSIX sh; needs
# `date +%N`. NOUS, BENCH_DATA, LUBM10, CHAIN_N, RAND_N, RAND_M, SEED, SAME_N may be set.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
LUBM=${BENCH_DATA:-../shared/datasets}/lubm
LUBM10=${LUBM10:-1}
CHAIN_N=${CHAIN_N:-2000}
RAND_N=${RAND_N:-1000}
RAND_M=${RAND_M:-3000}
SAME_N=${SAME_N:-300}
SEED=${SEED:-42}

case $(date +%N) in
*N* | '') echo "reason.sh: needs a date(1) that knows +%N (GNU coreutils)" >&2; exit 1 ;;
esac
now_ns() { date +%s%N; }

# ------------------------------------------------------------ the baselines' packages

need=
command -v clips >/dev/null 2>&1 || need="$need clips"
command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
if [ -n "$need" ]; then
    echo "reason.sh: installing Debian packages$need" >&2
    SUDO=
    [ "$(id -u)" = 0 ] || SUDO=sudo
    # $need is a list of words on purpose.
    $SUDO apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            $need >&2
fi
have_clips=1 have_sqlite=1
command -v clips >/dev/null 2>&1 || { have_clips=0; echo "reason.sh: no clips; no CLIPS figures" >&2; }
command -v sqlite3 >/dev/null 2>&1 || { have_sqlite=0; echo "reason.sh: no sqlite3; no SQLite figures" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-reason.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

# ------------------------------------------------------------ helpers

secs() { # secs NS
    awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'
}
rate() { # rate COUNT SECONDS
    awk -v n="$1" -v s="$2" 'BEGIN { if (s == "" || s <= 0) print "n/a"; else printf "%.0f", n / s }'
}
ratio() { # ratio NOUS_S BASE_S
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}
fresh() { rm -f "$tmp/x.db" "$tmp/x.db-wal" "$tmp/x.db-shm"; }

# nous_reason ARGS...: `nous --db $tmp/x.db reason ARGS`; sets n_in, n_der, rounds, read_s,
# reason_s, write_s, wall_s from its report. Returns 1 on failure.
nous_reason() {
    t0=$(now_ns)
    if ! "$NOUS" --db "$tmp/x.db" reason "$@" >"$tmp/reason.out" 2>&1; then
        cat "$tmp/reason.out" >&2
        return 1
    fi
    t1=$(now_ns)
    wall_s=$(secs $((t1 - t0)))
    set -- $(sed -n 's/^[0-9]* rules, \([0-9]*\) rounds: \([0-9]*\) triples in, \([0-9]*\) derived.*/\1 \2 \3/p' \
        "$tmp/reason.out")
    rounds=${1:-?} n_in=${2:-?} n_der=${3:-?}
    set -- $(sed -n 's/^load \([0-9.]*\) s, reason \([0-9.]*\) s.*write \([0-9.]*\) s.*/\1 \2 \3/p' \
        "$tmp/reason.out")
    read_s=${1:-} reason_s=${2:-} write_s=${3:-}
    head -n 3 "$tmp/reason.out" | sed 's/^/   /' >&2
}

uname -a
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
    echo "nous at $rev"
fi
echo "$(nproc 2>/dev/null || echo '?') CPUs; clips $(dpkg-query -W -f '${Version}' clips 2>/dev/null || echo "?");" \
     "sqlite3 $(sqlite3 --version 2>/dev/null | cut -d' ' -f1); one run each; scratch files in $tmp"

# ------------------------------------------------------------ 1. LUBM with owl-rl

lrow='%-10s %9s %9s %6s %8s %8s %8s %9s %11s\n'
lrows=$tmp/lrows
: >"$lrows"
lubm() { # lubm NAME DATAFILE
    echo "== $1, owl-rl" >&2
    fresh
    if ! "$NOUS" --db "$tmp/x.db" load "$LUBM/univ-bench.owl" "$2" >"$tmp/out" 2>&1; then
        cat "$tmp/out" >&2
        echo "   nous load failed on $1" >&2
        return
    fi
    if nous_reason --profile owl-rl; then
        printf "$lrow" "$1" "$n_in" "$n_der" "$rounds" "$read_s" "$reason_s" "$write_s" "$wall_s" \
            "$(rate "$n_der" "$reason_s")" >>"$lrows"
    else
        echo "   nous reason failed on $1" >&2
    fi
}
if [ -f "$LUBM/lubm1.nt" ] && [ -f "$LUBM/univ-bench.owl" ]; then
    lubm "LUBM(1)" "$LUBM/lubm1.nt"
    if [ "$LUBM10" = 1 ] && [ -f "$LUBM/lubm10.nt.gz" ]; then
        lubm "LUBM(10)" "$LUBM/lubm10.nt.gz"
    else
        echo "skipping LUBM(10): LUBM10=0 or $LUBM/lubm10.nt.gz absent" >&2
    fi
    echo
    echo "OWL 2 RL closure (--profile owl-rl) of univ-bench.owl + LUBM data, seconds by nous's own clock"
    printf "$lrow" dataset "in" derived rounds read reason write "wall" "derived/s"
    cat "$lrows"
    echo "read: store into memory; reason: fixpoint in memory; write: inferred triples back to the"
    echo "store (one transaction); wall: the whole \`nous reason\` command; derived/s: derived / reason."
else
    echo
    echo "skipping LUBM: $LUBM/lubm1.nt or $LUBM/univ-bench.owl is absent"
fi

# ------------------------------------------------------------ 2. transitive closure

cat >"$tmp/tc.dl" <<'EOF'
@prefix ex: <http://example.org/> .
[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .
[?x, ex:path, ?z] :- [?x, ex:edge, ?y], [?y, ex:path, ?z] .
EOF

# The edges are kept as "S O" integer pairs in $tmp/edges; each system gets its own format.
to_nt() {
    awk '{ printf "<http://example.org/n%d> <http://example.org/edge> <http://example.org/n%d> .\n", $1, $2 }' \
        "$tmp/edges" >"$tmp/edges.nt"
}
to_clp() { # to_clp WITH_RULES OUT
    awk -v rules="$1" 'BEGIN { print "(defglobal ?*t0* = 0.0 ?*t1* = 0.0)"; print "(deffacts graph" }
        { printf "(edge n%d n%d)\n", $1, $2 }
        END {
            print ")"
            if (rules) {
                print "(defrule path1 (edge ?x ?y) => (assert (path ?x ?y)))"
                print "(defrule path2 (edge ?x ?y) (path ?y ?z) => (assert (path ?x ?z)))"
            }
            print "(reset)"
            print "(bind ?*t0* (time))"
            print "(run)"
            print "(bind ?*t1* (time))"
            print "(printout t \"paths \" (length$ (find-all-facts ((?f path)) TRUE)) crlf)"
            print "(printout t \"run \" (- ?*t1* ?*t0*) crlf)"
            print "(exit)"
        }' "$tmp/edges" >"$2"
}

trow='%-22s %9s %8s %8s %10s | %9s %8s %8s %8s %10s | %9s %8s %10s | %8s %8s\n'
trows=$tmp/trows
: >"$trows"
mismatch=0

# tc NAME: the closure of $tmp/edges with the three systems; adds a row.
tc() {
    name=$1
    n_edges=$(wc -l <"$tmp/edges" | tr -d ' ')
    echo "== transitive closure, $name ($n_edges edges)" >&2
    note=

    to_nt
    fresh
    nous_der= reason_s= write_s=
    if "$NOUS" --db "$tmp/x.db" load "$tmp/edges.nt" >"$tmp/out" 2>&1 &&
        nous_reason --rules "$tmp/tc.dl"; then
        nous_der=$n_der
    else
        cat "$tmp/out" >&2
        echo "   nous failed on $name" >&2
    fi
    fresh

    clips_n= clips_run= clips_wall= clips_base=
    if [ "$have_clips" = 1 ]; then
        to_clp 1 "$tmp/tc.clp"
        to_clp 0 "$tmp/facts.clp"
        t0=$(now_ns)
        clips -f2 "$tmp/tc.clp" >"$tmp/clips.out" 2>&1 </dev/null
        t1=$(now_ns)
        clips -f2 "$tmp/facts.clp" >"$tmp/clips0.out" 2>&1 </dev/null
        t2=$(now_ns)
        clips_n=$(sed -n 's/^paths \([0-9]*\).*/\1/p' "$tmp/clips.out" | tr -d '\r')
        clips_run=$(sed -n 's/^run \([0-9.eE+-]*\).*/\1/p' "$tmp/clips.out" | tr -d '\r')
        if [ -z "$clips_n" ]; then
            echo "   clips failed on $name:" >&2
            tail -n 5 "$tmp/clips.out" >&2
            clips_run=
        else
            clips_wall=$(secs $((t1 - t0)))
            clips_base=$(secs $((t2 - t1)))
            echo "   clips: $clips_n paths, run $clips_run s, wall $clips_wall s, without rules $clips_base s" >&2
        fi
        rm -f "$tmp/tc.clp" "$tmp/facts.clp"
    fi

    sq_n= sq_s=
    if [ "$have_sqlite" = 1 ]; then
        rm -f "$tmp/sq.db"
        tr ' ' '|' <"$tmp/edges" >"$tmp/edges.psv"
        if printf '%s\n' 'CREATE TABLE edge(s INTEGER NOT NULL, o INTEGER NOT NULL);' \
            ".import $tmp/edges.psv edge" 'CREATE INDEX edge_o ON edge(o);' \
            'CREATE INDEX edge_so ON edge(s, o);' 'ANALYZE;' | sqlite3 "$tmp/sq.db" >&2 &&
            printf '%s\n' 'PRAGMA temp_store=MEMORY;' 'PRAGMA cache_size=-2000000;' '.timer on' \
            'WITH RECURSIVE path(s, o) AS (SELECT s, o FROM edge UNION SELECT e.s, p.o FROM edge e JOIN path p ON e.o = p.s) SELECT count(*) FROM path;' |
            sqlite3 "$tmp/sq.db" >"$tmp/sq.out" 2>&1; then
            sq_n=$(sed -n '/^[0-9][0-9]*$/p' "$tmp/sq.out" | tail -n 1)
            sq_s=$(sed -n 's/^Run Time: real \([0-9.]*\).*/\1/p' "$tmp/sq.out" | tail -n 1)
            echo "   sqlite: $sq_n paths, $sq_s s" >&2
        else
            cat "$tmp/sq.out" >&2
            echo "   sqlite failed on $name" >&2
        fi
        rm -f "$tmp/sq.db" "$tmp/edges.psv"
    fi

    for c in "$clips_n" "$sq_n"; do
        if [ -n "$c" ] && [ -n "$nous_der" ] && [ "$c" != "$nous_der" ]; then
            note="COUNTS DIFFER"
        fi
    done
    [ -n "$note" ] && mismatch=$((mismatch + 1))
    printf "$trow" "$name" "${nous_der:-n/a}" "${reason_s:-n/a}" "${write_s:-n/a}" \
        "$(rate "${nous_der:-0}" "$reason_s")" \
        "${clips_n:-n/a}" "${clips_run:-n/a}" "${clips_wall:-n/a}" "${clips_base:-n/a}" \
        "$(rate "${clips_n:-0}" "$clips_run")" \
        "${sq_n:-n/a}" "${sq_s:-n/a}" "$(rate "${sq_n:-0}" "$sq_s")" \
        "$(ratio "$reason_s" "$clips_run")" "$(ratio "$reason_s" "$sq_s")" >>"$trows"
    [ -n "$note" ] && echo "  ^ $note: nous $nous_der, clips ${clips_n:-n/a}, sqlite ${sq_n:-n/a}" >>"$trows"
}

awk -v n="$CHAIN_N" 'BEGIN { for (i = 0; i < n; i++) print i, i + 1 }' >"$tmp/edges"
tc "chain $CHAIN_N"
awk -v n="$RAND_N" -v m="$RAND_M" -v seed="$SEED" 'BEGIN {
    srand(seed)
    if (m > n * (n - 1)) m = n * (n - 1)
    while (c < m) {
        s = int(rand() * n); o = int(rand() * n)
        if (s != o && !((s, o) in seen)) { seen[s, o] = 1; c++; print s, o }
    }
}' >"$tmp/edges"
tc "random $RAND_N/$RAND_M"

echo
echo "transitive closure (ex:path from ex:edge), path triples and seconds (one run each)"
printf "$trow" graph "nous" reason write "derived/s" "clips" run "wall" "no rules" "derived/s" \
    "sqlite" query "derived/s" "n/clips" "n/sqlite"
cat "$trows"
echo "nous: triples derived (path1 + path2); reason: the fixpoint in memory, write: the inferred"
echo "triples stored (nous's own clock, neither included in derived/s nor in the ratios)."
echo "clips: path facts; run: (run) alone by CLIPS's (time); wall: the whole clips process;"
echo "no rules: the same file without rules (parse, reset, count, exit). derived/s = paths / run."
echo "sqlite: count(*) of the recursive CTE; query: its \`.timer on\` real time, table built untimed."
echo "n/clips, n/sqlite: nous reason time / baseline time (below 1x: nous faster)."
echo "edges: chain i -> i+1 for i < $CHAIN_N; random: $RAND_M distinct edges on $RAND_N nodes," \
     "awk srand($SEED) ($(readlink -f "$(command -v awk)"))"
[ "$mismatch" = 0 ] || echo "$mismatch graph(s) where the path counts differ: see the rows marked above"

# ------------------------------------------------------------ 3. owl:sameAs

# $SAME_N individuals i0 owl:sameAs i1 owl:sameAs ... (one class of equal terms), each with
# three property values and a type; `reason --profile owl-rl` merging them into one
# representative (the default) and applying the profile's eq- rules (--equality rules).
echo "== owl:sameAs chain of $SAME_N individuals" >&2
awk -v n="$SAME_N" 'BEGIN {
    ex = "http://example.org/"
    for (i = 0; i < n; i++) {
        if (i) printf "<%si%d> <http://www.w3.org/2002/07/owl#sameAs> <%si%d> .\n", ex, i - 1, ex, i
        for (k = 0; k < 3; k++) printf "<%si%d> <%sp%d> <%sv%d> .\n", ex, i, ex, k, ex, (i * 7 + k) % 50
        printf "<%si%d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <%sC%d> .\n", ex, i, ex, i % 5
    }
}' >"$tmp/same.nt"
srow='%-8s %9s %9s %8s %8s %8s\n'
echo
echo "owl:sameAs: a chain of $SAME_N equal individuals (4 facts each), --profile owl-rl"
printf "$srow" equality "in" written reason write "wall"
for mode in merge rules; do
    fresh
    if "$NOUS" --db "$tmp/x.db" load "$tmp/same.nt" >"$tmp/out" 2>&1 &&
        nous_reason --profile owl-rl --equality "$mode"; then
        written=$(sed -n 's/.* \([0-9]*\) written as inferred$/\1/p' "$tmp/reason.out")
        printf "$srow" "$mode" "$n_in" "${written:-?}" "$reason_s" "$write_s" "$wall_s"
        eval "same_$mode=\$reason_s"
    else
        echo "   nous failed with --equality $mode" >&2
    fi
done
echo "merge: terms merged into one representative, the closure written out at the end (the"
echo "default); rules: the profile's eq-sym, eq-trans, eq-rep-s/p/o applied as rules. Both write"
echo "the same triples; in memory, merging is $(awk -v a="${same_merge:-}" -v b="${same_rules:-}" 'BEGIN {
    if (a == "" || b == "") print "n/a"; else if (a + 0 < 0.001) printf "over %.0fx", b / 0.001; else printf "%.0fx", b / a }') faster (reason time, rules / merge)"
exit 0
