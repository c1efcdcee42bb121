#!/bin/sh
# tests/bench/embed.sh: `make bench`, part four. Training speed of knowledge-graph embeddings,
# ComplEx trained 1-vs-all by `nous kgc`, next to the same epoch in PyTorch:
#   0. sgemm peak: `nous blas --size 2048 --threads $(nproc)`, OpenBLAS's sgemm on 2048^3 in
#      this run, the yardstick for the sgemm rate achieved while training.
#   1. `nous kgc DIR --model complex ... --json` on Kinship (dim 200, batch 100, lr 0.1,
#      reg 0.015, 2 epochs) and on WN18RR (dim 200, batch 256, lr 0.2, reg 0.1, $WN18RR_EPOCHS
#      epoch(s), default 1; an epoch there takes a minute or two), seed 1, $(nproc) threads,
#      validation only after the last epoch (--eval-every epochs + 1, --patience 0). Every
#      triple is also trained as its reciprocal (2 x n_train queries an epoch), softmax
#      cross-entropy over all entities, N3 on the query's rows, Adagrad. From nous's JSON:
#        s/epoch   train_seconds / epochs (training only, validation excluded)
#        sgemm %   sgemm_seconds / train_seconds (time inside sgemm while training)
#        GFLOP/s   sgemm_gflops, the rate sgemm achieved while training; "of peak" divides it
#                  by the peak of step 0
#        eval s    eval_seconds, the filtered ranking of the test split (both directions)
#        MRR       the test MRR after these few epochs, only to show the training did train
#   2. tests/bench/torch_complex.py (PyTorch, Debian's python3-torch run by /usr/bin/python3)
#      on the same files and settings: nn.Embedding tables (dense gradients), one matmul
#      q @ E.T per batch, F.cross_entropy + N3, torch.optim.Adagrad; it times its epochs after
#      loading the data and one warm-up batch. It gets torch.set_num_threads($(nproc)) and
#      OMP_NUM_THREADS=$(nproc), OPENBLAS_NUM_THREADS=$TORCH_BLAS_THREADS (default 1: one BLAS
#      thread under its own threads), OMP_WAIT_POLICY=PASSIVE unless set (GNU OpenMP's default
#      spinning made its epochs 30 to 60 times slower when another process held the cores);
#      OPENBLAS_CORETYPE passes through if set.
#      nous/torch = nous s/epoch / PyTorch s/epoch (below 1x nous is faster).
# python3-torch is installed as root or with sudo when missing; when it cannot be had, or with
# TORCH=0, the PyTorch columns say n/a. WN18RR is skipped when $BENCH_DATA/wn18rr is absent.
# One run each. POSIX sh. NOUS, BENCH_DATA, WN18RR_EPOCHS, TORCH (0: no PyTorch),
# TORCH_BLAS_THREADS, OMP_WAIT_POLICY may be set.
set -u
cd "$(dirname "$0")/../.." || exit 1

NOUS=${NOUS:-./nous}
DATA=${BENCH_DATA:-../shared/datasets}
WN18RR_EPOCHS=${WN18RR_EPOCHS:-1}
TORCH=${TORCH:-1}
TORCH_BLAS_THREADS=${TORCH_BLAS_THREADS:-1}
PY=/usr/bin/python3
THREADS=$(nproc 2>/dev/null || echo 1)
SEED=1

if [ ! -x "$NOUS" ]; then
    echo "embed.sh: $NOUS is not built (make nous)" >&2
    exit 1
fi

# ------------------------------------------------------------ the baseline's package

