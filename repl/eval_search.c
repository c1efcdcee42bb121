/* repl/eval_search.c: `nous eval-search [--relation P] [-k N] [--model NAME] [--metric M]
 * [--json]`: how well each stored embedding space serves search. For every entity with an
 * object by P (rdf:type by default, inferred types included) its k nearest entities are
 * found exactly (neural/knn.c) among the entities with an object, and counted relevant when
 * they share one: precision@k, MAP@k and the precision of a random neighbour, per set, as a
 * table or JSON. */
#include "repl/internal.h"

#include <stdlib.h>
#include <string.h>

/* (row, object) pairs: entity row `row` of the set has `object` by the relation. */
typedef struct {
    uint32_t row;
    KgTermId object;
} RowObject;

static int compare_row_object(const void *a, const void *b)
{
    const RowObject *x = a, *y = b;
    if (x->row != y->row) return x->row < y->row ? -1 : 1;
    return (x->object > y->object) - (x->object < y->object);
}

/* Whether rows a and b share an object: at[r] .. at[r+1] are r's pairs, objects ascending. */
static int share_object(const RowObject *pairs, const size_t *at, uint32_t a, uint32_t b)
{
    size_t i = at[a], j = at[b];
    while (i < at[a + 1] && j < at[b + 1]) {
        if (pairs[i].object == pairs[j].object) return 1;
        if (pairs[i].object < pairs[j].object) i++;
        else j++;
    }
    return 0;
}

typedef struct {
    size_t n_queries;
    double precision, map, random; /* random: the precision of a random neighbour */
} SearchQuality;

/* Precision@k and MAP@k of set e's neighbours for the entities having an object by
 * relation `rel` (asserted or inferred), relevant when they share one. */
static KgStatus measure_set(KgStore *store, const KgEmbedding *e, KgTermId rel, size_t k, NnMetric metric,
                            SearchQuality *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    size_t n = kg_embedding_n_entities(e), width = kg_embedding_info(e)->entity_width;
    RowObject *pairs = NULL;
    size_t n_pairs = 0, cap = 0, *at = kg_calloc(n + 2, sizeof *at);
    KgQuad pat = {KG_ANY, rel, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgStatus s = at ? kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, err)
                    : kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) {
        long row = repl_embedding_row(e, q.s);
        if (row < 0) continue;
        if (n_pairs == cap) {
            cap = cap ? 2 * cap : 1024;
            RowObject *grown = kg_realloc(pairs, cap * sizeof *grown);
            if (!grown) {
                s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
                break;
            }
            pairs = grown;
        }
        pairs[n_pairs++] = (RowObject){(uint32_t)row, q.o};
    }
    kg_iter_free(it);
    if (s == KG_DONE) s = KG_OK;
    uint32_t *queries = NULL, *ids = NULL;
    float *qv = NULL, *scores = NULL;
    size_t *found = NULL, n_q = 0;
    NnIndex *ix = NULL;
    if (s == KG_OK) {
        qsort(pairs, n_pairs, sizeof *pairs, compare_row_object);
        for (size_t i = 0; i < n_pairs; i++) at[pairs[i].row + 1]++;
        for (size_t r = 0; r < n; r++) at[r + 1] += at[r];
        queries = kg_malloc((n ? n : 1) * sizeof *queries);
        if (!queries) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        for (uint32_t r = 0; s == KG_OK && r < n; r++)
            if (at[r + 1] > at[r]) queries[n_q++] = r;
    }
    const float *all = NULL;
    if (s == KG_OK && n) kg_embedding_entity(e, 0, &all);
    if (s == KG_OK && n_q) {
        qv = kg_malloc(n_q * width * sizeof *qv);
        ids = kg_malloc(n_q * (k + 1) * sizeof *ids), scores = kg_malloc(n_q * (k + 1) * sizeof *scores);
        found = kg_malloc(n_q * sizeof *found);
        if (!qv || !ids || !scores || !found) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; s == KG_OK && i < n_q; i++) memcpy(qv + i * width, all + (size_t)queries[i] * width, width * sizeof *qv);
        /* the candidates are the entities that have an object too: an index over their rows */
        float *cand = s == KG_OK ? kg_malloc(n_q * width * sizeof *cand) : NULL;
        if (s == KG_OK && !cand) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        if (s == KG_OK) {
            memcpy(cand, qv, n_q * width * sizeof *cand);
            s = nn_index_new(cand, n_q, width, metric, &ix, err);
        }
        kg_free(cand);
        if (s == KG_OK) s = nn_index_search(ix, qv, n_q, k + 1, NULL, 0, ids, scores, found, err);
    }
    if (s == KG_OK && n_q > 1) {
        double sum_p = 0, sum_ap = 0, relevant_pairs = 0;
        for (size_t i = 0; i < n_q; i++) {
            size_t hits = 0, seen = 0, n_rel = 0;
            double ap = 0;
            for (size_t j = 0; j < n_q; j++)
                if (j != i && share_object(pairs, at, queries[i], queries[j])) n_rel++;
            relevant_pairs += (double)n_rel / (double)(n_q - 1);
            for (size_t r = 0; r < found[i] && seen < k; r++) {
                uint32_t c = ids[i * (k + 1) + r];
                if (c == i) continue; /* the query itself */
                seen++;
                if (share_object(pairs, at, queries[i], queries[c])) hits++, ap += (double)hits / (double)seen;
            }
            sum_p += (double)hits / (double)k;
            size_t denom = n_rel < k ? n_rel : k;
            sum_ap += denom ? ap / (double)denom : 0;
        }
        *out = (SearchQuality){n_q, sum_p / (double)n_q, sum_ap / (double)n_q, relevant_pairs / (double)n_q};
    }
    nn_index_free(ix);
    kg_free(pairs), kg_free(at), kg_free(queries), kg_free(ids), kg_free(qv), kg_free(scores), kg_free(found);
    return s;
}

