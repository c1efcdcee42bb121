/* fusion/internal.h: what the files of fusion/ share: the queries of held-out triples, asked
 * in batches by fitting, calibration and their measurement, and the corrupted answers drawn
 * against them (heldout.c). No other folder includes this. */
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

#endif
