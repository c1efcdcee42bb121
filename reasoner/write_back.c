/* reasoner/write_back.c: the end of a reasoning run: the facts the rules derived, and what
 * equality implies beyond them, written into the store as inferred triples, each with its
 * recorded derivation (kg_derivation_put), inside the run's transaction. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

/* A derived fact and its index, sorted by (s, p, o) for writing back. */
typedef struct {
    RsFact f;
    uint32_t i;
} Keyed;

static int cmp_keyed(const void *pa, const void *pb)
{
    const RsFact *a = &((const Keyed *)pa)->f, *b = &((const Keyed *)pb)->f;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->o != b->o) return a->o < b->o ? -1 : 1;
    return 0;
}

typedef struct {
    Engine *e;
    uint64_t n_written;
    uint64_t n_put; /* calls, for checking Ctrl-C now and then */
} Writer;

KgQuad rs_fact_quad(const Engine *e, uint32_t f)
{
    if (f < e->n_loaded) return e->graphs[f];
    const RsFact *x = &e->db.facts[f];
    return (KgQuad){x->s, x->p, x->o, KG_DEFAULT_GRAPH};
}

/* Writes q as inferred with its derivation; generalised triples (a literal subject, a
 * predicate that is not an IRI) take part in reasoning but are not RDF: they are skipped. */
static KgStatus put(void *ctx, const KgQuad *q, const char *rule, double conf, const KgQuad *prem,
                    size_t n_prem, KgError *err)
{
    Writer *w = ctx;
    KgStore *store = w->e->store;
    if ((++w->n_put & 0xfff) == 0 && kg_interrupted())
        return kg_error_set(err, KG_ERR_INTERRUPTED, "reasoning interrupted");
    int ks = rs_term_kind(w->e, q->s), kp = rs_term_kind(w->e, q->p);
    if (ks < 0 || kp < 0) return kg_error_set(err, KG_ERR_DB, "reading a derived triple's terms");
    if (ks == KG_TERM_LITERAL || kp != KG_TERM_IRI) return KG_OK;
    KgStatus s = kg_quad_add(store, q, KG_INFERRED, NULL, err);
    if (s != KG_OK) return s;
    w->n_written++;
    KgDerivation d = {rule, conf, prem, n_prem};
    return kg_derivation_put(store, q, &d, err);
}

KgStatus rs_write_back(Engine *e, uint64_t *n_written, KgError *err)
{
    KgStatus s = KG_OK;
    KgQuad prem[MAX_BODY]; /* a rule's premises, or a rewritten fact's (at most 4) */
    Writer w = {e, 0, 0};
    /* in key order, so that inserts land next to each other in the B-trees; and for many new
     * triples next to the store, with its secondary indexes rebuilt by sorting afterwards */
    size_t n_loaded = e->n_loaded, n_new = e->db.n - n_loaded;
    Keyed *order = kg_malloc((n_new ? n_new : 1) * sizeof *order);
    if (!order) return kg_error_set(err, KG_ERR_NOMEM, "out of memory writing the derived triples");
    for (size_t i = 0; i < n_new; i++) order[i] = (Keyed){e->db.facts[n_loaded + i], (uint32_t)(n_loaded + i)};
    qsort(order, n_new, sizeof *order, cmp_keyed);
    int bulk = n_new >= n_loaded / 4 && n_new > 10000;
    if (bulk) s = kg_store_bulk_begin(e->store, err);
    for (size_t j = 0; j < n_new && s == KG_OK; j++) {
        uint32_t i = order[j].i;
        KgQuad q = rs_fact_quad(e, i);
        size_t n;
        const char *rule;
        if (e->rule_of[i] == RS_REWRITTEN) {
            rs_eq_rewritten_derivation(e, i, prem, &n, &rule);
        } else {
            n = e->n_prem[i];
            for (size_t k = 0; k < n; k++) prem[k] = rs_fact_quad(e, e->prems[e->prem_start[i] + k]);
            rule = rs_rule_label(e->prog, e->rule_of[i] - 1);
        }
        s = put(&w, &q, rule, e->conf[i], prem, n, err);
    }
    if (s == KG_OK && e->eq) s = rs_eq_write(e, put, &w, err);
    if (bulk && s == KG_OK) s = kg_store_bulk_end(e->store, err);
    kg_free(order);
    *n_written = w.n_written;
    return s;
}
