/* kg/link_store.c: a store's asserted triples as a dataset, for `nous train`: every
 * triple whose object is not a literal (a link between two resources) over dense ids, the
 * entities and relations in ascending term id order; a seeded share of the triples is held
 * out as the validation split that stops training early (test is empty). */
#include "internal.h"
#include "linkpred.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

/* A map from term id to dense id (open addressing, key 0 empty). */
typedef struct {
    KgTermId *keys;
    uint32_t *vals;
    size_t cap, n;
} IdMap;

static KgStatus idmap_grow(IdMap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    KgTermId *k = kg_calloc(cap, sizeof *k);
    uint32_t *v = kg_malloc(cap * sizeof *v);
    if (!k || !v) {
        kg_free(k), kg_free(v);
        return KG_ERR_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = (size_t)(m->keys[i] * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);
            while (k[j]) j = (j + 1) & (cap - 1);
            k[j] = m->keys[i], v[j] = m->vals[i];
        }
    kg_free(m->keys), kg_free(m->vals);
    m->keys = k, m->vals = v, m->cap = cap;
    return KG_OK;
}

/* Adds t (if new) with the next dense id; 0 or KG_ERR_NOMEM. */
static KgStatus idmap_add(IdMap *m, KgTermId t)
{
    if (2 * (m->n + 1) > m->cap && idmap_grow(m) != KG_OK) return KG_ERR_NOMEM;
    size_t j = (size_t)(t * 0x9e3779b97f4a7c15ULL >> 20) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != t) j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) m->keys[j] = t, m->vals[j] = (uint32_t)m->n++;
    return KG_OK;
}

static uint32_t idmap_get(const IdMap *m, KgTermId t)
{
    size_t j = (size_t)(t * 0x9e3779b97f4a7c15ULL >> 20) & (m->cap - 1);
    while (m->keys[j] != t) j = (j + 1) & (m->cap - 1);
    return m->vals[j];
}

static int cmp_term(const void *a, const void *b)
{
    KgTermId x = *(const KgTermId *)a, y = *(const KgTermId *)b;
    return x < y ? -1 : x > y;
}

static int cmp_triple(const void *a, const void *b)
{
    const KgLinkTriple *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    if (x->r != y->r) return x->r < y->r ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The map's terms in ascending order, renumbered so; the sorted terms go to *terms. */
static KgStatus idmap_sort(IdMap *m, KgTermId **terms)
{
    *terms = kg_malloc((m->n ? m->n : 1) * sizeof **terms);
    if (!*terms) return KG_ERR_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) (*terms)[k++] = m->keys[i];
    qsort(*terms, m->n, sizeof **terms, cmp_term);
    for (size_t i = 0; i < m->n; i++) {
        size_t j = (size_t)((*terms)[i] * 0x9e3779b97f4a7c15ULL >> 20) & (m->cap - 1);
        while (m->keys[j] != (*terms)[i]) j = (j + 1) & (m->cap - 1);
        m->vals[j] = (uint32_t)i;
    }
    return KG_OK;
}

/* The kinds of terms, for telling literals apart (direct-mapped cache over kg_dict_get). */
static int is_literal(KgStore *store, KgTermId id, KgTermId *cache_id, signed char *cache_lit)
{
    size_t i = (size_t)(id * 0x9e3779b97f4a7c15ULL >> 48) & 4095;
    if (cache_id[i] == id) return cache_lit[i];
    KgTerm t;
    int lit = kg_dict_get(store, id, &t, NULL) == KG_OK && t.kind == KG_TERM_LITERAL;
    cache_id[i] = id, cache_lit[i] = (signed char)lit;
    return lit;
}

KgStatus kg_link_from_store(KgStore *store, double valid_share, uint64_t seed, KgLinkDataset **out, KgError *err)
{
    *out = NULL;
    KgLinkDataset *d = kg_calloc(1, sizeof *d);
    KgTermId *cache_id = kg_calloc(4096, sizeof *cache_id);
    signed char *cache_lit = kg_calloc(4096, 1);
    IdMap ents = {0}, rels = {0};
    KgQuad *triples = NULL;
    size_t n = 0, cap = 0;
    KgIter *it = NULL;
    KgStatus s = d && cache_id && cache_lit ? KG_OK : KG_ERR_NOMEM;
    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    if (s == KG_OK) s = kg_match_new(store, &pat, KG_ASSERTED, &it, err);
    while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) {
        if (is_literal(store, q.o, cache_id, cache_lit)) continue;
        if (n == cap) {
            size_t c = cap ? cap * 2 : 4096;
            KgQuad *nt = kg_realloc(triples, c * sizeof *nt);
            if (!nt) {
                s = KG_ERR_NOMEM;
                break;
            }
            triples = nt, cap = c;
        }
        triples[n++] = q;
        if (idmap_add(&ents, q.s) != KG_OK || idmap_add(&ents, q.o) != KG_OK || idmap_add(&rels, q.p) != KG_OK)
            s = KG_ERR_NOMEM;
    }
    kg_iter_free(it);
    if (s == KG_DONE) s = KG_OK;
    if (s == KG_OK && (idmap_sort(&ents, &d->entity_terms) != KG_OK || idmap_sort(&rels, &d->relation_terms) != KG_OK))
        s = KG_ERR_NOMEM;
    if (s == KG_OK) {
        d->n_entities = ents.n, d->n_relations = rels.n;
        /* the same triple in two graphs is one triple */
        KgLinkTriple *all = kg_malloc((n ? n : 1) * sizeof *all);
        if (!all) s = KG_ERR_NOMEM;
        for (size_t i = 0; s == KG_OK && i < n; i++)
            all[i] = (KgLinkTriple){idmap_get(&ents, triples[i].s), idmap_get(&rels, triples[i].p), idmap_get(&ents, triples[i].o)};
        if (s == KG_OK) {
            qsort(all, n, sizeof *all, cmp_triple);
            size_t k = 0;
            for (size_t i = 0; i < n; i++)
                if (!k || cmp_triple(&all[k - 1], &all[i]) != 0) all[k++] = all[i];
            n = k;
        }
        /* hold out a seeded share as validation: a Fisher-Yates shuffle, then a cut */
        KgRng g;
        kg_rng_seed(&g, seed);
        for (size_t i = n; s == KG_OK && i > 1; i--) {
            size_t j = kg_rng_below(&g, (uint32_t)i);
            KgLinkTriple x = all[i - 1];
            all[i - 1] = all[j], all[j] = x;
        }
        size_t n_valid = (size_t)((double)n * valid_share);
        if (s == KG_OK) {
            d->valid = kg_malloc((n_valid ? n_valid : 1) * sizeof *d->valid);
            d->train = kg_malloc((n - n_valid ? n - n_valid : 1) * sizeof *d->train);
            d->test = kg_malloc(sizeof *d->test);
            if (!d->valid || !d->train || !d->test) s = KG_ERR_NOMEM;
        }
        if (s == KG_OK) {
            memcpy(d->valid, all, n_valid * sizeof *all);
            memcpy(d->train, all + n_valid, (n - n_valid) * sizeof *all);
            d->n_valid = n_valid, d->n_train = n - n_valid, d->n_test = 0;
        }
        kg_free(all);
    }
    kg_free(ents.keys), kg_free(ents.vals), kg_free(rels.keys), kg_free(rels.vals);
    kg_free(triples), kg_free(cache_id), kg_free(cache_lit);
    if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory reading the store's triples");
    if (s != KG_OK) {
        kg_link_dataset_free(d);
        return s;
    }
    *out = d;
    return KG_OK;
}
