#!/bin/sh
# tests/reasoner/rdfmt.sh: the W3C RDF 1.1 entailment tests (rdf-mt) against `nous reason`.
# Tests: tests/reasoner/rdf-mt/manifest.ttl (copied from w3c/rdf-tests, see SOURCE.md there), or
# ../shared/conformance/rdf-mt when the copy is missing. Every test in mf:entries is run:
#   - load the premise (mf:action) into a fresh store; for regime "RDF" and "RDFS" run
#     `nous reason --profile rdfs` (there is no RDF-only profile: rdfs adds to what RDF entails,
#     so RDF-regime results are counted separately in the summary); regime "simple": no reasoning;
#   - mf:result <graph>: load it into another store, export it as N-Triples, turn its blank nodes
#     into variables and ask the whole graph as one ASK query against the premise store.
#     Positive test: the ASK must be true. Negative test: it must be false;
#   - mf:result false (the premise is inconsistent): nous reports no inconsistency, so a positive
#     test fails, and a negative test passes when load and reason succeed.
# A failing test named in tests/reasoner/rdfmt-known.txt ("NAME reason", one a line) is "known"
# and does not fail the run. Run from the repository root with NOUS=path/to/nous (default ./nous).
# Prints "ok - NAME" / "not ok - NAME: why" per test, then
# "rdf-mt: N passed, M failed, K known (see tests/reasoner/rdfmt-known.txt)". Exit 1 on a failure.
set -u
ROOT=$(pwd)
NOUS=${NOUS:-./nous}
case $NOUS in /*) ;; *) NOUS=$ROOT/$NOUS ;; esac
KNOWN=$ROOT/tests/reasoner/rdfmt-known.txt
DIR=$ROOT/tests/reasoner/rdf-mt
[ -f "$DIR/manifest.ttl" ] || DIR=$ROOT/../shared/conformance/rdf-mt
if [ ! -f "$DIR/manifest.ttl" ]; then
    echo "rdf-mt: skipped (no tests/reasoner/rdf-mt/manifest.ttl nor ../shared/conformance/rdf-mt)"
    exit 0
fi
BASE=https://w3c.github.io/rdf-tests/rdf/rdf11/rdf-mt/
MF=http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-rdfmt.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
TAB=$(printf '\t')

# The tests: only those in a list (mf:entries), so the commented-out entries are skipped.
if ! "$NOUS" --db "$tmp/manifest.db" load --base "$BASE" "$DIR/manifest.ttl" >"$tmp/out" 2>&1 ||
    ! "$NOUS" --db "$tmp/manifest.db" query --format tsv "PREFIX mf: <$MF>
        SELECT ?n ?t ?reg ?a ?r WHERE {
          ?l <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> ?x .
          ?x a ?t ; mf:name ?n ; mf:entailmentRegime ?reg ; mf:action ?a ; mf:result ?r }
        ORDER BY ?n" >"$tmp/tests" 2>"$tmp/out"; then
    echo "not ok - rdf-mt manifest: $(cat "$tmp/out")"
    exit 1
fi

n_pass=0 n_fail=0 n_known=0 n_total=0
rdf_pass=0 rdf_total=0
known_reason() {
    [ -f "$KNOWN" ] && awk -v n="$1" '$1 == n { $1 = ""; sub(/^ +/, ""); print; exit }' "$KNOWN"
}
# <BASEpath> -> local file; "false"^^xsd:boolean -> false
local_file() {
    case $1 in
    "<$BASE"*) f=${1#"<$BASE"}; echo "$DIR/${f%>}" ;;
    '"false"'*) echo false ;;
    *) echo "?$1" ;;
    esac
}

tail -n +2 "$tmp/tests" >"$tmp/list"
while IFS="$TAB" read -r name type regime action result; do
    name=${name#\"} name=${name%\"} regime=${regime#\"} regime=${regime%\"}
    case $type in *PositiveEntailmentTest*) positive=1 ;; *) positive=0 ;; esac
    premise=$(local_file "$action") conclusion=$(local_file "$result")
    n_total=$((n_total + 1))
    db=$tmp/$n_total.db
    why=
    if ! "$NOUS" --db "$db" load --base "$BASE${premise#"$DIR/"}" "$premise" >"$tmp/out" 2>&1; then
        why="premise load failed: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
    elif [ "$regime" != simple ] && ! "$NOUS" --db "$db" reason --profile rdfs >"$tmp/out" 2>&1; then
        why="reason failed: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
    elif [ "$conclusion" = false ]; then
        [ $positive = 1 ] && why="premise is inconsistent, nous reports no inconsistency"
    elif ! "$NOUS" --db "$tmp/c$n_total.db" load --base "$BASE${conclusion#"$DIR/"}" "$conclusion" \
            >"$tmp/out" 2>&1 ||
        ! "$NOUS" --db "$tmp/c$n_total.db" export --format nt >"$tmp/conclusion.nt" 2>"$tmp/out"; then
        why="conclusion load failed: $(head -c 300 "$tmp/out" | tr '\n' ' ')"
    else
        # Blank nodes (subject or object) become variables: _:b1_x -> ?b1_x.
        sed -e 's/^_:\([A-Za-z0-9_]*\) /?\1 /' -e 's/ _:\([A-Za-z0-9_]*\) \.$/ ?\1 ./' \
            "$tmp/conclusion.nt" >"$tmp/pattern"
        got=$("$NOUS" --db "$db" query --format tsv "ASK { $(cat "$tmp/pattern") }" 2>&1)
        case $positive$got in
        1true | 0false) ;;
        1false)
            why="conclusion not entailed; missing:"
            while IFS= read -r line; do
                [ "$("$NOUS" --db "$db" query --format tsv "ASK { $line }" 2>&1)" = true ] ||
                    why="$why $line"
            done <"$tmp/pattern"
            ;;
        0true) why="non-entailed conclusion is in the closure: $(tr '\n' ' ' <"$tmp/pattern")" ;;
        *) why="ASK failed: $got" ;;
        esac
    fi
    label="$name [$regime]"
    reason=$(known_reason "$name")
    if [ -z "$why" ]; then
        if [ -n "$reason" ]; then
            echo "ok - $label # listed in rdfmt-known.txt but passes: remove it there"
        else
            echo "ok - $label"
        fi
        n_pass=$((n_pass + 1))
        [ "$regime" = RDF ] && rdf_pass=$((rdf_pass + 1))
    elif [ -n "$reason" ]; then
        echo "not ok - $label: $why # known: $reason"
        n_known=$((n_known + 1))
    else
        echo "not ok - $label: $why"
        n_fail=$((n_fail + 1))
    fi
    [ "$regime" = RDF ] && rdf_total=$((rdf_total + 1))
done <"$tmp/list"

echo "rdf-mt: regime RDF (run with the rdfs profile): $rdf_pass of $rdf_total passed"
echo "rdf-mt: $n_pass passed, $n_fail failed, $n_known known (see tests/reasoner/rdfmt-known.txt)"
[ "$n_total" -gt 0 ] && [ "$n_fail" -eq 0 ]
