#!/bin/sh
# tests/bench/update.sh: `make bench`, incremental reasoning. On LUBM(1) with the owl-rl
# profile (univ-bench.owl and lubm1.nt, 100k asserted triples, 86k inferred), in one run:
#   full     starting over: a fresh store loaded (untimed), then `nous reason --profile owl-rl`;
#            "in-process" is the reasoner's own load + reason + write, "wall" the command.
#   retract  `nous unload S.nt` on the reasoned full store, S a random sample (awk srand($SEED))
#            of 1, 100 and 1% of the data's lines: the triples retracted and exactly the
#            inferred triples that lose all support removed (rs_update, delete/rederive).
#   add      `nous load S.nt` on the result: S asserted again and its consequences derived from
#            the delta alone.
#   in-process is the update's own time (rs_update: compiling the rules, the three steps and
#   writing, inside the command's transaction); wall is the command's (process start, opening
#   the store, reading S, the commit's fsync). "x faster" divides the full re-materialisation's
#   in-process time by the update's in-process time (and wall by wall).
# After each update the inferred triples are compared with a store reasoned from scratch over
# the same asserted triples (`export --inferred`, blank-node labels made equal (each load
# scopes them anew), sorted): "same" or a count of differing lines.
# One run each; figures vary with the machine's load, ratios less. Skipped (exit 77) without
# $BENCH_DATA/lubm. POSIX sh. NOUS, BENCH_DATA, SEED may be set.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
DATA=${BENCH_DATA:-../shared/datasets}
SEED=${SEED:-7}
LUBM=$DATA/lubm
if [ ! -f "$LUBM/lubm1.nt" ] || [ ! -f "$LUBM/univ-bench.owl" ]; then
    echo "update.sh: no $LUBM/lubm1.nt (the shared LUBM data); skipped"
    exit 77
fi
NOUS=$(cd "$(dirname "$NOUS")" && pwd)/$(basename "$NOUS")
work=$(mktemp -d "${TMPDIR:-/tmp}/nous-update.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
cp "$LUBM/univ-bench.owl" "$work/onto.owl"
# distinct data lines only (duplicates would make "the triples S holds" ambiguous)
grep -v '^[[:space:]]*\(#\|$\)' "$LUBM/lubm1.nt" | sort -u >"$work/all.nt"
n_all=$(wc -l <"$work/all.nt")

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# The seconds an update reported ("...; 0.012 s" at the end of its "inferred:" line).
reported() { sed -n 's/^.*inferred: .*; \([0-9.]*\) s$/\1/p' "$1" | tail -n 1; }

# Inferred triples of store $1 against a store reasoned from scratch over its asserted ones.
check() {
    "$NOUS" --db "$1" export --asserted --format nq >"$work/asserted.nq" 2>/dev/null
    rm -f "$work/scratch.db"
    "$NOUS" --db "$work/scratch.db" load "$work/asserted.nq" >/dev/null 2>&1
    "$NOUS" --db "$work/scratch.db" reason --profile owl-rl >/dev/null 2>&1
    "$NOUS" --db "$1" export --inferred --format nq | sed -E 's/_:(b[0-9]+_)+/_:/g' | sort >"$work/a.nq"
    "$NOUS" --db "$work/scratch.db" export --inferred --format nq | sed -E 's/_:(b[0-9]+_)+/_:/g' | sort >"$work/b.nq"
    if cmp -s "$work/a.nq" "$work/b.nq"; then echo same; else
        echo "$(diff "$work/a.nq" "$work/b.nq" | grep -c '^[<>]') differ"
    fi
}

echo "Incremental reasoning on LUBM(1), owl-rl: $n_all data triples + univ-bench.owl; nous at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# ------------------------------------------------------------ starting over
full=$work/full.db
"$NOUS" --db "$full" load "$work/onto.owl" "$work/all.nt" >/dev/null 2>&1 || { echo "update.sh: load failed" >&2; exit 1; }
t0=$(now)
"$NOUS" --db "$full" reason --profile owl-rl >"$work/reason.out" 2>&1 || { cat "$work/reason.out" >&2; exit 1; }
t1=$(now)
full_wall=$(elapsed "$t0" "$t1")
full_in=$(sed -n 's/^load \([0-9.]*\) s, reason \([0-9.]*\) s.*write \([0-9.]*\) s$/\1 \2 \3/p' "$work/reason.out" |
    awk '{ printf "%.3f", $1 + $2 + $3 }')
n_inferred=$("$NOUS" --db "$full" export --inferred --format nt | wc -l)
printf '%-8s %-9s %12s %10s %12s %12s  %s\n' "change" "triples" "in-process s" "wall s" "x faster" "x faster" "against from scratch"
printf '%-8s %-9s %12s %10s %12s %12s  %s\n' "" "" "" "" "(in-proc.)" "(wall)" ""
printf '%-8s %-9s %12s %10s %12s %12s  %s\n' "full" "$n_all" "$full_in" "$full_wall" "1x" "1x" "($n_inferred inferred)"

ratio() { awk -v f="$1" -v u="$2" 'BEGIN { if (u > 0) printf "%.0fx", f / u; else print "-" }'; }

one_pct=$(( (n_all + 50) / 100 ))
for n in 1 100 "$one_pct"; do
    awk -v n="$n" -v seed="$SEED" -v total="$n_all" 'BEGIN { srand(seed) }
        { if (rand() < (n - k) / (total - NR + 1)) { print; k++ } }' "$work/all.nt" >"$work/s.nt"
    w=$work/w.db
    rm -f "$w" "$w-wal" "$w-shm"
    cp "$full" "$w"
    label="$n"
    [ "$n" = "$one_pct" ] && label="$n (1%)"
    t0=$(now)
    "$NOUS" --db "$w" unload "$work/s.nt" >"$work/u.out" 2>&1 || { cat "$work/u.out" >&2; exit 1; }
    t1=$(now)
    wall=$(elapsed "$t0" "$t1")
    in=$(reported "$work/u.out")
    printf '%-8s %-9s %12s %10s %12s %12s  %s\n' "retract" "$label" "$in" "$wall" "$(ratio "$full_in" "$in")" \
        "$(ratio "$full_wall" "$wall")" "$(check "$w")"
    t0=$(now)
    "$NOUS" --db "$w" load "$work/s.nt" >"$work/a.out" 2>&1 || { cat "$work/a.out" >&2; exit 1; }
    t1=$(now)
    wall=$(elapsed "$t0" "$t1")
    in=$(reported "$work/a.out")
    printf '%-8s %-9s %12s %10s %12s %12s  %s\n' "add" "$label" "$in" "$wall" "$(ratio "$full_in" "$in")" \
        "$(ratio "$full_wall" "$wall")" "$(check "$w")"
done
echo "retract: nous unload S.nt on the reasoned store; add: nous load S.nt back; full: nous reason on a fresh load."
