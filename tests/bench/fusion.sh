#!/bin/sh
# tests/bench/fusion.sh: `make bench`, part six. Rules and embeddings fused,
# `nous kgc DIR --method fusion --time T --json`, on UMLS (T 10), Kinship (T 30) and WN18RR
# (T 60): one run mines rules and trains ComplEx (the defaults of --method rules and --method
# embed), fits the fusion on valid, and ranks the test split three times, by the embedding
# alone, by the rules alone and fused, so the gain is measured in the same run.
#   embed, rules, fusion   filtered test MRR; H@10 of the fusion
#   kind       the fusion's weights: shared by all relations, or per relation (picked on valid)
#   ECE        expected calibration error of the fused probability on the test answers
#              against as many corrupted ones (10 bins); the embedding's own calibrated
#              probability beside it
# WN18RR (ComplEx training takes tens of minutes) runs only when $BENCH_DATA/wn18rr is present
# and FUSION_WN18RR=1. POSIX sh. NOUS, BENCH_DATA may be set.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
DATA=${BENCH_DATA:-../shared/datasets}

if [ ! -x "$NOUS" ]; then
    echo "fusion.sh: $NOUS is not built (make nous)" >&2
    exit 1
fi

num() { sed -n "s/.*$2[^0-9-]*\([0-9.e-]*\).*/\1/p" "$1" | head -1; }

printf '%-8s %8s %8s %8s %8s %-13s %7s %7s %8s\n' dataset embed rules fusion H@10 kind ECE "ECE emb" seconds
for spec in umls:datasets/umls:10 kinship:datasets/kinship:30 wn18rr:"$DATA/wn18rr":60; do
    name=${spec%%:*}
    rest=${spec#*:}
    dir=${rest%:*}
    t=${rest##*:}
    if [ ! -f "$dir/train.txt" ]; then
        echo "$name: skipped ($dir is absent)"
        continue
    fi
    if [ "$name" = wn18rr ] && [ "${FUSION_WN18RR:-0}" != 1 ]; then
        echo "$name: skipped (set FUSION_WN18RR=1: ComplEx training takes tens of minutes)"
        continue
    fi
    out=$(mktemp)
    start=$(date +%s)
    if ! "$NOUS" kgc "$dir" --method fusion --time "$t" --json >"$out" 2>/dev/null; then
        echo "$name: kgc failed"
        rm -f "$out"
        continue
    fi
    end=$(date +%s)
    fused=$(sed -n 's/^{"mrr": \([0-9.]*\),.*/\1/p' "$out")
    h10=$(sed -n 's/^{"mrr": [0-9.]*, "hits1": [0-9.]*, "hits3": [0-9.]*, "hits10": \([0-9.]*\),.*/\1/p' "$out")
    embed=$(num "$out" '"embed": {"mrr"')
    rules=$(num "$out" '"rules": {"mrr"')
    kind=$(sed -n 's/.*"kind": "\([a-z-]*\)".*/\1/p' "$out")
    ece=$(num "$out" '"ece"')
    ece_e=$(num "$out" '"ece_embed"')
    printf '%-8s %8.4f %8.4f %8.4f %8.3f %-13s %7.4f %7.4f %8d\n' "$name" "$embed" "$rules" "$fused" "$h10" "$kind" \
        "$ece" "$ece_e" $((end - start))
    rm -f "$out"
done
