/* repl/search.c: semantic search in the stored embedding space.
 * - `nous similar ENTITY [-k 10] [--model NAME] [--metric cosine|dot|l2]`: the k entities whose
 *   vectors are nearest to ENTITY's, with their similarity.
 * - `nous analogy A B C [-k 10] [--model NAME] [--metric ...]`: entities X with A : B :: C : X,
 *   by the vector offset B - A + C (3CosAdd of Mikolov et al. 2013 under cosine, whose
 *   vectors are normalised first), A, B and C themselves left out.
 * Both search exactly (neural/knn.c: one sgemm, a partial top-k). */
#include "repl/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t k;
    const char *set;
    NnMetric metric;
    const char *words[3];
    size_t n_words;
} SearchArgs;

static int parse_metric(Repl *r, const char *cmd, const char *v, NnMetric *out)
{
    const char *const *names = nn_metric_names();
    size_t m = 0;
    while (names[m] && strcmp(names[m], v) != 0) m++;
    if (!names[m]) return repl_usage_error(r, cmd, "--metric is cosine, dot or l2, not '%s'", v);
    *out = (NnMetric)m;
    return REPL_OK;
}

static int parse_search(Repl *r, const char *cmd, int argc, char **argv, size_t want_words, SearchArgs *a)
{
    *a = (SearchArgs){.k = 10, .metric = NN_COSINE};
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            int st = repl_parse_count(r, cmd, "-k", v, 100000, &a->k);
            if (st != REPL_OK) return st;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            a->set = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--metric"))) {
            int st = parse_metric(r, cmd, v, &a->metric);
            if (st != REPL_OK) return st;
        } else if (repl_is_option(argv[i])) {
            return repl_usage_error(r, cmd, "unknown option '%s'", argv[i]);
        } else if (a->n_words < want_words) {
            a->words[a->n_words++] = argv[i];
        } else {
            return repl_usage_error(r, cmd, "give %zu entit%s, not more", want_words, want_words == 1 ? "y" : "ies");
        }
    }
    if (a->n_words != want_words)
        return repl_usage_error(r, cmd, "give %zu entit%s", want_words, want_words == 1 ? "y" : "ies");
    return REPL_OK;
}

/* The row of entity term t in set e, -1 when it has none: the rows are one matrix, so the
 * vector kg finds (binary search) gives its row. */
static long row_of(const KgEmbedding *e, KgTermId t)
{
    const float *v = kg_embedding_entity_vec(e, t), *first = NULL;
    if (!v) return -1;
    kg_embedding_entity(e, 0, &first);
    return (long)((v - first) / (ptrdiff_t)kg_embedding_info(e)->entity_width);
}

/* Row i of the set for the entity written as `word`: its index among the set's entities. */
static KgStatus entity_row(KgStore *store, const KgEmbedding *e, const char *set, const char *word, KgArena *arena,
                           uint32_t *row, KgError *err)
{
    KgTermId id = 0;
    KgStatus s = repl_term_id(store, word, arena, &id, err);
    if (s != KG_OK) return s;
    long i = row_of(e, id);
    if (i < 0)
        return kg_error_set(err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)", word, set);
    *row = (uint32_t)i;
    return KG_OK;
}

/* Runs one search: the query is built by `make_query` from the rows of the words. */
static int run_search(Repl *r, const char *cmd, const SearchArgs *a, int analogy)
{
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    char *set = NULL;
    KgEmbedding *e = NULL;
    NnIndex *ix = NULL;
    KgArena *arena = kg_arena_new(1024);
    uint32_t rows[3] = {0}, *ids = NULL;
    float *scores = NULL, *q = NULL;
    size_t found = 0;
    KgStatus s = arena ? repl_embedding_set(store, a->set, &set, &err) : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = kg_embedding_load(store, set, &e, &err);
    for (size_t w = 0; w < a->n_words && s == KG_OK; w++) s = entity_row(store, e, set, a->words[w], arena, &rows[w], &err);
    size_t n = e ? kg_embedding_n_entities(e) : 0, width = e ? kg_embedding_info(e)->entity_width : 0;
    const float *all = NULL;
    if (s == KG_OK && n) kg_embedding_entity(e, 0, &all);
    if (s == KG_OK) s = nn_index_new(all, n, width, a->metric, &ix, &err);
    if (s == KG_OK) {
        ids = kg_malloc(a->k * sizeof *ids), scores = kg_malloc(a->k * sizeof *scores);
        q = kg_calloc(width ? width : 1, sizeof *q);
        if (!ids || !scores || !q) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) {
        if (analogy) {
            /* B - A + C, each normalised first under cosine */
            const int sign[3] = {-1, 1, 1};
            for (int w = 0; w < 3; w++) {
                const float *v = all + (size_t)rows[w] * width;
                double norm = 0;
                for (size_t j = 0; j < width; j++) norm += (double)v[j] * v[j];
                float scale = a->metric == NN_COSINE && norm > 0 ? (float)(1 / sqrt(norm)) : 1.0f;
                for (size_t j = 0; j < width; j++) q[j] += (float)sign[w] * scale * v[j];
            }
        } else {
            memcpy(q, all + (size_t)rows[0] * width, width * sizeof *q);
        }
        s = nn_index_search(ix, q, 1, a->k, rows, a->n_words, ids, scores, &found, &err);
    }
    if (s == KG_OK) {
        fprintf(r->out, "%-5s %-50s %10s\n", "rank", "entity", a->metric == NN_L2 ? "-distance" : a->metric == NN_DOT ? "dot" : "cosine");
        for (size_t i = 0; i < found; i++) {
            KgBuf b = {0};
            kg_term_write_id(store, kg_embedding_entity(e, ids[i], NULL), 1, &b, NULL);
            fprintf(r->out, "%-5zu %-50s %10.4f\n", i + 1, kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "", scores[i]);
            kg_buf_free(&b);
        }
    } else {
        repl_error(r, &err);
    }
    (void)cmd;
    kg_free(ids), kg_free(scores), kg_free(q), kg_free(set);
    nn_index_free(ix);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return s == KG_OK ? REPL_OK : repl_status_of(s);
}

int repl_cmd_similar(Repl *r, int argc, char **argv)
{
    SearchArgs a;
    int st = parse_search(r, "similar", argc, argv, 1, &a);
    return st != REPL_OK ? st : run_search(r, "similar", &a, 0);
}

int repl_cmd_analogy(Repl *r, int argc, char **argv)
{
    SearchArgs a;
    int st = parse_search(r, "analogy", argc, argv, 3, &a);
    return st != REPL_OK ? st : run_search(r, "analogy", &a, 1);
}

/* ---------------------------------------------------------------- eval-search */

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
        long row = row_of(e, q.s);
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
            int st = parse_metric(r, "eval-search", v, &metric);
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
