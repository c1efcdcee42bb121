#!/bin/sh
# tests/reasoner/equality.sh: owl:sameAs by representatives (the default) against the
# profile's own equality rules (`--equality rules`): on every OWL 2 RL test input of
# tests/reasoner/entail/owl-rl and on random knowledge bases full of owl:sameAs (chains and
# cycles between individuals, between properties and between classes, functional and inverse
# functional properties that derive more of it, sub-properties, symmetric and transitive
# properties, domains, ranges, differentFrom), the two closures must be the same set of
# triples, and `reason --check` (each rule as a SPARQL query, the eq- rules included) must find
# nothing missing. Then every inferred triple of the merged closures must have a proof that ends in
# asserted triples (`explain`, no premise missing). NOUS names the binary; SEEDS how many
# random bases, PROOF_SEEDS of how many of them every proof is explained (one process each).
set -u
cd "$(dirname "$0")/../.." || exit 1
NOUS=${NOUS:-./nous}
SEEDS=${SEEDS:-12}
PROOF_SEEDS=${PROOF_SEEDS:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-equality.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() { # check NAME OK [DETAIL]
    if [ "$2" = 1 ]; then
        pass=$((pass + 1))
        echo "ok - $1"
    else
        fail=$((fail + 1))
        echo "not ok - $1${3:+: $3}"
    fi
}

# closure DATA MODE OUT: the store's triples after `reason --profile owl-rl` in MODE, sorted
closure() {
    rm -f "$tmp/$2.db" "$tmp/$2.db-wal" "$tmp/$2.db-shm"
    "$NOUS" --db "$tmp/$2.db" load "$1" >/dev/null 2>"$tmp/err" &&
        "$NOUS" --db "$tmp/$2.db" reason --profile owl-rl --equality "$2" >"$tmp/$2.out" 2>>"$tmp/err" &&
        "$NOUS" --db "$tmp/$2.db" export --format nt 2>>"$tmp/err" | LC_ALL=C sort >"$3"
}

# compare NAME DATA: the two closures of DATA
compare() {
    if ! closure "$2" merge "$tmp/merge.nt" || ! closure "$2" rules "$tmp/rules.nt"; then
        check "$1" 0 "$(head -c 300 "$tmp/err")"
        return
    fi
    if ! "$NOUS" --db "$tmp/merge.db" reason --check --profile owl-rl >"$tmp/check" 2>&1; then
        check "$1: closed under every owl-rl rule, the eq- ones included" 0 "$(head -n 3 "$tmp/check")"
    fi
    if cmp -s "$tmp/merge.nt" "$tmp/rules.nt"; then
        check "$1: same closure ($(wc -l <"$tmp/merge.nt" | tr -d ' ') triples)" 1
    else
        d=$(LC_ALL=C comm -3 "$tmp/merge.nt" "$tmp/rules.nt" | head -n 4 | tr '\n' ' ')
        check "$1: same closure" 0 "differs (merge | rules): $d"
    fi
}

# proofs NAME: explain every inferred triple of the merge store; none may miss a premise
proofs() {
    "$NOUS" --db "$tmp/merge.db" export --format nt --inferred >"$tmp/inf.nt" || return
    bad=0 n=0
    while IFS= read -r line; do
        n=$((n + 1))
        # the triple's three terms: an N-Triples line is "S P O ." with S, P without spaces
        s=${line%% *}; rest=${line#* }; p=${rest%% *}; o=${rest#* }; o=${o% .}
        if ! "$NOUS" --db "$tmp/merge.db" explain "$s" "$p" "$o" >"$tmp/proof" 2>&1 ||
            grep -q 'missing: not in the store' "$tmp/proof"; then
            bad=$((bad + 1))
            [ $bad = 1 ] && { echo "# $line"; sed 's/^/#   /' "$tmp/proof" | head -n 20; }
        fi
    done <"$tmp/inf.nt"
    check "$1: every one of $n inferred triples has a proof down to asserted triples" \
        "$([ $bad = 0 ] && echo 1 || echo 0)" "$bad without"
}

for f in tests/reasoner/entail/owl-rl/*.ttl; do
    compare "owl-rl/$(basename "$f" .ttl)" "$f"
done

# A random knowledge base: individuals i0..i(N-1) with types and property values, owl:sameAs
# chains and cycles among them, among properties and among classes.
random_kb() { # random_kb SEED OUT
    awk -v seed="$1" 'BEGIN {
        srand(seed)
        ex = "http://example.org/"; owl = "http://www.w3.org/2002/07/owl#"
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        rdfs = "http://www.w3.org/2000/01/rdf-schema#"
        n = 14 + int(rand() * 10); np = 5; nc = 4
        for (k = 0; k < 3 * n; k++)
            printf "<%si%d> <%sp%d> <%si%d> .\n", ex, int(rand() * n), ex, int(rand() * np), ex, int(rand() * n)
        for (k = 0; k < n; k++)
            printf "<%si%d> <%stype> <%sC%d> .\n", ex, int(rand() * n), rdf, ex, int(rand() * nc)
        m = 2 + int(rand() * 6)
        for (k = 0; k < m; k++)
            printf "<%si%d> <%ssameAs> <%si%d> .\n", ex, int(rand() * n), owl, ex, int(rand() * n)
        if (rand() < 0.5) printf "<%sp0> <%stype> <%sFunctionalProperty> .\n", ex, rdf, owl
        if (rand() < 0.5) printf "<%sp1> <%stype> <%sInverseFunctionalProperty> .\n", ex, rdf, owl
        if (rand() < 0.5) printf "<%sp2> <%stype> <%sSymmetricProperty> .\n", ex, rdf, owl
        if (rand() < 0.3) printf "<%sp3> <%stype> <%sTransitiveProperty> .\n", ex, rdf, owl
        if (rand() < 0.5) printf "<%sp4> <%ssubPropertyOf> <%sp%d> .\n", ex, rdfs, ex, int(rand() * 4)
        if (rand() < 0.5) printf "<%sp%d> <%sdomain> <%sC%d> .\n", ex, int(rand() * np), rdfs, ex, int(rand() * nc)
        if (rand() < 0.5) printf "<%sp%d> <%srange> <%sC%d> .\n", ex, int(rand() * np), rdfs, ex, int(rand() * nc)
        if (rand() < 0.5) printf "<%sC%d> <%ssubClassOf> <%sC%d> .\n", ex, int(rand() * nc), rdfs, ex, int(rand() * nc)
        if (rand() < 0.4) printf "<%sp%d> <%ssameAs> <%sq%d> .\n", ex, int(rand() * np), owl, ex, int(rand() * 2)
        if (rand() < 0.4) printf "<%sC%d> <%ssameAs> <%sD%d> .\n", ex, int(rand() * nc), owl, ex, int(rand() * 2)
        if (rand() < 0.3) printf "<%si%d> <%sdifferentFrom> <%si%d> .\n", ex, int(rand() * n), owl, ex, int(rand() * n)
    }' >"$2"
}

seed=1
while [ "$seed" -le "$SEEDS" ]; do
    random_kb "$seed" "$tmp/kb.nt"
    compare "random base, seed $seed" "$tmp/kb.nt"
    [ "$seed" -le "$PROOF_SEEDS" ] && proofs "random base, seed $seed"
    seed=$((seed + 1))
done

echo "equality: $pass passed, $fail failed"
[ "$fail" = 0 ]
