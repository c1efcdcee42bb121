#!/bin/sh
# tests/fusion/make_synthetic.sh: writes the synthetic benchmark of tests/fusion/synthetic/
# (train.txt, valid.txt, test.txt), whose truth comes partly from a rule and partly from a
# latent structure that only embeddings can learn:
#   - 300 people in 30 hidden groups of 10; in each group 5 know 3 of the other 5 each (no
#     path of one or two links leads from one to the others: no short rule states "same
#     group", while a model of the group structure finds them);
#   - `parent` gives each person one parent drawn from anyone, and `grandparent` holds exactly
#     when parent(X, Y), parent(Y, Z): a rule, which random parents make hard to embed.
# The triples are shuffled and split 80/10/10. The files in the repository are this script's
# output (awk's rand with the seed below); the test reads the files, not the script.
set -eu
out=${1:-$(dirname "$0")/synthetic}
mkdir -p "$out"
awk -v out="$out" 'BEGIN {
    srand(7); n = 300; groups = 30; size = n / groups
    for (i = 0; i < n; i++) {
        g = int(i / size)
        for (k = 0; i % size < size / 2 && k < 3; k++) {
            j = g * size + size / 2 + int(rand() * size / 2)
            t[++m] = "p" i "\tknows\tp" j
        }
        par[i] = int(rand() * n)
        if (par[i] == i) par[i] = (i + 1) % n
        t[++m] = "p" i "\tparent\tp" par[i]
    }
    for (i = 0; i < n; i++) t[++m] = "p" i "\tgrandparent\tp" par[par[i]]
    # unique, shuffled
    for (i = 1; i <= m; i++) if (!(t[i] in seen)) { seen[t[i]] = 1; u[++k2] = t[i] }
    for (i = k2; i > 1; i--) { j = 1 + int(rand() * i); x = u[i]; u[i] = u[j]; u[j] = x }
    for (i = 1; i <= k2; i++) {
        f = i <= k2 * 0.8 ? "train" : i <= k2 * 0.9 ? "valid" : "test"
        print u[i] > (out "/" f ".txt")
    }
}'