typedef struct {
    char **names;
    size_t n;
} SetNames;

static KgStatus collect_set(void *ctx, const KgEmbeddingInfo *info)
{
    SetNames *l = ctx;
    char **grown = kg_realloc(l->names, (l->n + 1) * sizeof *grown);
    if (!grown) return KG_ERR_NOMEM;
    l->names = grown;
    l->names[l->n] = kg_malloc(strlen(info->name) + 1);
    if (!l->names[l->n]) return KG_ERR_NOMEM;
    strcpy(l->names[l->n++], info->name);
    return KG_OK;
}

/* `nous eval-search [--relation P] [-k N] [--model NAME] [--metric M] [--json]`: how well each
 * embedding set serves search: for every entity with an object by P (rdf:type by default,
 * inferred types included), are its k nearest entities (among those with an object) ones
 * sharing an object with it? Precision@k, MAP@k (average precision over the k, divided by
 * the relevant entities there could be, at most k), and the precision a random neighbour
 * would have, per set. */
int repl_cmd_eval_search(Repl *r, int argc, char **argv)
{
    size_t k = 10;
    const char *rel_word = "rdf:type", *only = NULL;
    NnMetric metric = NN_COSINE;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            int st = repl_parse_count(r, "eval-search", "-k", v, 10000, &k);
            if (st != REPL_OK) return st;
        } else if ((v = repl_opt_value(argc, argv, &i, "--relation"))) {
            rel_word = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            only = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--metric"))) {
            int st = repl_parse_metric(r, "eval-search", v, &metric);
            if (st != REPL_OK) return st;
        } else if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else {
            return repl_usage_error(r, "eval-search", "unexpected argument '%s'", argv[i]);
        }
    }
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    KgArena *arena = kg_arena_new(256);
    KgTermId rel = 0;
    SetNames sets = {0};
    KgStatus s = arena ? repl_term_id(store, rel_word, arena, &rel, &err) : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK && only) s = collect_set(&sets, &(KgEmbeddingInfo){.name = only}) == KG_OK ? KG_OK : KG_ERR_NOMEM;
    else if (s == KG_OK) s = kg_embedding_each(store, collect_set, &sets, &err);
    if (s == KG_ERR_NOMEM) kg_error_set(&err, s, "out of memory");
    if (s == KG_OK && !sets.n) s = kg_error_set(&err, KG_ERR_NOT_FOUND, "the store has no trained embeddings: run `nous train` first");
    if (s == KG_OK && !json) fprintf(r->out, "%-16s %8s %12s %10s %12s\n", "embeddings", "queries", "precision@k", "MAP@k", "random");
    if (s == KG_OK && json) fprintf(r->out, "{\"relation\": \"%s\", \"k\": %zu, \"metric\": \"%s\", \"sets\": [", rel_word, k, nn_metric_names()[metric]);
    for (size_t i = 0; i < sets.n && s == KG_OK; i++) {
        KgEmbedding *e = NULL;
        SearchQuality sq;
        s = kg_embedding_load(store, sets.names[i], &e, &err);
        if (s == KG_OK) s = measure_set(store, e, rel, k, metric, &sq, &err);
        if (s == KG_OK && json)
            fprintf(r->out, "%s{\"name\": \"%s\", \"model\": \"%s\", \"queries\": %zu, \"precision\": %.6f, \"map\": %.6f, \"random\": %.6f}",
                    i ? ", " : "", sets.names[i], kg_embedding_info(e)->model, sq.n_queries, sq.precision, sq.map, sq.random);
        else if (s == KG_OK)
            fprintf(r->out, "%-16s %8zu %12.4f %10.4f %12.4f\n", sets.names[i], sq.n_queries, sq.precision, sq.map, sq.random);
        kg_embedding_free(e);
    }
    if (s == KG_OK && json) fputs("]}\n", r->out);
    if (s != KG_OK) repl_error(r, &err);
    for (size_t i = 0; i < sets.n; i++) kg_free(sets.names[i]);
    kg_free(sets.names);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}
