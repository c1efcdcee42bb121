#!/bin/sh
# tests/bench/search.sh: `make bench`, part seven. Exact nearest-neighbour search, nous's
# nn_index_search (neural/knn.c) against faiss' exact (flat) indexes, on the same vectors and
# queries, in the same run:
#   vectors    40943 (WN18RR's entity count) of dim 200 and of dim 500, drawn by
#              build/plain/knn_bench (seed 1) from a Gaussian mixture: 300 centres with
#              N(0, 1) coordinates, each vector a centre plus 0.5 N(0, 1) noise, so that a
#              query's top 10 lie in its cluster and are not near-ties. 1000 queries drawn from
#              the same mixture. knn_bench writes them as raw float32 files for faiss.
#   metric     cosine: nous NN_COSINE (normalises the vectors once, each query in the search);
#              faiss IndexFlatIP on L2-normalised vectors and queries (normalised untimed).
#              l2: nous NN_L2, faiss IndexFlatL2. k = 10.
#   mode       single: 1000 calls of one query each (nous: nn_index_search with one query;
#              faiss: index.search on one row in a Python loop, about 5 us a call of its
#              figure). batch: the 1000 queries in one call.
#   q/s        1000 / seconds, the best of $KNN_REPEAT runs (default 3) after one untimed
#              batch, by each program's own clock (CLOCK_MONOTONIC; time.perf_counter).
#              Index building is not timed.
#   nous/faiss nous q/s / faiss q/s, from this run (above 1x nous is faster).
#   recall@10  nous's top 10 (from its batch; knn_bench checks that single queries found the
#              same sets) against faiss' top 10, by tests/bench/faiss_knn.py: a nous id counts
#              when faiss returned it too, or when its exact (float64) score is at least
#              faiss' 10th best exact score less 1e-5 (relative), since an exact tie at the
#              10th place lets either row in. Exact search gives 1.0000.
# Threads: both get $THREADS (default nproc). nous: OpenBLAS threads (nn_blas_set_threads).
# faiss: faiss.omp_set_num_threads and OPENBLAS_NUM_THREADS (from 20 queries up, faiss' flat
# index is the same Debian OpenBLAS's sgemm, in blocks of 4096 queries x 1024 vectors, with
# the heaps updated in parallel; OPENBLAS_CORETYPE is set to the kernel nous runs, unless
# set), OMP_WAIT_POLICY=PASSIVE unless set (GNU OpenMP's spinning threads otherwise take the
# cores from OpenBLAS's: faiss' batches ran up to 2x slower). One faiss query is a scan on one
# thread by design (it parallelises over queries) and Debian builds faiss without AVX2
# (build=GENERIC in the log); one nous query is an sgemv on all threads.
# python3-faiss (for Debian's /usr/bin/python3, not a pyenv python3) is installed as root or
# with sudo when missing; when it cannot be had, or with FAISS=0, the faiss columns say n/a.
# POSIX sh. KNN_BENCH, THREADS, KNN_DIMS (default "200 500"), KNN_REPEAT, FAISS,
# OMP_WAIT_POLICY, OPENBLAS_CORETYPE may be set.
set -u
cd "$(dirname "$0")/../.." || exit 1

KNN_BENCH=${KNN_BENCH:-build/plain/knn_bench}
THREADS=${THREADS:-$(nproc 2>/dev/null || echo 1)}
DIMS=${KNN_DIMS:-200 500}
REPEAT=${KNN_REPEAT:-3}
FAISS=${FAISS:-1}
PY=/usr/bin/python3

if [ ! -x "$KNN_BENCH" ]; then
    echo "search.sh: $KNN_BENCH is not built (make build/plain/knn_bench)" >&2
    exit 1
fi

# ------------------------------------------------------------ the baseline's package

have_faiss=0
faiss_ok() { [ -x "$PY" ] && "$PY" -c 'import faiss, numpy' >/dev/null 2>&1; }
if [ "$FAISS" != 0 ]; then
    if ! faiss_ok; then
        echo "search.sh: installing Debian package python3-faiss" >&2
        SUDO=
        [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
                python3-faiss python3-numpy >&2
    fi
    if faiss_ok; then
        have_faiss=1
    else
        echo "search.sh: no python3-faiss for $PY; no faiss figures" >&2
    fi
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nous-search.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'rm -rf "$tmp"; exit 130' INT TERM

# ------------------------------------------------------------ helpers

# field FILE PREFIX KEY: KEY's value on the first line of FILE that starts with PREFIX.
field() {
    grep "^$2" "$1" 2>/dev/null | head -n 1 | sed -n "s/.* $3=\([^ ]*\).*/\1/p"
}
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "n/a"; else printf "%.2fx", a / b }'
}

