#!/bin/sh
# tests/reasoner/entail.sh: one entailment test per rule of the built-in rule sets. For each
# tests/reasoner/entail/PROFILE/NAME.ttl: load it into a fresh store, `nous reason --profile
# PROFILE`, and check that every triple of NAME.expected.nt is then in the store (an ASK query
# per triple; the expected files hold no blank nodes). Also: reasoning twice derives nothing the
# second time. Run from the repository root with NOUS=path/to/nous (default ./nous). Prints
# "ok - ..." or "not ok - ..." per test, then "entail: N passed, N failed".
set -u
ROOT=$(pwd)
NOUS=${NOUS:-./nous}
case $NOUS in /*) ;; *) NOUS=$ROOT/$NOUS ;; esac
DIR=$ROOT/tests/reasoner/entail
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-entail.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
n_pass=0 n_fail=0

# check NAME WHY: "ok - NAME" when WHY is empty, else "not ok - NAME: WHY".
check() {
    if [ -z "$2" ]; then
        echo "ok - $1"
        n_pass=$((n_pass + 1))
    else
        echo "not ok - $1: $2"
        n_fail=$((n_fail + 1))
    fi
}

for profile in rdfs owl-rl; do
    for ttl in "$DIR/$profile"/*.ttl; do
        name=$(basename "$ttl" .ttl)
        expected=$DIR/$profile/$name.expected.nt
        db=$tmp/$profile-$name.db
        why=
        if ! "$NOUS" --db "$db" load "$ttl" >"$tmp/out" 2>&1; then
            why="load failed: $(cat "$tmp/out")"
        elif ! "$NOUS" --db "$db" reason --profile "$profile" >"$tmp/out" 2>&1; then
            why="reason failed: $(cat "$tmp/out")"
        else
            while IFS= read -r line; do
                case $line in '' | \#*) continue ;; esac
                triple=${line% .}
                got=$("$NOUS" --db "$db" query --format tsv "ASK { $triple }" 2>&1)
                [ "$got" = true ] || why="$why missing: $triple ($got);"
            done <"$expected"
        fi
        check "$profile/$name" "$why"
    done
done

# A second run over a closed store changes nothing: it is an incremental update with no change
# (LUBM-sized data is in tests/sparql/lubm.sh).
db=$tmp/again.db
"$NOUS" --db "$db" load "$DIR/owl-rl/prp-trp.ttl" >/dev/null 2>&1
"$NOUS" --db "$db" reason --profile owl-rl >/dev/null 2>&1
why=
"$NOUS" --db "$db" reason --profile owl-rl 2>&1 | grep -q 'inferred: 0 added, 0 removed' || why="it changed something"
check "a second run derives nothing" "$why"

# An inconsistency is reported by `reason`, naming the resource and the rule.
idb=$tmp/inconsistent.db
"$NOUS" --db "$idb" load "$DIR/owl-rl/cax-dw.ttl" >/dev/null 2>&1
why=
"$NOUS" --db "$idb" reason --profile owl-rl 2>&1 | grep -q 'ex:rex violates "cax-dw"' || why="not reported"
check "reason reports an inconsistency (cax-dw)" "$why"

# explain: the proof of a derived triple down to asserted ones; an asserted one says so; one
# that is neither says so and fails.
"$NOUS" --db "$db" explain '<http://example.org/a>' '<http://example.org/ancestorOf>' '<http://example.org/d>' >"$tmp/explain" 2>&1
why=
grep -q 'owl-rl:[0-9]*, confidence 1\]' "$tmp/explain" && grep -q '\[asserted\]' "$tmp/explain" ||
    why=$(cat "$tmp/explain")
check "explain prints the proof down to asserted triples" "$why"
"$NOUS" --db "$db" explain --format dot '<http://example.org/a>' '<http://example.org/ancestorOf>' '<http://example.org/d>' >"$tmp/dot" 2>&1
why=
head -n 1 "$tmp/dot" | grep -q '^digraph proof {$' && grep -q 't0 -> t1;' "$tmp/dot" &&
    tail -n 1 "$tmp/dot" | grep -q '^}$' || why=$(cat "$tmp/dot")
check "explain --format dot writes a Graphviz graph" "$why"
# SVG through Graphviz's dot when it is installed; without it, a clear error
why=
if command -v dot >/dev/null 2>&1; then
    "$NOUS" --db "$db" explain --format svg '<http://example.org/a>' '<http://example.org/ancestorOf>' '<http://example.org/d>' >"$tmp/svg" 2>&1 &&
        grep -q '<svg' "$tmp/svg" && grep -q 'ancestorOf' "$tmp/svg" || why=$(head -c 300 "$tmp/svg")
    check "explain --format svg draws the proof with dot" "$why"
    why=
fi
if PATH=/nonexistent "$NOUS" --db "$db" explain --format svg '<http://example.org/a>' '<http://example.org/ancestorOf>' '<http://example.org/d>' >"$tmp/svg" 2>&1; then
    why="it succeeded without dot"
else
    grep -q "Graphviz's dot, which is not installed" "$tmp/svg" || why=$(cat "$tmp/svg")
fi
check "explain --format svg without dot says what is missing and fails" "$why"
why=
if "$NOUS" --db "$db" explain '<http://example.org/d>' '<http://example.org/ancestorOf>' '<http://example.org/a>' >"$tmp/explain" 2>&1; then
    why="it succeeded"
else
    grep -q 'neither asserted nor derived' "$tmp/explain" || why=$(cat "$tmp/explain")
fi
check "explain of an absent triple says so and fails" "$why"

echo "entail: $n_pass passed, $n_fail failed"
[ "$n_fail" -eq 0 ]
