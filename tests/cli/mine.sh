# tests/cli/mine.sh: the rule-learning commands, sourced by run.sh (which has the helpers and
# runs the cases listed in MINE_CASES): `mine` writes a rule file that `reason --rules` reads
# back, with the rule that made the data among the best; `kgc --method rules` ranks by the
# mined rules (text and JSON, both aggregations); bad options are usage errors; the shell
# runs the same command.

# Ten people; each works in the city they live in, and two of them also in a second one; the
# test asks where the others work. worksIn(X, Y) :- livesIn(X, Y) holds for all ten.
rules_kg() {
    mkdir -p rk
    : >rk/train.txt
    for i in 0 1 2 3 4 5 6 7 8 9; do
        printf 'p%s\tlivesIn\tc%s\n' "$i" "$((i % 3))" >>rk/train.txt
        [ "$i" -lt 7 ] && printf 'p%s\tworksIn\tc%s\n' "$i" "$((i % 3))" >>rk/train.txt
    done
    printf 'p0\tworksIn\tc1\np1\tworksIn\tc2\n' >>rk/train.txt
    printf 'p7\tworksIn\tc1\n' >rk/valid.txt
    printf 'p8\tworksIn\tc2\np9\tworksIn\tc0\n' >rk/test.txt
}

mine_writes_rules_that_reason_reads() {
    rules_kg
    "$NOUS" load rk/train.txt >/dev/null 2>&1 || fail "train.txt did not load"
    nous mine --time 0.5 --seed 1 -o r.dl
    expect_rc 0 || return 1
    expect_grep out '^[0-9]+ rules \(of [0-9]+ seen, [0-9]+ samples, [0-9.]+ s\) written to r\.dl$' || return 1
    # the rule that made the data: 7 of its 10 groundings are training triples, all 7 of those
    # whose person works somewhere (PCA)
    expect_grep r.dl '^# support 7, body 10, head coverage 0\.7778, confidence 0\.7000, PCA confidence 1\.0000$' || return 1
    expect_grep r.dl '^0\.466667 :: \[\?X, kg:worksIn, \?Y\] :- \[\?X, kg:livesIn, \?Y\] \.$' || return 1
    nous reason --rules r.dl
    expect_rc 0 || return 1
    # the same in the shell
    printf '.mine --time 0.2 -o s.dl\n' | "$NOUS" >out 2>err
    expect_grep out 'written to s\.dl' || return 1
}

mine_options_are_checked() {
    rules_kg
    "$NOUS" load rk/train.txt >/dev/null 2>&1
    nous mine --time 1
    expect_rc 2 || return 1
    expect_grep err 'give the rule file to write: -o FILE\.dl' || return 1
    nous mine --max-length 4 -o r.dl
    expect_rc 2 || return 1
    expect_grep err -- '--max-length is 1, 2 or 3' || return 1
    nous mine --min-confidence 2 -o r.dl
    expect_rc 2 || return 1
    [ ! -e r.dl ] || fail "a refused command wrote r.dl"
    nous --db empty.db mine -o r.dl
    expect_rc 1 || return 1
    expect_grep err 'no links to learn from' || return 1
}

kgc_rules_ranks_by_the_mined_rules() {
    rules_kg
    nous kgc rk --method rules --time 0.5 --json -o kept.dl
    expect_rc 0 || return 1
    for k in mrr hits1 hits3 hits10 train_seconds eval_seconds; do
        expect_grep out "\"$k\": [0-9]" || return 1
    done
    expect_grep out '"mrr": 1\.000000' || return 1
    expect_grep kept.dl 'worksIn> , \?Y\]|worksIn>, \?Y\] :- \[\?X, <http://nous\.local/kg/livesIn>, \?Y\]' || return 1
    nous kgc rk --method rules --time 0.5 --aggregation noisy-or
    expect_rc 0 || return 1
    expect_grep out '^test \(filtered, 4 queries\): MRR [01]\.[0-9]+' || return 1
    nous kgc rk --method rules --aggregation mean
    expect_rc 2 || return 1
    expect_grep err -- '--aggregation is max or noisy-or' || return 1
}
MINE_CASES="
    mine_writes_rules_that_reason_reads
    mine_options_are_checked
    kgc_rules_ranks_by_the_mined_rules
"
