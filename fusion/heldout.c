/* fusion/heldout.c: held-out triples as queries, and corrupted answers. Fitting the fusion,
 * calibrating a source and measuring the calibration all walk the two queries of each
 * held-out triple in batches, and all draw false answers that the filter of the protocol does
 * not know to be true. */
#include "internal.h"

void fu_heldout_queries(const KgLinkDataset *d, const KgLinkTriple *triples, size_t first, size_t n, uint32_t *anchor,
                        uint32_t *rel, uint32_t *answer)
{
    for (size_t i = 0; i < n; i++) {
        const KgLinkTriple *t = &triples[(first + i) / 2];
        int head = (first + i) % 2;
        anchor[i] = head ? t->t : t->h;
        rel[i] = head ? t->r + (uint32_t)d->n_relations : t->r;
        answer[i] = head ? t->h : t->t;
    }
}

uint32_t fu_heldout_corrupt(KgRng *g, const KgLinkFilter *f, size_t n_entities, uint32_t anchor, uint32_t rel,
                            int avoid_anchor)
{
    uint32_t c = kg_rng_below(g, (uint32_t)n_entities);
    for (int tries = 0; tries < 20 && ((avoid_anchor && c == anchor) || kg_link_filter_has(f, anchor, rel, c)); tries++)
        c = kg_rng_below(g, (uint32_t)n_entities);
    return c;
}
