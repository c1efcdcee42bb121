# tests/cli/fusion.sh: the fusion commands, sourced by run.sh (which has the helpers and runs
# the cases listed in FUSION_CASES): `kgc --method fusion` beats both of its parts, measured in
# the same run, on the synthetic benchmark of tests/fusion/synthetic (truth partly from a rule,
# partly from a latent group structure: see tests/fusion/make_synthetic.sh); on a store,
# `predict --fused` and `explain --fused` show the evidence and name the rule that fired;
# `reason --with-embeddings` adds fused triples that `explain` says came from fusion; bad
# options are usage errors; the shell runs the same commands.

SYNTH="$ROOT/tests/fusion/synthetic"

# The value of the first "KEY": NUMBER after the text AFTER in the JSON of ./out.
json_number() {
    sed -n "s/.*$1[^0-9]*\"mrr\": \([0-9.]*\).*/\1/p" out | head -1
}

kgc_fusion_beats_both_parts() {
    nous kgc "$SYNTH" --method fusion --time 2 --max-length 2 --no-constants --epochs 100 --seed 1 --threads 1 --json
    expect_rc 0 || return 1
    expect_grep out '"parts": \{"embed": \{"mrr": [0-9.]+, "hits1": [0-9.]+, "hits3": [0-9.]+, "hits10": [0-9.]+\}, "rules": \{"mrr"' || return 1
    expect_grep out '"ece": [0-9.]+' || return 1
    fused=$(sed -n 's/^{"mrr": \([0-9.]*\),.*/\1/p' out)
    embed=$(json_number '"embed": {')
    rules=$(json_number '"rules": {')
    [ -n "$fused" ] && [ -n "$embed" ] && [ -n "$rules" ] || fail "no MRR figures in $(cat out)" || return 1
    awk -v f="$fused" -v e="$embed" -v r="$rules" 'BEGIN { exit !(f > e && f > r) }' ||
        fail "fusion MRR $fused does not beat embed $embed and rules $rules" || return 1
    # the text form names the parts and the calibration
    nous kgc "$SYNTH" --method fusion --time 1 --max-length 2 --no-constants --epochs 20 --threads 1
    expect_rc 0 || return 1
    expect_grep out '^embed +MRR' || return 1
    expect_grep out '^rules +MRR' || return 1
    expect_grep out '^fusion +MRR' || return 1
    expect_grep out 'ECE [0-9.]+' || return 1
}

# A store of the synthetic train triples with embeddings and mined rules.
fused_store() {
    "$NOUS" load --format tsv "$SYNTH/train.txt" >/dev/null 2>&1 || fail "train.txt did not load" || return 1
    "$NOUS" train --model complex --epochs 60 --threads 1 --seed 1 >/dev/null 2>&1 || fail "train failed" || return 1
    "$NOUS" mine --time 1 --max-length 2 --no-constants -o r.dl >/dev/null 2>&1 || fail "mine failed" || return 1
}

fused_predict_and_explain_name_the_rule() {
    fused_store || return 1
    # someone whose grandparent the training triples imply by the rule grandparent :- parent,
    # parent but do not hold: x, their parent a, and a's parent y
    set -- $(awk -F'\t' '$2 == "parent" { p[$1] = $3 } $2 == "grandparent" { g[$1 SUBSEP $3] = 1 }
        END { for (x in p) if ((p[x] in p) && !((x SUBSEP p[p[x]]) in g)) { print x, p[x], p[p[x]]; exit } }' "$SYNTH/train.txt")
    x=$1 gp=$2 y=$3
    nous predict "kg:$x" kg:grandparent '?' --fused --rules r.dl -k 3
    expect_rc 0 || return 1
    expect_grep out '^rank +object +probability +known$' || return 1
    expect_grep out "embedding 'complex': score -?[0-9.]+.*calibrated probability [0-9.]+" || return 1
    expect_grep out 'rules: place 1, best weight' || return 1
    expect_grep out '\[\?X, kg:grandparent, \?Y\] :- \[\?X, kg:parent, \?A\], \[\?A, kg:parent, \?Y\]' || return 1
    expect_grep out "^1 +kg:$y " || return 1
    expect_grep out "because kg:$x kg:parent kg:$gp ; kg:$gp kg:parent kg:$y\$" || return 1
    nous explain --fused "kg:$x" kg:grandparent "kg:$y" --rules r.dl
    expect_rc 0 || return 1
    expect_grep out "^kg:$x kg:grandparent kg:$y +\[fused probability [0-9.]+\]" || return 1
    expect_grep out '^  rule r\.dl:[0-9]+: .*\[\?X, kg:grandparent, \?Y\] :- \[\?X, kg:parent, \?A\], \[\?A, kg:parent, \?Y\]' || return 1
    expect_grep out "^    kg:$x kg:parent kg:$gp +\[asserted\]" || return 1
    # the same in the shell
    printf '.predict kg:%s kg:grandparent ? --fused --rules r.dl -k 1\n' "$x" | "$NOUS" >out 2>err
    expect_grep out 'rules: place 1' || return 1
}

reason_with_embeddings_adds_explained_triples() {
    fused_store || return 1
    nous reason --with-embeddings --evidence r.dl --threshold 0.9 -k 2
    expect_rc 0 || return 1
    expect_grep out '^[1-9][0-9]* triples added by fusion \(probability >= 0\.9, the best 2 per query\)$' || return 1
    # one of them, as SPARQL sees it, and its proof
    "$NOUS" export --inferred >inferred.nt 2>/dev/null
    triple=$(grep -m1 'knows' inferred.nt | sed 's|<http://nous.local/kg/\([^>]*\)>|kg:\1|g; s/ \.$//')
    [ -n "$triple" ] || fail "no inferred knows triple in $(head -3 inferred.nt)" || return 1
    # shellcheck disable=SC2086
    nous explain $triple
    expect_rc 0 || return 1
    expect_grep out "\[fusion of embeddings 'complex' and r\.dl, confidence 0\.9[0-9]*|\[fusion of embeddings 'complex' and r\.dl, confidence 1\]" || return 1
}

fusion_options_are_checked() {
    nous predict kg:a kg:b '?' --fused
    expect_rc 2 || return 1
    expect_grep err 'needs the rules to fuse: --rules FILE\.dl' || return 1
    nous reason --profile rdfs --with-embeddings
    expect_rc 2 || return 1
    expect_grep err -- '--with-embeddings and --threshold P go together' || return 1
    nous reason --with-embeddings --threshold 1.5 --evidence x.dl
    expect_rc 2 || return 1
    nous reason --with-embeddings --threshold 0.5
    expect_rc 2 || return 1
    expect_grep err -- '--evidence FILE\.dl' || return 1
    nous kgc "$SYNTH" --method fusion --bogus
    expect_rc 2 || return 1
    expect_grep err "unknown option for --method fusion: '--bogus'" || return 1
    nous explain --fused kg:a kg:b kg:c
    expect_rc 2 || return 1
    # a store without embeddings says what to do
    printf 'a\tb\tc\n' >t.tsv
    "$NOUS" load --format tsv t.tsv >/dev/null 2>&1
    printf '[?X, kg:b, ?Y] :- [?Y, kg:b, ?X] .\n' >x.dl
    nous predict kg:a kg:b '?' --fused --rules x.dl
    expect_rc 1 || return 1
    expect_grep err 'no trained embeddings: run `nous train` first' || return 1
}

FUSION_CASES="
    kgc_fusion_beats_both_parts
    fused_predict_and_explain_name_the_rule
    reason_with_embeddings_adds_explained_triples
    fusion_options_are_checked
"
