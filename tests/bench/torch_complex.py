#!/usr/bin/python3
"""tests/bench/torch_complex.py: the PyTorch baseline of tests/bench/embed.sh.

Trains ComplEx 1-vs-all on DIR/train.txt the way `nous kgc --model complex` does, so that one
epoch of each can be timed against the other:
  * every triple (h, r, t) is also trained as its reciprocal (t, r + n_rel, h): 2 x n_train
    queries per epoch, shuffled once per epoch by a generator seeded with --seed;
  * entity and relation tables are nn.Embedding(sparse=False) of width 2 * dim (dim real
    parts, then dim imaginary parts), initialised to 1e-3 * N(0, 1);
  * a batch of B queries (anchor, rel) becomes one [B, 2*dim] real tensor
    q = (a_re*r_re - a_im*r_im, a_re*r_im + a_im*r_re), scored against every entity by one
    matmul q @ E.T ([B, N]); loss = softmax cross-entropy with the answers (batch mean)
    + reg * sum(|x|^3) / B over the anchor, relation and answer rows (N3, |x| the complex
    modulus of each component);
  * torch.optim.Adagrad(lr, eps=1e-10, initial_accumulator_value=0) over the whole tables.
Entity and relation ids are given in order of first appearance in train, valid, test.
Data loading and one warm-up batch are not timed; the E epochs are. Prints one JSON object:
{"epoch_seconds", "epochs", "queries", "threads", "torch", "blas", "loss"}.
"""
import argparse
import json
import os
import re
import sys
import time

import torch
import torch.nn.functional as F


def read_triples(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                out.append(parts)
    return out


def blas_info():
    """BLAS_INFO from torch.__config__.show(), and the BLAS library actually mapped (Debian's
    torch says "generic" and takes libblas.so.3, which update-alternatives points somewhere)."""
    info = "unknown"
    try:
        m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
        if m:
            info = m.group(1)
    except Exception:  # very old or stripped builds
        pass
    libs = []
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            for line in f:
                path = line.split()[-1]
                if "blas" in os.path.basename(path).lower() and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    if libs:
        info += " (" + " ".join(os.path.realpath(p) for p in libs) + ")"
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--dim", type=int, default=200)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--reg", type=float, default=0.0)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    ents, rels = {}, {}
    splits = {}
    for name in ("train", "valid", "test"):
        p = os.path.join(a.dir, name + ".txt")
        splits[name] = read_triples(p) if os.path.exists(p) else []
        for h, r, t in splits[name]:
            ents.setdefault(h, len(ents))
            rels.setdefault(r, len(rels))
            ents.setdefault(t, len(ents))
    n_ent, n_rel = len(ents), len(rels)
    train = torch.tensor([[ents[h], rels[r], ents[t]] for h, r, t in splits["train"]],
                         dtype=torch.long)
    if train.numel() == 0:
        sys.exit("torch_complex.py: no training triples in %s" % a.dir)
    # Queries (anchor, relation, answer): the triples, then their reciprocals.
    recip = torch.stack([train[:, 2], train[:, 1] + n_rel, train[:, 0]], dim=1)
    queries = torch.cat([train, recip], dim=0)
    n_q = queries.shape[0]

    d = a.dim
    ent = torch.nn.Embedding(n_ent, 2 * d, sparse=False)
    rel = torch.nn.Embedding(2 * n_rel, 2 * d, sparse=False)
    with torch.no_grad():
        ent.weight.normal_(0.0, 1.0).mul_(1e-3)
        rel.weight.normal_(0.0, 1.0).mul_(1e-3)
    opt = torch.optim.Adagrad(list(ent.parameters()) + list(rel.parameters()), lr=a.lr,
                              eps=1e-10, initial_accumulator_value=0.0)

    def step(batch):
        anchor, relation, answer = batch[:, 0], batch[:, 1], batch[:, 2]
        x = ent(anchor)
        r = rel(relation)
        y = ent(answer)
        x_re, x_im = x[:, :d], x[:, d:]
        r_re, r_im = r[:, :d], r[:, d:]
        q = torch.cat([x_re * r_re - x_im * r_im, x_re * r_im + x_im * r_re], dim=1)
        scores = q @ ent.weight.t()
        loss = F.cross_entropy(scores, answer)
        if a.reg > 0:
            n3 = 0.0
            for f in (x, r, y):
                mod = torch.sqrt(f[:, :d] ** 2 + f[:, d:] ** 2)
                n3 = n3 + torch.sum(mod ** 3)
            loss = loss + a.reg * n3 / batch.shape[0]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    gen = torch.Generator()
    gen.manual_seed(a.seed)
    step(queries[: a.batch])  # warm-up: allocations, thread pool, BLAS buffers

    last = float("nan")
    t0 = time.perf_counter()
    for _ in range(a.epochs):
        perm = queries[torch.randperm(n_q, generator=gen)]
        total, n_b = 0.0, 0
        for i in range(0, n_q, a.batch):
            total += step(perm[i:i + a.batch]).item()
            n_b += 1
        last = total / max(n_b, 1)
    secs = time.perf_counter() - t0

    print(json.dumps({
        "epoch_seconds": round(secs / a.epochs, 4),
        "epochs": a.epochs,
        "queries": n_q,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "blas": blas_info(),
        "loss": round(last, 4),
    }))


if __name__ == "__main__":
    main()
