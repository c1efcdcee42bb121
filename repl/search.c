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

static int parse_search(Repl *r, const char *cmd, int argc, char **argv, size_t want_words, SearchArgs *a)
{
    *a = (SearchArgs){.k = 10, .metric = NN_COSINE};
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            char *end;
            unsigned long long x = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-' || x == 0 || x > 100000)
                return repl_usage_error(r, cmd, "-k takes a count from 1 to 100000, not '%s'", v);
            a->k = (size_t)x;
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            a->set = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--metric"))) {
            const char *const *names = nn_metric_names();
            size_t m = 0;
            while (names[m] && strcmp(names[m], v) != 0) m++;
            if (!names[m]) return repl_usage_error(r, cmd, "--metric is cosine, dot or l2, not '%s'", v);
            a->metric = (NnMetric)m;
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

/* Row i of the set for the entity written as `word`: its index among the set's entities. */
static KgStatus entity_row(KgStore *store, const KgEmbedding *e, const char *set, const char *word, KgArena *arena,
                           uint32_t *row, KgError *err)
{
    KgTerm t;
    KgTermId id = 0;
    KgStatus s = kg_term_parse(store, word, arena, &t, err);
    if (s == KG_OK) s = kg_dict_lookup(store, &t, &id, err);
    if (s == KG_ERR_NOT_FOUND) return kg_error_set(err, KG_ERR_NOT_FOUND, "%s is not in the store", word);
    if (s != KG_OK) return s;
    size_t lo = 0, hi = kg_embedding_n_entities(e);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (kg_embedding_entity(e, mid, NULL) < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo == kg_embedding_n_entities(e) || kg_embedding_entity(e, lo, NULL) != id)
        return kg_error_set(err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)", word, set);
    *row = (uint32_t)lo;
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
