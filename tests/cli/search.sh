# tests/cli/search.sh: semantic search, sourced by run.sh (which has the helpers and runs the
# cases listed in SEARCH_CASES): `similar` and `analogy` list k entities of the stored
# embedding space, never the ones asked about, best first, under each metric; `similar
# --relation` ranks by the model's score; `search` filters by label, class (inferred too) and
# SPARQL pattern and ranks by --near; bad input is an error naming it; the shell runs the same
# commands in its output mode. That the search is exact is tested against a brute-force scan
# in tests/neural/test_knn.c.

search_store() {
    tiny_kg
    "$NOUS" load kg/train.txt >/dev/null 2>&1 || fail "train.txt did not load" || return 1
    "$NOUS" train --model complex --dim 16 --epochs 50 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
}

similar_and_analogy_list_k_entities_best_first() {
    search_store || return 1
    for metric in cosine dot l2; do
        nous similar kg:p0 -k 4 --metric "$metric" --format csv
        expect_rc 0 || return 1
        expect_grep out '^rank,entity,(cosine|dot|distance)' || return 1
        [ "$(grep -c '^[1-4],' out)" -eq 4 ] || fail "not 4 rows: $(cat out)" || return 1
        expect_no_grep out '/p0,' || return 1
        # best first: similarity falling, distance rising
        awk -F, -v up="$([ "$metric" = l2 ] && echo 1 || echo 0)" '
            NR > 1 { v = up ? -$3 : $3; if (NR > 2 && v > prev + 1e-9) exit 1; prev = v }' out ||
            fail "not best first: $(cat out)" || return 1
    done
    nous analogy kg:p0 kg:c0 kg:p1 -k 3 --format csv
    expect_rc 0 || return 1
    [ "$(grep -c '^[1-3],' out)" -eq 3 ] || fail "not 3 rows: $(cat out)" || return 1
    expect_no_grep out '/(p0|c0|p1),' || return 1
    # k above the number of entities: all the others (12 entities, 1 asked about)
    nous similar kg:c3 -k 100 --format csv
    expect_rc 0 || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 11 ] || fail "not 11 rows: $(cat out)" || return 1
    # without --format: SPARQL TSV for a program, as a query gives
    nous similar kg:p0 -k 2
    expect_grep out '^\?rank	\?entity	\?cosine$' || return 1
    printf '.similar kg:p0 -k 2 --format table\n' | "$NOUS" >out 2>err
    expect_grep out '^ 2 +\| kg:' || return 1
}

# Every person lives in one city and was born in the next: the model learns both, so the
# relation-aware form answers them.
similar_by_relation_ranks_by_the_model() {
    search_store || return 1
    nous similar kg:p2 --relation kg:livesIn -k 3 --format csv
    expect_rc 0 || return 1
    expect_grep out '^rank,entity,score,known' || return 1
    expect_grep out '^1,http://nous.local/kg/c2,[-0-9.]+,true' || return 1
    [ "$(grep -c '^[1-3],' out)" -eq 3 ] || fail "not 3 rows: $(cat out)" || return 1
    nous similar kg:c3 --relation kg:bornIn --inverse -k 1 --format csv
    expect_rc 0 || return 1
    expect_grep out '^1,http://nous.local/kg/p2,[-0-9.]+,true' || return 1
    nous similar kg:p2 --relation kg:livesIn --metric dot
    expect_rc 2 || return 1
    expect_grep err "--metric does not apply" || return 1
    nous similar kg:p2 --inverse
    expect_rc 2 || return 1
    nous similar kg:p2 --relation kg:p3
    expect_rc 1 || return 1
    expect_grep err "kg:p3 has no vector in embeddings 'complex'" || return 1
}

