/* reasoner/graph.h: a link dataset's training triples as an adjacency structure for rule
 * mining and rule-based ranking (graph.c). Every triple (h, r, t) is an edge of h labelled r
 * and an edge of t labelled r + n_relations (r's inverse), so a path may walk a relation in
 * either direction. Each entity's edges are sorted by (label, other end): the edges of one
 * label are a range, and testing an edge is a binary search. */
#ifndef NOUS_RS_GRAPH_H
#define NOUS_RS_GRAPH_H

#include "kg/linkpred.h"

typedef struct {
    size_t n_entities, n_relations; /* labels run 0 .. 2 n_relations - 1 */
    uint32_t *off;                  /* n_entities + 1: entity e's edges are edge[off[e] .. off[e+1]) */
    uint64_t *edge;                 /* (label << 32) | other end, sorted per entity */
    uint32_t *src_off, *src;        /* per label: the entities with at least one edge of it */
    uint64_t *n_facts;              /* per relation (not label): its training triples */
} RsGraph;

KgStatus rs_graph_build(const KgLinkDataset *d, RsGraph *g, KgError *err);
void rs_graph_free(RsGraph *g);

static inline uint32_t rs_graph_inverse(const RsGraph *g, uint32_t label)
{
    return label < g->n_relations ? label + (uint32_t)g->n_relations : label - (uint32_t)g->n_relations;
}

/* The range [*lo, *hi) of entity a's edges labelled `label`. */
void rs_graph_edges(const RsGraph *g, uint32_t a, uint32_t label, size_t *lo, size_t *hi);
/* 1 when a has an edge labelled `label` to b. */
int rs_graph_has(const RsGraph *g, uint32_t a, uint32_t label, uint32_t b);

static inline uint32_t rs_graph_to(const RsGraph *g, size_t i) { return (uint32_t)g->edge[i]; }
static inline uint32_t rs_graph_label(const RsGraph *g, size_t i) { return (uint32_t)(g->edge[i] >> 32); }

#endif