uname -a
if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && rev="$rev + uncommitted changes"
    echo "nous at $rev"
fi
faiss_v=n/a
[ "$have_faiss" = 1 ] && faiss_v=$(dpkg-query -W -f '${Version}' python3-faiss 2>/dev/null || echo "?")
echo "$THREADS threads each; python3-faiss $faiss_v; best of $REPEAT runs; scratch files in $tmp"

# ------------------------------------------------------------ nous and faiss, per dimension

row='%5s %-7s %-11s %11s %11s %11s %10s\n'
rows=$tmp/rows
: >"$rows"
notes=$tmp/notes
: >"$notes"
kernel=

for dim in $DIMS; do
    out=$tmp/d$dim
    mkdir -p "$out"
    echo "== dim $dim: nous ($KNN_BENCH)" >&2
    if ! "$KNN_BENCH" --dim "$dim" --out "$out" --repeat "$REPEAT" --threads "$THREADS" \
        >"$out/nous.txt" 2>"$out/nous.err"; then
        cat "$out/nous.err" >&2
        echo "dim $dim: knn_bench failed" >>"$notes"
        continue
    fi
    sed 's/^/   /' "$out/nous.txt" >&2
    kernel=$(field "$out/nous.txt" "nous kernel=" kernel)

    if [ "$have_faiss" = 1 ]; then
        echo "== dim $dim: faiss (tests/bench/faiss_knn.py)" >&2
        if env OPENBLAS_NUM_THREADS="$THREADS" OMP_NUM_THREADS="$THREADS" \
            OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" \
            OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-$kernel}" \
            "$PY" tests/bench/faiss_knn.py "$out" --dim "$dim" --repeat "$REPEAT" \
            --threads "$THREADS" >"$out/faiss.txt" 2>"$out/faiss.err"; then
            sed 's/^/   /' "$out/faiss.txt" >&2
            faiss_info=$(sed -n 's/^faiss \(version=[^ ]* build=[^ ]* threads=[^ ]*\).*/\1/p' "$out/faiss.txt")
        else
            tail -n 5 "$out/faiss.err" >&2
            echo "dim $dim: the faiss script failed" >>"$notes"
        fi
    fi

    for metric in cosine l2; do
        differ=$(field "$out/nous.txt" "nous dim=$dim metric=$metric single_vs_batch_differ" single_vs_batch_differ)
        [ "${differ:-0}" != 0 ] &&
            echo "dim $dim $metric: $differ of 1000 single queries found other ids than the batch" >>"$notes"
        recall=$(field "$out/faiss.txt" "recall dim=$dim metric=$metric " recall)
        strict=$(field "$out/faiss.txt" "recall dim=$dim metric=$metric " strict)
        ties=$(field "$out/faiss.txt" "recall dim=$dim metric=$metric " ties)
        [ -n "$ties" ] && [ "$ties" != 0 ] &&
            echo "dim $dim $metric: $ties nous ids tied with faiss' 10th (strict set overlap $strict)" >>"$notes"
        for mode in single batch; do
            mode_name=$mode
            [ "$mode" = batch ] && mode_name="batch 1000"
            nq=$(field "$out/nous.txt" "nous dim=$dim metric=$metric mode=$mode " qps)
            fq=$(field "$out/faiss.txt" "faiss dim=$dim metric=$metric mode=$mode " qps)
            printf "$row" "$dim" "$metric" "$mode_name" "${nq:-n/a}" "${fq:-n/a}" "$(ratio "$nq" "$fq")" \
                "${recall:-n/a}" >>"$rows"
        done
    done
done

echo
echo "Exact k-NN search, k = 10, 40943 vectors, 1000 queries; queries/s, best of $REPEAT (higher is faster)"
printf "$row" dim metric mode "nous q/s" "faiss q/s" "nous/faiss" "recall@10"
cat "$rows"
echo "nous: nn_index_search, OpenBLAS ${kernel:-?} kernel, $THREADS threads. single: one query a call;"
echo "batch 1000: all queries in one call. recall@10: nous's ids against faiss' (exact ties at the"
echo "10th place count as found). nous/faiss above 1x: nous is faster."
if [ "$have_faiss" = 1 ]; then
    echo "faiss: IndexFlatIP (normalised vectors) and IndexFlatL2, ${faiss_info:-no figures};"
    echo "OPENBLAS_NUM_THREADS=$THREADS, OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-$kernel};"
    echo "single queries from a Python loop (about 5 us a call)."
elif [ "$FAISS" = 0 ]; then
    echo "faiss skipped (FAISS=0)."
else
    echo "faiss unavailable (python3-faiss not installed for $PY)."
fi
if [ -s "$notes" ]; then
    echo "notes:"
    sed 's/^/  /' "$notes"
fi
exit 0