# Three birds and three fish (subclasses of Animal), labelled by rdfs:label, skos:prefLabel or
# only by their IRI, eating or living somewhere.
animals_store() {
    cat >animals.ttl <<'TTL'
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
ex:Bird rdfs:subClassOf ex:Animal .
ex:Fish rdfs:subClassOf ex:Animal .
ex:robin a ex:Bird ; rdfs:label "Robin"@en ; ex:eats ex:worm ; ex:livesIn ex:garden .
ex:sparrow a ex:Bird ; skos:prefLabel "House sparrow" ; ex:eats ex:seed ; ex:livesIn ex:garden .
ex:blackbird a ex:Bird ; ex:eats ex:worm ; ex:livesIn ex:garden .
ex:trout a ex:Fish ; rdfs:label "Brown trout" ; ex:livesIn ex:river ; ex:eats ex:fly .
ex:salmon a ex:Fish ; ex:livesIn ex:river ; ex:livesIn ex:sea ; ex:eats ex:fly .
ex:carp a ex:Fish ; rdfs:label "Carp" ; ex:livesIn ex:river ; ex:eats ex:seed .
TTL
    "$NOUS" load animals.ttl >/dev/null 2>&1 || fail "animals.ttl did not load" || return 1
    "$NOUS" train --model complex --dim 16 --epochs 50 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
}

# `nous ARGS --format csv`, the CSV's CRLF line ends made LF for grep.
nous_csv() {
    nous "$@" --format csv
    rc=$?
    tr -d '\r' <out >out.lf && mv out.lf out
    return $rc
}

search_filters_by_label_class_and_pattern() {
    animals_store || return 1
    # rdfs:label, skos:prefLabel, and the IRI's local name
    nous_csv search --label '(?i)^robin$'
    expect_rc 0 || return 1
    expect_grep out '^1,http://example.org/robin,Robin$' || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 1 ] || fail "not 1 row: $(cat out)" || return 1
    nous_csv search --label 'House'
    expect_grep out '^1,http://example.org/sparrow,House sparrow$' || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 1 ] || fail "not 1 row: $(cat out)" || return 1
    nous_csv search --label '^blackbird$'
    expect_grep out '^1,http://example.org/blackbird,$' || return 1
    # a class: asserted members only, until the store is reasoned over
    nous_csv search --type '<http://example.org/Animal>'
    expect_rc 0 || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 0 ] || fail "Animal has members before reasoning: $(cat out)" || return 1
    "$NOUS" reason --profile rdfs >/dev/null 2>&1 || fail "reason failed" || return 1
    nous_csv search --type '<http://example.org/Animal>'
    [ "$(grep -c '^[0-9]' out)" -eq 6 ] || fail "not 6 animals: $(cat out)" || return 1
    # a SPARQL pattern over ?x, with the other filters
    nous_csv search --where '?x <http://example.org/eats> <http://example.org/worm>'
    [ "$(grep -c '^[0-9]' out)" -eq 2 ] || fail "not 2 worm eaters: $(cat out)" || return 1
    expect_grep out '/robin,' || return 1
    expect_grep out '/blackbird,' || return 1
    nous_csv search --where '?x <http://example.org/eats> <http://example.org/worm>' --label '(?i)^r'
    [ "$(grep -c '^[0-9]' out)" -eq 1 ] || fail "label and pattern: $(cat out)" || return 1
    nous_csv search --where '?x <http://example.org/eats> ?food' --type '<http://example.org/Fish>' -k 2
    [ "$(grep -c '^[0-9]' out)" -eq 2 ] || fail "-k 2: $(cat out)" || return 1
    expect_no_grep out '/(robin|sparrow|blackbird),' || return 1
}

# --near ranks the candidates exactly as `similar` ranks everything: the birds in the order
# `similar` gives them.
search_near_ranks_the_candidates_as_similar_does() {
    animals_store || return 1
    nous search --type '<http://example.org/Bird>' --near '<http://example.org/robin>' --format csv
    expect_rc 0 || return 1
    expect_grep out '^rank,entity,label,cosine' || return 1
    cut -d, -f2 out | tail -n +2 >near.txt
    nous similar '<http://example.org/robin>' -k 100 --format csv
    cut -d, -f2 out | grep -E '/(sparrow|blackbird)$' >similar.txt
    [ "$(wc -l <near.txt)" -eq 2 ] || fail "not the 2 other birds: $(cat near.txt)" || return 1
    cmp -s near.txt similar.txt || fail "search --near: $(cat near.txt); similar: $(cat similar.txt)" || return 1
    # the shell's output mode applies
    printf '.mode json\n.search --label Carp\n.mode csv\n.analogy <http://example.org/robin> <http://example.org/garden> <http://example.org/trout> -k 1\n' |
        "$NOUS" >out 2>err
    expect_grep out '"entity": \{"type": "uri", "value": "http://example.org/carp"\}' || return 1
    expect_grep out '^rank,entity,cosine' || return 1
}

