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
    # picked on valid: the weight's correction and the longest paths applied
    expect_grep out '"unseen": [0-9]+, "max_length": [123],' || return 1
    # nothing picked: the defaults, or what is given
    nous kgc rk --method rules --time 0.5 --no-tune --json
    expect_rc 0 || return 1
    expect_grep out '"aggregation": "max", "unseen": 5, "max_length": 3,' || return 1
    nous kgc rk --method rules --time 0.5 --unseen 2 --aggregation noisy-or --max-length 2 --json
    expect_rc 0 || return 1
    expect_grep out '"aggregation": "noisy-or", "unseen": 2, "max_length": [12],' || return 1
    expect_grep kept.dl 'worksIn> , \?Y\]|worksIn>, \?Y\] :- \[\?X, <http://nous\.local/kg/livesIn>, \?Y\]' || return 1
    nous kgc rk --method rules --time 0.5 --aggregation noisy-or
    expect_rc 0 || return 1
    expect_grep out '^test \(filtered, 4 queries\): MRR [01]\.[0-9]+' || return 1
    nous kgc rk --method rules --aggregation mean
    expect_rc 2 || return 1
    expect_grep err -- '--aggregation is max or noisy-or' || return 1
}
# Two rules: where one lives (0.7), and c1 for anyone living anywhere (0.2).
predict_rules_file() {
    cat >w.dl <<'RULES'
0.7 :: [?X, kg:worksIn, ?Y] :- [?X, kg:livesIn, ?Y] .
0.2 :: [?X, kg:worksIn, kg:c1] :- [?X, kg:livesIn, ?A] .
RULES
}

predict_and_explain_by_rules() {
    rules_kg
    predict_rules_file
    "$NOUS" load rk/train.txt >/dev/null 2>&1 || fail "train.txt did not load"
    nous predict kg:p8 kg:worksIn '?' --rules w.dl -k 5
    expect_rc 0 || return 1
    expect_grep out '^1 +kg:c2 +0\.7000 +1$' || return 1
    expect_grep out '^ +because kg:p8 kg:livesIn kg:c2$' || return 1
    expect_grep out '^2 +kg:c1 +0\.2000 +1$' || return 1
    [ "$(grep -c '^[0-9]' out)" -eq 2 ] || fail "expected 2 candidates: $(cat out)"
    # subjects too, and known triples are marked
    nous predict '?' kg:worksIn kg:c0 --rules w.dl
    expect_rc 0 || return 1
    # four tie for the first place
    expect_grep out '^1 +kg:p0 +0\.7000 +1 +asserted$' || return 1
    expect_grep out '^1 +kg:p9 +0\.7000 +1$' || return 1
    [ "$(grep -c '^1 ' out)" -eq 4 ] || fail "expected 4 in the first place: $(cat out)"
    # the proof of a predicted triple, and of one no rule predicts
    nous explain kg:p8 kg:worksIn kg:c2 --rules w.dl
    expect_rc 0 || return 1
    expect_grep out '^kg:p8 kg:worksIn kg:c2   \[predicted by 1 rule of w\.dl, score 0\.7000, place 1 of 2 candidates\]$' || return 1
    expect_grep out '^  rule w\.dl:1: 0\.7 :: \[\?X, kg:worksIn, \?Y\] :- \[\?X, kg:livesIn, \?Y\] \.$' || return 1
    expect_grep out '^    kg:p8 kg:livesIn kg:c2   \[asserted\]$' || return 1
    nous explain kg:p8 kg:worksIn kg:c0 --rules w.dl
    expect_rc 1 || return 1
    expect_grep out 'no rule of w\.dl predicts it' || return 1
    # the same in the shell
    printf '.predict kg:p8 kg:worksIn ? --rules w.dl\n' | "$NOUS" >out 2>err
    expect_grep out '^1 +kg:c2 +0\.7000' || return 1
}

predict_by_rules_reports_bad_input() {
    rules_kg
    predict_rules_file
    "$NOUS" load rk/train.txt >/dev/null 2>&1
    nous predict kg:p8 kg:worksIn '?' --rules missing.dl
    expect_rc 1 || return 1
    expect_grep err 'missing\.dl' || return 1
    nous predict kg:nobody kg:worksIn '?' --rules w.dl
    expect_rc 1 || return 1
    expect_grep err 'kg:nobody is not in the store' || return 1
    printf '0.5 :: [?X, kg:worksIn, ?Y] :- [?X, kg:livesIn ?Y] .\n' >bad.dl
    nous predict kg:p8 kg:worksIn '?' --rules bad.dl
    expect_nonzero || return 1
    expect_grep err 'bad\.dl:1:[0-9]+' || return 1
    nous predict kg:p8 kg:worksIn '?' --rules w.dl --aggregation mean
    expect_rc 2 || return 1
}

MINE_CASES="
    mine_writes_rules_that_reason_reads
    mine_options_are_checked
    kgc_rules_ranks_by_the_mined_rules
    predict_and_explain_by_rules
    predict_by_rules_reports_bad_input
"
