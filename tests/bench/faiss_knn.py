"""tests/bench/faiss_knn.py: the faiss side of `make bench`'s exact-search benchmark
(tests/bench/search.sh), run by Debian's /usr/bin/python3 with python3-faiss. It reads the
vectors, queries and nous's top-k ids that tests/bench/knn_bench.c wrote, builds faiss' exact
indexes on the same vectors (IndexFlatIP on L2-normalised vectors for cosine, IndexFlatL2),
times single queries (index.search on one row in a Python loop, about 5 us a call of its
figure) and the whole query set in one call, the best of --repeat runs each after one untimed
batch, and computes nous's recall@k against faiss' answer. Output, one line a figure:
    faiss dim=200 metric=cosine mode=batch queries=1000 seconds=S qps=Q
    recall dim=200 metric=cosine recall=R strict=S ties=T
recall: a nous id counts as found when faiss returned it too, or when its exact score
(float64, from the vectors) is at least faiss' k-th best exact score less a tolerance (1e-5
relative), since an exact tie at the k-th place lets either row in. strict is the plain set
overlap; ties, the nous ids admitted by the tolerance alone.
"""
import argparse
import os
import sys
import time

import numpy as np


def best_time(fn, repeat):
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        s = time.perf_counter() - t0
        best = s if best is None or s < best else best
    return best


def exact_scores(metric, xb, xq, ids):
    """Float64 similarity (higher is nearer) of each query to the rows ids[i]."""
    rows = xb[ids].astype(np.float64)  # nq x k x d
    q = xq.astype(np.float64)[:, None, :]
    if metric == "cosine":
        return (rows * q).sum(-1)
    return -((rows - q) ** 2).sum(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    a = ap.parse_args()

    import faiss

    faiss.omp_set_num_threads(a.threads)
    d, k = a.dim, a.k
    xb = np.fromfile(os.path.join(a.dir, "vectors.f32"), dtype=np.float32).reshape(-1, d)
    xq = np.fromfile(os.path.join(a.dir, "queries.f32"), dtype=np.float32).reshape(-1, d)
    nq = xq.shape[0]
    opts = faiss.get_compile_options().strip().replace(" ", ",") or "none"
    print(f"faiss version={faiss.__version__} build={opts} threads={faiss.omp_get_max_threads()} "
          f"n={xb.shape[0]} dim={d} queries={nq} repeat={a.repeat}", flush=True)

    for metric in ("cosine", "l2"):
        if metric == "cosine":
            xb_m, xq_m = xb.copy(), xq.copy()
            faiss.normalize_L2(xb_m)
            faiss.normalize_L2(xq_m)  # untimed; nous normalises its queries inside the search
            index = faiss.IndexFlatIP(d)
        else:
            xb_m, xq_m = xb, xq
            index = faiss.IndexFlatL2(d)
        index.add(xb_m)

        def single():
            for i in range(nq):
                index.search(xq_m[i:i + 1], k)

        def batch():
            return index.search(xq_m, k)

        batch()  # untimed warm-up (caches, OpenMP and OpenBLAS threads), as knn_bench does
        for mode, fn in (("single", single), ("batch", batch)):
            s = best_time(fn, a.repeat)
            print(f"faiss dim={d} metric={metric} mode={mode} queries={nq} seconds={s:.6f} "
                  f"qps={nq / s:.1f}", flush=True)

        _, ref = batch()
        mine = np.fromfile(os.path.join(a.dir, f"nous_{metric}.ids"), dtype=np.uint32)
        mine = mine.reshape(nq, k).astype(np.int64)
        ref_scores = exact_scores(metric, xb_m, xq_m, ref)
        kth = ref_scores.min(axis=1, keepdims=True)
        tol = 1e-5 * np.maximum(1.0, np.abs(kth))
        in_ref = np.array([np.isin(mine[i], ref[i]) for i in range(nq)])
        tied = exact_scores(metric, xb_m, xq_m, mine) >= kth - tol
        found = in_ref | tied
        print(f"recall dim={d} metric={metric} recall={found.mean():.4f} strict={in_ref.mean():.4f} "
              f"ties={int((found & ~in_ref).sum())}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