have_torch=0
torch_ok() { [ -x "$PY" ] && "$PY" -c 'import torch' >/dev/null 2>&1; }
if [ "$TORCH" != 0 ]; then
    if ! torch_ok; then
        echo "embed.sh: installing Debian package python3-torch" >&2
        SUDO=
        [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
                python3-torch >&2
    fi
    if torch_ok; then
        have_torch=1
    else
        echo "embed.sh: no python3-torch for $PY; no PyTorch figures" >&2
    fi
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-embed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

# ------------------------------------------------------------ helpers

# jget KEY FILE: the value of KEY in a one-line flat JSON object (quotes stripped).
jget() {
    sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" "$2" | head -n 1 | sed 's/ *$//'
}
div() { # div A B FORMAT
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf f, a / b }'
}
ratio() { div "$1" "$2" "%.2fx"; }

uname -a
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
    echo "nous at $rev"
fi
torch_v=n/a
[ "$have_torch" = 1 ] && torch_v=$(dpkg-query -W -f '${Version}' python3-torch 2>/dev/null || echo "?")
echo "$THREADS CPUs; python3-torch $torch_v; one run each; scratch files in $tmp"

# ------------------------------------------------------------ 0. sgemm peak

echo "== sgemm peak: nous blas --size 2048 --threads $THREADS" >&2
peak= peak_line=
if "$NOUS" blas --size 2048 --threads "$THREADS" >"$tmp/blas.out" 2>&1; then
    peak_line=$(grep -m 1 'GFLOP/s' "$tmp/blas.out")
    peak=$(printf '%s\n' "$peak_line" | sed -n 's/.* at \([0-9.]*\) GFLOP\/s.*/\1/p')
    echo "   $peak_line" >&2
else
    cat "$tmp/blas.out" >&2
    echo "   nous blas failed; no peak" >&2
fi

# ------------------------------------------------------------ 1, 2. ComplEx, nous and PyTorch

row='%-8s %6s %9s %7s %8s %7s %7s %6s | %9s %9s\n'
rows=$tmp/rows
: >"$rows"
notes=$tmp/notes
: >"$notes"

# bench NAME DIR DIM BATCH LR REG EPOCHS: nous and PyTorch on DIR; adds a row.
bench() {
    name=$1 dir=$2 dim=$3 batch=$4 lr=$5 reg=$6 epochs=$7
    if [ ! -f "$dir/train.txt" ] || [ ! -f "$dir/valid.txt" ] || [ ! -f "$dir/test.txt" ]; then
        echo "$name: skipped, $dir/{train,valid,test}.txt absent" >>"$rows"
        return
    fi
    n_train=$(wc -l <"$dir/train.txt" | tr -d ' ')
    echo "== $name ($n_train train triples): ComplEx dim $dim, batch $batch, lr $lr, reg $reg," \
        "$epochs epoch(s), $THREADS threads" >&2

    ep= sg= gf= ev= mrr= of_peak=
    if "$NOUS" kgc "$dir" --model complex --dim "$dim" --batch "$batch" --lr "$lr" --reg "$reg" \
        --epochs "$epochs" --eval-every $((epochs + 1)) --patience 0 --seed "$SEED" \
        --threads "$THREADS" --json >"$tmp/nous.json" 2>"$tmp/nous.err"; then
        sed 's/^/   /' "$tmp/nous.err" | tail -n 3 >&2
        for k in train_seconds sgemm_seconds sgemm_gflops eval_seconds mrr epochs blas_kernel threads; do
            [ -n "$(jget "$k" "$tmp/nous.json")" ] ||
                echo "$name: nous's JSON has no \"$k\"" | tee -a "$notes" >&2
        done
        train_s=$(jget train_seconds "$tmp/nous.json")
        ep_done=$(jget epochs "$tmp/nous.json")
        ep=$(div "$train_s" "${ep_done:-$epochs}" "%.3f")
        sg=$(awk -v a="$(jget sgemm_seconds "$tmp/nous.json")" -v b="$train_s" \
            'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.0f%%", 100 * a / b }')
        gf=$(jget sgemm_gflops "$tmp/nous.json")
        of_peak=$(awk -v a="$gf" -v b="$peak" \
            'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.0f%%", 100 * a / b }')
        ev=$(jget eval_seconds "$tmp/nous.json")
        mrr=$(div "$(jget mrr "$tmp/nous.json")" 1 "%.3f")
        echo "   nous: $(cat "$tmp/nous.json")" >&2
    else
        tail -n 5 "$tmp/nous.err" >&2
        echo "   nous kgc failed on $name" >&2
        echo "$name: nous kgc failed" >>"$notes"
    fi

    t_ep=
    if [ "$have_torch" = 1 ]; then
        if env OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$TORCH_BLAS_THREADS" \
            OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
            "$PY" tests/bench/torch_complex.py "$dir" --dim "$dim" --batch "$batch" --lr "$lr" \
            --reg "$reg" --epochs "$epochs" --seed "$SEED" --threads "$THREADS" \
            >"$tmp/torch.json" 2>"$tmp/torch.err"; then
            t_ep=$(div "$(jget epoch_seconds "$tmp/torch.json")" 1 "%.3f")
            echo "   torch: $(cat "$tmp/torch.json")" >&2
            torch_info="torch $(jget torch "$tmp/torch.json"), $(jget threads "$tmp/torch.json") threads, BLAS $(jget blas "$tmp/torch.json")"
        else
            tail -n 5 "$tmp/torch.err" >&2
            echo "   PyTorch failed on $name" >&2
            echo "$name: the PyTorch script failed" >>"$notes"
        fi
    fi
    printf "$row" "$name" "${ep_done:-$epochs}" "${ep:-n/a}" "${sg:-n/a}" "${gf:-n/a}" \
        "${of_peak:-n/a}" "${ev:-n/a}" "${mrr:-n/a}" "${t_ep:-n/a}" "$(ratio "$ep" "$t_ep")" >>"$rows"
}

