# tests/cli/search.sh: semantic search, sourced by run.sh (which has the helpers and runs the
# cases listed in SEARCH_CASES): `similar` and `analogy` list k entities of the stored
# embedding space, never the ones asked about, best first, under each metric; bad input is
# an error naming it; the shell runs the same commands. That the search is exact is tested
# against a brute-force scan in tests/neural/test_knn.c.

search_store() {
    tiny_kg
    "$NOUS" load kg/train.txt >/dev/null 2>&1 || fail "train.txt did not load" || return 1
    "$NOUS" train --model complex --dim 16 --epochs 50 --batch 8 --threads 1 --valid-share 0 >/dev/null 2>&1 ||
        fail "train failed" || return 1
}

similar_and_analogy_list_k_entities_best_first() {
    search_store || return 1
    for metric in cosine dot l2; do
        nous similar kg:p0 -k 4 --metric "$metric"
        expect_rc 0 || return 1
        expect_grep out '^rank +entity +(cosine|dot|-distance)$' || return 1
        [ "$(grep -c '^[1-4] ' out)" -eq 4 ] || fail "not 4 rows: $(cat out)" || return 1
        expect_no_grep out ' kg:p0 ' || return 1
        # best first
        awk 'NR > 1 { if (NR > 2 && $3 > prev + 1e-9) exit 1; prev = $3 }' out || fail "not best first: $(cat out)" || return 1
    done
    nous analogy kg:p0 kg:c0 kg:p1 -k 3
    expect_rc 0 || return 1
    [ "$(grep -c '^[1-3] ' out)" -eq 3 ] || fail "not 3 rows: $(cat out)" || return 1
    expect_no_grep out ' kg:(p0|c0|p1) ' || return 1
    # k above the number of entities: all the others (12 entities, 1 asked about)
    nous similar kg:c3 -k 100
    expect_rc 0 || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 11 ] || fail "not 11 rows: $(cat out)" || return 1
    printf '.similar kg:p0 -k 2\n' | "$NOUS" >out 2>err
    expect_grep out '^2 +kg:' || return 1
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
    search_errors_name_the_problem
"
