# tests/cli/embed.sh: the embedding commands, sourced by run.sh (which has the helpers and runs
# the cases listed in EMBED_CASES): `kgc` on a benchmark folder (text and JSON, the plot, bad
# folders and options), `train` on a store and `predict` from what it saved (a known triple
# among the top candidates, marked), in the CLI and in the shell, and `blas`.

# A small benchmark folder: people live in cities; each test triple is also a training
# triple, so a model that learns the graph ranks it first.
tiny_kg() {
    mkdir -p kg
    : >kg/train.txt
    for i in 0 1 2 3 4 5; do
        printf 'p%s\tlivesIn\tc%s\n' "$i" "$i" >>kg/train.txt
        printf 'p%s\tbornIn\tc%s\n' "$i" "$(( (i + 1) % 6 ))" >>kg/train.txt
    done
    head -n 4 kg/train.txt >kg/valid.txt
    tail -n 4 kg/train.txt >kg/test.txt
}

kgc_prints_the_filtered_metrics() {
    tiny_kg
    nous kgc kg --model complex --dim 16 --epochs 200 --batch 8 --threads 1
    expect_rc 0 || return 1
    expect_grep out '^kg: 12 entities, 2 relations; 12 train, 4 valid, 4 test triples$' || return 1
    expect_grep out '^test \(filtered, 8 queries\): MRR 1\.0000  Hits@1 1\.0000' || return 1
}

kgc_json_has_the_keys_and_the_plot_is_written() {
    tiny_kg
    nous kgc kg --model distmult --dim 16 --epochs 50 --batch 8 --threads 1 --json --plot p.svg
    expect_rc 0 || return 1
    for k in mrr hits1 hits3 hits10 train_seconds eval_seconds; do
        expect_grep out "\"$k\": [0-9]" || return 1
    done
    [ "$(wc -l <out)" -eq 1 ] || fail "--json should print one line: $(cat out)"
    expect_grep p.svg '</svg>' || return 1
}

kgc_is_reproducible_with_a_seed_on_one_thread() {
    tiny_kg
    "$NOUS" kgc kg --model rotate --dim 8 --epochs 5 --threads 1 --seed 3 --json >a 2>/dev/null
    "$NOUS" kgc kg --model rotate --dim 8 --epochs 5 --threads 1 --seed 3 --json >b 2>/dev/null
    # the timings differ; everything else must not
    sed 's/"[a-z_]*seconds": [0-9.]*//g; s/"sgemm_gflops": [0-9.]*//' a >a2
    sed 's/"[a-z_]*seconds": [0-9.]*//g; s/"sgemm_gflops": [0-9.]*//' b >b2
    cmp -s a2 b2 || fail "two runs with seed 3 differ: $(cat a) / $(cat b)"
}

kgc_errors_name_the_file_or_the_option() {
    tiny_kg
    printf 'p0\tlivesIn\n' >kg/valid.txt
    nous kgc kg --epochs 1
    expect_rc 1 || return 1
    expect_grep err 'valid\.txt:1:.*error' || return 1
    nous kgc nowhere
    expect_nonzero || return 1
    expect_grep err 'nowhere/train\.txt' || return 1
    nous kgc kg --model hole
    expect_rc 2 || return 1
    expect_grep err "unknown model 'hole' \(known: transe, distmult, complex, rotate\)" || return 1
    nous kgc kg --dim 0
    expect_rc 2 || return 1
    expect_grep err -- '--dim takes a positive integer' || return 1
    nous kgc kg --method guess
    expect_rc 2 || return 1
    expect_grep err "--method is embed, rules or fusion, not 'guess'" || return 1
}

train_then_predict_marks_known_triples() {
    tiny_kg
    "$NOUS" load kg/train.txt >/dev/null 2>&1 || fail "the folder's train.txt did not load"
    nous train --model complex --dim 16 --epochs 200 --batch 8 --threads 1 --valid-share 0
    expect_rc 0 || return 1
    expect_grep out "saved as embeddings 'complex'" || return 1
    nous predict kg:p2 kg:livesIn '?' -k 3
    expect_rc 0 || return 1
    expect_grep out '^1 +kg:c2 +[-0-9.]+  asserted$' || return 1
    nous predict '?' kg:bornIn kg:c0 -k 1
    expect_rc 0 || return 1
    expect_grep out '^1 +kg:p5 +[-0-9.]+  asserted$' || return 1
    # the same in the shell
    printf '.predict kg:p2 kg:livesIn ? -k 1\n' | "$NOUS" >out 2>err
    expect_grep out '^1 +kg:c2 ' || return 1
}

predict_errors_say_what_is_missing() {
    tiny_kg
    "$NOUS" load kg/train.txt >/dev/null 2>&1
    nous predict kg:p1 kg:livesIn '?'
    expect_rc 1 || return 1
    expect_grep err 'no trained embeddings: run `nous train` first' || return 1
    nous predict kg:p1 kg:livesIn kg:c1
    expect_rc 2 || return 1
    nous predict kg:nobody kg:livesIn '?'
    expect_nonzero || return 1
}

blas_names_the_kernel() {
    nous blas --size 64 --threads 1
    expect_rc 0 || return 1
    expect_grep out '^OpenBLAS [A-Za-z0-9]+ kernel, 1 threads: sgemm 64 x 64 x 64 at [0-9.]+ GFLOP/s$' || return 1
}

EMBED_CASES="
    kgc_prints_the_filtered_metrics
    kgc_json_has_the_keys_and_the_plot_is_written
    kgc_is_reproducible_with_a_seed_on_one_thread
    kgc_errors_name_the_file_or_the_option
    train_then_predict_marks_known_triples
    predict_errors_say_what_is_missing
    blas_names_the_kernel
"