torch_info=
bench Kinship datasets/kinship 200 100 0.1 0.015 2
bench WN18RR "$DATA/wn18rr" 200 256 0.2 0.1 "$WN18RR_EPOCHS"

echo
echo "ComplEx, 1-vs-all training, seconds by each program's own clock (one run each)"
if [ -n "$peak" ]; then
    echo "sgemm peak in this run: $peak_line"
else
    echo "sgemm peak in this run: n/a (nous blas failed)"
fi
printf "$row" dataset epochs "s/epoch" "sgemm %" "GFLOP/s" "of peak" "eval s" MRR "torch s/ep" "nous/torch"
cat "$rows"
echo "s/epoch: nous's train_seconds / epochs, 2 x n_train queries an epoch (validation excluded)."
echo "sgemm %: share of the training time spent in sgemm; GFLOP/s: sgemm's achieved rate while"
echo "training; of peak: that rate / the 2048^3 sgemm peak above. eval s: filtered ranking of the"
echo "test split; MRR: its test MRR after these epochs (a sanity check, not a result)."
echo "torch s/ep: tests/bench/torch_complex.py's epoch on the same settings (warm-up excluded);"
if [ "$have_torch" = 1 ]; then
    echo "${torch_info:-PyTorch: no figures}; OMP_NUM_THREADS=$THREADS, OPENBLAS_NUM_THREADS=$TORCH_BLAS_THREADS, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}${OPENBLAS_CORETYPE:+, OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE}."
elif [ "$TORCH" = 0 ]; then
    echo "PyTorch skipped (TORCH=0)."
else
    echo "PyTorch unavailable (python3-torch not installed for $PY)."
fi
echo "nous/torch: nous s/epoch / PyTorch s/epoch (below 1x nous is faster)."
echo "Kinship: dim 200, batch 100, lr 0.1, reg 0.015; WN18RR: dim 200, batch 256, lr 0.2, reg 0.1 (the defaults);"
echo "seed $SEED, $THREADS threads, N3 regularisation, Adagrad."
if [ -s "$notes" ]; then
    echo "notes:"
    sed 's/^/  /' "$notes"
fi
exit 0
