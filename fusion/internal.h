/* fusion/internal.h: what the files of fusion/ share: the queries of held-out triples, asked
 * in batches by fitting, calibration and their measurement, and the corrupted answers drawn
 * against them (heldout.c), a top-k heap (topk.c) and the logistic function. No other folder
 * includes this. */
#ifndef NOUS_FU_INTERNAL_H
#define NOUS_FU_INTERNAL_H

#include "fu.h"
#include "kg/rng.h"

/* Queries first .. first + n of `triples` (2i is triple i's tail query (h, r, ?), 2i + 1 its
 * head query (t, r + n_relations, ?)) into anchor, rel and answer. */
void fu_heldout_queries(const KgLinkDataset *d, const KgLinkTriple *triples, size_t first, size_t n, uint32_t *anchor,
                        uint32_t *rel, uint32_t *answer);

/* An entity drawn with g that is not a known answer of (anchor, rel, ?), nor the anchor itself
 * when avoid_anchor (after 20 draws the last is taken). */
uint32_t fu_heldout_corrupt(KgRng *g, const KgLinkFilter *f, size_t n_entities, uint32_t anchor, uint32_t rel,
                            int avoid_anchor);

/* The best k of a score row as a min-heap of ids in heap[0 .. *h) (topk.c): push offers entity
 * e (kept when the heap has room or e beats its worst); pop removes and returns the worst. */
void fu_topk_push(const float *row, uint32_t e, size_t k, uint32_t *heap, size_t *h);
uint32_t fu_topk_pop(const float *row, uint32_t *heap, size_t *h);

/* 1 / (1 + exp(-z)), without overflow (calibrate.c). */
double fu_sigmoid(double z);

#endif
