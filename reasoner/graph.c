/* reasoner/graph.c: the adjacency structure of graph.h, built in two counting passes (edges
 * per entity, then entities per label) and one sort per entity. */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

void rs_graph_free(RsGraph *g)
{
    if (!g) return;
    kg_free(g->off), kg_free(g->edge), kg_free(g->src_off), kg_free(g->src), kg_free(g->n_facts);
    memset(g, 0, sizeof *g);
}

KgStatus rs_graph_build(const KgLinkDataset *d, RsGraph *g, KgError *err)
{
    memset(g, 0, sizeof *g);
    size_t N = d->n_entities, R = d->n_relations, L = 2 * R;
    g->n_entities = N, g->n_relations = R;
    g->off = kg_calloc(N + 1, sizeof *g->off);
    g->edge = kg_malloc((2 * d->n_train + 1) * sizeof *g->edge);
    g->src_off = kg_calloc(L + 1, sizeof *g->src_off);
    g->n_facts = kg_calloc(R ? R : 1, sizeof *g->n_facts);
    uint32_t *fill = kg_calloc(N + 1, sizeof *fill);
    if (!g->off || !g->edge || !g->src_off || !g->n_facts || !fill) goto nomem;
    for (size_t i = 0; i < d->n_train; i++) g->off[d->train[i].h + 1]++, g->off[d->train[i].t + 1]++;
    for (size_t e = 0; e < N; e++) g->off[e + 1] += g->off[e];
    for (size_t i = 0; i < d->n_train; i++) {
        const KgLinkTriple *x = &d->train[i];
        g->edge[g->off[x->h] + fill[x->h]++] = (uint64_t)x->r << 32 | x->t;
        g->edge[g->off[x->t] + fill[x->t]++] = (uint64_t)(x->r + R) << 32 | x->h;
    }
    /* sort each entity's edges and drop repeated triples */
    size_t out = 0;
    for (size_t e = 0; e < N; e++) {
        size_t lo = g->off[e], hi = g->off[e + 1];
        qsort(g->edge + lo, hi - lo, sizeof *g->edge, cmp_u64);
        g->off[e] = (uint32_t)out;
        for (size_t i = lo; i < hi; i++)
            if (i == lo || g->edge[i] != g->edge[i - 1]) g->edge[out++] = g->edge[i];
    }
    g->off[N] = (uint32_t)out;
    for (size_t i = 0; i < out; i++)
        if (rs_graph_label(g, i) < R) g->n_facts[rs_graph_label(g, i)]++;
    /* entities per label: count, then fill */
    for (size_t e = 0; e < N; e++)
        for (size_t i = g->off[e]; i < g->off[e + 1]; i++)
            if (i == g->off[e] || rs_graph_label(g, i) != rs_graph_label(g, i - 1)) g->src_off[rs_graph_label(g, i) + 1]++;
    for (size_t l = 0; l < L; l++) g->src_off[l + 1] += g->src_off[l];
    g->src = kg_malloc((g->src_off[L] + 1) * sizeof *g->src);
    uint32_t *at = kg_calloc(L + 1, sizeof *at);
    if (!g->src || !at) {
        kg_free(at);
        goto nomem;
    }
    for (size_t e = 0; e < N; e++)
        for (size_t i = g->off[e]; i < g->off[e + 1]; i++)
            if (i == g->off[e] || rs_graph_label(g, i) != rs_graph_label(g, i - 1)) {
                uint32_t l = rs_graph_label(g, i);
                g->src[g->src_off[l] + at[l]++] = (uint32_t)e;
            }
    kg_free(at);
    kg_free(fill);
    return KG_OK;
nomem:
    kg_free(fill);
    rs_graph_free(g);
    return kg_error_set(err, KG_ERR_NOMEM, "out of memory building the graph of %zu triples", d->n_train);
}

/* The first edge of entity a at or after key (within a's edges). */
static size_t lower_bound(const RsGraph *g, uint32_t a, uint64_t key)
{
    size_t lo = g->off[a], hi = g->off[a + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->edge[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

void rs_graph_edges(const RsGraph *g, uint32_t a, uint32_t label, size_t *lo, size_t *hi)
{
    *lo = lower_bound(g, a, (uint64_t)label << 32);
    *hi = lower_bound(g, a, (uint64_t)(label + 1) << 32);
}

int rs_graph_has(const RsGraph *g, uint32_t a, uint32_t label, uint32_t b)
{
    uint64_t key = (uint64_t)label << 32 | b;
    size_t i = lower_bound(g, a, key);
    return i < g->off[a + 1] && g->edge[i] == key;
}