search_errors_name_the_problem() {
    search_store || return 1
    nous similar kg:nobody
    expect_rc 1 || return 1
    expect_grep err 'kg:nobody is not in the store' || return 1
    nous similar kg:livesIn
    expect_rc 1 || return 1
    expect_grep err "kg:livesIn has no vector in embeddings 'complex'" || return 1
    nous similar kg:p0 --metric manhattan
    expect_rc 2 || return 1
    expect_grep err "--metric is cosine, dot or l2, not 'manhattan'" || return 1
    nous analogy kg:p0 kg:p1
    expect_rc 2 || return 1
    expect_grep err 'give 3 entities' || return 1
    nous similar kg:p0 -k 0
    expect_rc 2 || return 1
    nous similar kg:p0 --format yaml
    expect_rc 2 || return 1
    expect_grep err "unknown format 'yaml'" || return 1
    nous search
    expect_rc 2 || return 1
    expect_grep err 'give at least one of --label, --type, --where, --near' || return 1
    nous search kg:p0
    expect_rc 2 || return 1
    nous search --label 'a(b'
    expect_rc 1 || return 1
    expect_grep err 'invalid regular expression "a\(b": missing closing parenthesis at offset 3' || return 1
    nous search --where '?x kg:livesIn'
    expect_rc 1 || return 1
    expect_grep err '^--where:1:' || return 1
    nous search --near kg:nobody
    expect_rc 1 || return 1
    expect_grep err 'kg:nobody is not in the store' || return 1
    nous search --type kg:Nothing
    expect_rc 1 || return 1
    expect_grep err 'kg:Nothing is not in the store' || return 1
}

# Two classes of eight; the members of each like the same two things and nothing else: a space
# that learnt the graph puts each member's neighbours in its own class.
eval_search_measures_neighbours_of_the_same_class() {
    : >g.tsv
    for i in 0 1 2 3 4 5 6 7; do
        printf 'a%s\tlikes\th1\na%s\tlikes\th2\na%s\ttype\tClassA\n' "$i" "$i" "$i" >>g.tsv
        printf 'b%s\tlikes\th3\nb%s\tlikes\th4\nb%s\ttype\tClassB\n' "$i" "$i" "$i" >>g.tsv
    done
    "$NOUS" load --format tsv g.tsv >/dev/null 2>&1 || fail "g.tsv did not load" || return 1
    "$NOUS" train --model complex --dim 16 --epochs 100 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
    nous eval-search --relation kg:type -k 5
    expect_rc 0 || return 1
    expect_grep out '^embeddings +queries +precision@k +MAP@k +random$' || return 1
    # 16 queries; a random neighbour is of the same class 7 times in 15
    expect_grep out '^complex +16 +1\.0000 +1\.0000 +0\.4667$' || return 1
    nous eval-search --relation kg:type -k 5 --json
    expect_grep out '"sets": \[\{"name": "complex", "model": "complex", "queries": 16, "precision": 1\.000000' || return 1
    nous eval-search --relation kg:nothing
    expect_rc 1 || return 1
    expect_grep err 'kg:nothing is not in the store' || return 1
}

SEARCH_CASES="
    eval_search_measures_neighbours_of_the_same_class
    similar_and_analogy_list_k_entities_best_first
    similar_by_relation_ranks_by_the_model
    search_filters_by_label_class_and_pattern
    search_near_ranks_the_candidates_as_similar_does
    search_errors_name_the_problem
"
