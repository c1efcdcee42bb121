/* repl/search.c: semantic search in the stored embedding space, three commands printed as
 * result rows (rows.c), so that --format and the shell's .mode apply as to a query:
 * - `nous similar ENTITY [-k 10] [--model NAME] [--metric cosine|dot|l2]`: the k entities whose
 *   vectors are nearest to ENTITY's. With `--relation R [--inverse]` the relation-aware form:
 *   the entities X ranked by the model's own score of ENTITY R X (X R ENTITY), i.e. ENTITY's
 *   image under R (h + r for TransE, h rotated by r for RotatE, h * r for DistMult and ComplEx).
 * - `nous analogy A B C [-k 10] ...`: entities X with A : B :: C : X, by the vector offset
 *   B - A + C (3CosAdd of Mikolov et al. 2013 under cosine, whose vectors are normalised
 *   first), A, B and C themselves left out.
 * - `nous search [--label REGEX] [--type CLASS] [--where PATTERN] [--near ENTITY] [-k 10]`:
 *   candidates filtered by a PCRE2 pattern over their labels (rdfs:label, skos:prefLabel and
 *   the IRI's local name), by a class (inferred types too), by a SPARQL graph pattern over
 *   ?x, then ranked by similarity to --near (or in the store's order without it).
 * Vector search is exact (neural/knn.c: one sgemm, a partial top-k). */
#include "repl/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SKOS_PREF_LABEL "http://www.w3.org/2004/02/skos/core#prefLabel"

typedef struct {
    size_t k;
    const char *set, *format;
    NnMetric metric;
    int metric_given;
    const char *words[3];
    size_t n_words;
    const char *relation; /* similar --relation */
    int inverse;
    const char *label, *type, *where, *near; /* search */
} SearchArgs;

/* Which options a command takes beyond -k, --model, --metric and --format. */
enum { TAKES_RELATION = 1, TAKES_FILTERS = 2 };

int repl_parse_metric(Repl *r, const char *cmd, const char *v, NnMetric *out)
{
    const char *const *names = nn_metric_names();
    size_t m = 0;
    while (names[m] && strcmp(names[m], v) != 0) m++;
    if (!names[m]) return repl_usage_error(r, cmd, "--metric is cosine, dot or l2, not '%s'", v);
    *out = (NnMetric)m;
    return REPL_OK;
}

static int parse_search(Repl *r, const char *cmd, int argc, char **argv, size_t want_words, unsigned takes,
                        SearchArgs *a)
{
    *a = (SearchArgs){.k = 10, .metric = NN_COSINE};
    for (int i = 1; i < argc; i++) {
        const char *v;
        int st = REPL_OK;
        if ((v = repl_opt_value(argc, argv, &i, "-k"))) {
            st = repl_parse_count(r, cmd, "-k", v, 100000, &a->k);
        } else if ((v = repl_opt_value(argc, argv, &i, "--model"))) {
            a->set = v;
        } else if ((v = repl_opt_value(argc, argv, &i, "--metric"))) {
            st = repl_parse_metric(r, cmd, v, &a->metric);
            a->metric_given = 1;
        } else if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            st = repl_check_format(r, cmd, v);
            a->format = v;
        } else if ((takes & TAKES_RELATION) && (v = repl_opt_value(argc, argv, &i, "--relation"))) {
            a->relation = v;
        } else if ((takes & TAKES_RELATION) && strcmp(argv[i], "--inverse") == 0) {
            a->inverse = 1;
        } else if ((takes & TAKES_FILTERS) && (v = repl_opt_value(argc, argv, &i, "--label"))) {
            a->label = v;
        } else if ((takes & TAKES_FILTERS) && (v = repl_opt_value(argc, argv, &i, "--type"))) {
            a->type = v;
        } else if ((takes & TAKES_FILTERS) && (v = repl_opt_value(argc, argv, &i, "--where"))) {
            a->where = v;
        } else if ((takes & TAKES_FILTERS) && (v = repl_opt_value(argc, argv, &i, "--near"))) {
            a->near = v;
        } else if (repl_is_option(argv[i])) {
            return repl_usage_error(r, cmd, "unknown or incomplete option '%s'", argv[i]);
        } else if (a->n_words < want_words) {
            a->words[a->n_words++] = argv[i];
        } else if (want_words) {
            return repl_usage_error(r, cmd, "give %zu entit%s, not more", want_words, want_words == 1 ? "y" : "ies");
        } else {
            return repl_usage_error(r, cmd, "unexpected argument '%s' (the filters are options)", argv[i]);
        }
        if (st != REPL_OK) return st;
    }
    if (a->n_words != want_words)
        return repl_usage_error(r, cmd, "give %zu entit%s", want_words, want_words == 1 ? "y" : "ies");
    if (a->inverse && !a->relation) return repl_usage_error(r, cmd, "--inverse goes with --relation");
    if (a->relation && a->metric_given)
        return repl_usage_error(r, cmd, "--relation ranks by the model's own score: --metric does not apply");
    if ((takes & TAKES_FILTERS) && !a->label && !a->type && !a->where && !a->near)
        return repl_usage_error(r, cmd, "give at least one of --label, --type, --where, --near");
    return REPL_OK;
}

long repl_embedding_row(const KgEmbedding *e, KgTermId t)
{
    const float *v = kg_embedding_entity_vec(e, t), *first = NULL;
    if (!v) return -1;
    kg_embedding_entity(e, 0, &first);
    return (long)((v - first) / (ptrdiff_t)kg_embedding_info(e)->entity_width);
}

/* The row of the entity written as `word` in set e. */
static KgStatus entity_row(KgStore *store, const KgEmbedding *e, const char *word, KgArena *arena, uint32_t *row,
                           KgError *err)
{
    KgTermId id = 0;
    KgStatus s = repl_term_id(store, word, arena, &id, err);
    if (s != KG_OK) return s;
    long i = repl_embedding_row(e, id);
    if (i < 0)
        return kg_error_set(err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)", word,
                            kg_embedding_info(e)->name);
    *row = (uint32_t)i;
    return KG_OK;
}

/* The score column's name: higher is nearer for cosine and dot, lower for the distance. */
static const char *score_column(NnMetric m) { return m == NN_L2 ? "distance" : m == NN_DOT ? "dot" : "cosine"; }

/* The similarity the index reports, as printed: L2 reports -distance. */
static double shown_score(NnMetric m, float score) { return m == NN_L2 ? -(double)score : score; }

/* Adds a ranked row: rank, the entity, and, when labels is not NULL, its label, then score. */
typedef struct LabelIndex LabelIndex;
static KgStatus label_cell(ReplTable *t, KgStore *store, const LabelIndex *labels, KgTermId id, KgError *err);

static KgStatus add_ranked(ReplTable *t, KgStore *store, size_t rank, KgTermId id, const LabelIndex *labels,
                           double score, KgError *err)
{
    if (repl_table_row(t) != KG_OK || repl_table_integer(t, (long long)rank) != KG_OK)
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory building the results");
    KgStatus s = repl_table_term_id(t, store, id, err);
    if (s == KG_OK && labels) s = label_cell(t, store, labels, id, err);
    if (s == KG_OK && !isnan(score) && repl_table_decimal(t, score) != KG_OK)
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory building the results");
    return s;
}

/* ---------------------------------------------------------------- similar and analogy */

/* Writes the table (or prints the error) and frees it: the command's exit status. */
static int finish(Repl *r, const char *cmd, KgStore *store, ReplTable *t, const SearchArgs *a, KgStatus s,
                  KgError *err)
{
    int status;
    if (s == KG_OK) {
        ReplRows rows = repl_table_rows(t);
        status = repl_write_rows(r, cmd, store, &rows, a->format);
    } else {
        repl_error(r, err);
        status = repl_status_of(s);
    }
    repl_table_free(t);
    return status;
}

static int run_search(Repl *r, const char *cmd, const SearchArgs *a, int analogy)
{
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    char *set = NULL;
    KgEmbedding *e = NULL;
    NnIndex *ix = NULL;
    KgArena *arena = kg_arena_new(1024);
    const char *columns[] = {"rank", "entity", score_column(a->metric)};
    ReplTable *t = repl_table_new(columns, 3);
    uint32_t rows[3] = {0}, *ids = NULL;
    float *scores = NULL, *q = NULL;
    size_t found = 0;
    KgStatus s = arena && t ? repl_embedding_set(store, a->set, &set, &err) : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = kg_embedding_load(store, set, &e, &err);
    for (size_t w = 0; w < a->n_words && s == KG_OK; w++) s = entity_row(store, e, a->words[w], arena, &rows[w], &err);
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
    for (size_t i = 0; i < found && s == KG_OK; i++)
        s = add_ranked(t, store, i + 1, kg_embedding_entity(e, ids[i], NULL), NULL, shown_score(a->metric, scores[i]), &err);
    kg_free(ids), kg_free(scores), kg_free(q), kg_free(set);
    nn_index_free(ix);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return finish(r, cmd, store, t, a, s, &err);
}

/* An entity and the model's score of a triple with it. */
typedef struct {
    float score;
    uint32_t entity;
} Scored;

static int compare_scored(const void *x, const void *y)
{
    const Scored *a = x, *b = y;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    return (a->entity > b->entity) - (a->entity < b->entity);
}

/* `similar ENTITY --relation R [--inverse]`: every entity scored by the model as the object of
 * ENTITY R ? (the subject of ? R ENTITY), best first, and whether the store holds the triple.
 * The k best of n scores are picked by sorting them: one query, a few milliseconds at 41k. */
static int run_relation(Repl *r, const SearchArgs *a)
{
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    char *set = NULL;
    NnModel *model = NULL;
    KgEmbedding *e = NULL;
    KgArena *arena = kg_arena_new(512);
    const char *columns[] = {"rank", "entity", "score", "known"};
    ReplTable *t = repl_table_new(columns, 4);
    uint32_t anchor = 0, rel_row = 0;
    KgTermId rel = 0, anchor_id = 0;
    float *scores = NULL;
    Scored *order = NULL;
    KgStatus s = arena && t ? repl_embedding_set(store, a->set, &set, &err) : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) s = nn_model_load(store, set, &model, &e, &err);
    if (s == KG_OK) s = entity_row(store, e, a->words[0], arena, &anchor, &err);
    if (s == KG_OK) s = repl_term_id(store, a->relation, arena, &rel, &err);
    size_t n_rel = e ? kg_embedding_n_relations(e) : 0, n = e ? kg_embedding_n_entities(e) : 0;
    if (s == KG_OK) {
        size_t i = 0;
        while (i < n_rel && kg_embedding_relation(e, i, NULL, NULL) != rel) i++;
        if (i == n_rel)
            s = kg_error_set(&err, KG_ERR_NOT_FOUND, "%s has no vector in embeddings '%s' (it was not trained on)",
                             a->relation, set);
        rel_row = (uint32_t)(a->inverse ? n_rel + i : i);
        anchor_id = kg_embedding_entity(e, anchor, NULL);
    }
    if (s == KG_OK) {
        scores = kg_malloc(n * sizeof *scores), order = kg_malloc(n * sizeof *order);
        if (!scores || !order) s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    }
    if (s == KG_OK) s = nn_model_score(model, &anchor, &rel_row, 1, scores, &err);
    if (s == KG_OK) {
        for (size_t i = 0; i < n; i++) order[i] = (Scored){scores[i], (uint32_t)i};
        qsort(order, n, sizeof *order, compare_scored);
    }
    for (size_t i = 0; i < n && i < a->k && s == KG_OK; i++) {
        KgTermId x = kg_embedding_entity(e, order[i].entity, NULL);
        unsigned known = 0;
        KgQuad triple = a->inverse ? (KgQuad){x, rel, anchor_id, KG_ANY_GRAPH} : (KgQuad){anchor_id, rel, x, KG_ANY_GRAPH};
        s = kg_quad_marks(store, &triple, &known, &err);
        if (s == KG_OK) s = add_ranked(t, store, i + 1, x, NULL, order[i].score, &err);
        if (s == KG_OK && repl_table_boolean(t, known != 0) != KG_OK)
            s = kg_error_set(&err, KG_ERR_NOMEM, "out of memory building the results");
    }
    kg_free(scores), kg_free(order), kg_free(set);
    nn_model_free(model);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return finish(r, "similar", store, t, a, s, &err);
}

int repl_cmd_similar(Repl *r, int argc, char **argv)
{
    SearchArgs a;
    int st = parse_search(r, "similar", argc, argv, 1, TAKES_RELATION, &a);
    if (st != REPL_OK) return st;
    return a.relation ? run_relation(r, &a) : run_search(r, "similar", &a, 0);
}

int repl_cmd_analogy(Repl *r, int argc, char **argv)
{
    SearchArgs a;
    int st = parse_search(r, "analogy", argc, argv, 3, 0, &a);
    return st != REPL_OK ? st : run_search(r, "analogy", &a, 1);
}

/* ---------------------------------------------------------------- search: labels */

/* Every (subject, label) of rdfs:label and skos:prefLabel, by subject. */
typedef struct {
    KgTermId subject, label;
} Labelled;

struct LabelIndex {
    Labelled *pairs;
    size_t n;
};

static int compare_labelled(const void *x, const void *y)
{
    const Labelled *a = x, *b = y;
    if (a->subject != b->subject) return a->subject < b->subject ? -1 : 1;
    return (a->label > b->label) - (a->label < b->label);
}

static KgStatus label_index_build(KgStore *store, LabelIndex *li, KgError *err)
{
    static const char *const predicates[] = {KG_NS_RDFS "label", SKOS_PREF_LABEL};
    size_t cap = 0;
    KgStatus s = KG_OK;
    for (size_t p = 0; p < 2 && s == KG_OK; p++) {
        KgTermId pred;
        KgError absent = {0};
        if (kg_dict_lookup_iri(store, predicates[p], &pred, &absent) != KG_OK) continue; /* no such labels */
        KgIter *it = NULL;
        KgQuad q, pat = {KG_ANY, pred, KG_ANY, KG_ANY_GRAPH};
        s = kg_match_new(store, &pat, KG_ASSERTED | KG_INFERRED, &it, err);
        while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) {
            if (li->n == cap) {
                cap = cap ? 2 * cap : 256;
                Labelled *grown = kg_realloc(li->pairs, cap * sizeof *grown);
                if (!grown) {
                    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
                    break;
                }
                li->pairs = grown;
            }
            li->pairs[li->n++] = (Labelled){q.s, q.o};
        }
        kg_iter_free(it);
        if (s == KG_DONE) s = KG_OK;
    }
    if (s == KG_OK && li->n) qsort(li->pairs, li->n, sizeof *li->pairs, compare_labelled);
    return s;
}

/* The first of id's labels, *n of them, NULL when none. */
static const Labelled *labels_of(const LabelIndex *li, KgTermId id, size_t *n)
{
    size_t lo = 0, hi = li->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (li->pairs[mid].subject < id) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < li->n && li->pairs[end].subject == id) end++;
    *n = end - lo;
    return *n ? li->pairs + lo : NULL;
}

/* The label column: the entity's first literal label, unbound when it has none. */
static KgStatus label_cell(ReplTable *t, KgStore *store, const LabelIndex *labels, KgTermId id, KgError *err)
{
    size_t n = 0;
    const Labelled *l = labels_of(labels, id, &n);
    for (size_t i = 0; i < n; i++) {
        KgTerm term;
        KgStatus s = kg_dict_get(store, l[i].label, &term, err);
        if (s != KG_OK) return s;
        if (term.kind == KG_TERM_LITERAL) return repl_table_term_id(t, store, l[i].label, err);
    }
    return repl_table_skip(t) == KG_OK ? KG_OK : kg_error_set(err, KG_ERR_INTERNAL, "results table out of step");
}

/* The local name of an IRI: what follows its last '#', '/' or ':'. */
static const char *local_name(const char *iri, size_t len, size_t *out_len)
{
    size_t i = len;
    while (i > 0 && iri[i - 1] != '#' && iri[i - 1] != '/' && iri[i - 1] != ':') i--;
    *out_len = len - i;
    return iri + i;
}

/* Whether re matches one of id's labels or its IRI's local name. */
static KgStatus label_matches(KgStore *store, const LabelIndex *li, KgRegex *re, KgTermId id, int *yes, KgError *err)
{
    KgTerm term;
    KgStatus s = kg_dict_get(store, id, &term, err);
    *yes = 0;
    if (s == KG_OK && term.kind == KG_TERM_IRI) {
        size_t n;
        const char *name = local_name(term.lex, term.lex_len, &n);
        s = kg_regex_match(re, name, n, yes, err);
    }
    size_t n_labels = 0;
    const Labelled *l = labels_of(li, id, &n_labels);
    for (size_t i = 0; i < n_labels && s == KG_OK && !*yes; i++) {
        s = kg_dict_get(store, l[i].label, &term, err);
        if (s == KG_OK && term.kind == KG_TERM_LITERAL) s = kg_regex_match(re, term.lex, term.lex_len, yes, err);
    }
    return s;
}

/* ---------------------------------------------------------------- search: candidates */

/* A sorted set of term ids. */
typedef struct {
    KgTermId *ids;
    size_t n, cap;
} IdSet;

static KgStatus id_push(IdSet *set, KgTermId id, KgError *err)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? 2 * set->cap : 256;
        KgTermId *grown = kg_realloc(set->ids, cap * sizeof *grown);
        if (!grown) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        set->ids = grown, set->cap = cap;
    }
    set->ids[set->n++] = id;
    return KG_OK;
}

static int compare_id(const void *x, const void *y)
{
    KgTermId a = *(const KgTermId *)x, b = *(const KgTermId *)y;
    return (a > b) - (a < b);
}

/* Sorts and drops duplicates. */
static void id_settle(IdSet *set)
{
    if (!set->n) return;
    qsort(set->ids, set->n, sizeof *set->ids, compare_id);
    size_t w = 1;
    for (size_t i = 1; i < set->n; i++)
        if (set->ids[i] != set->ids[w - 1]) set->ids[w++] = set->ids[i];
    set->n = w;
}

/* Keeps in *a only what b holds too (both settled). */
static void id_intersect(IdSet *a, const IdSet *b)
{
    size_t w = 0, j = 0;
    for (size_t i = 0; i < a->n; i++) {
        while (j < b->n && b->ids[j] < a->ids[i]) j++;
        if (j < b->n && b->ids[j] == a->ids[i]) a->ids[w++] = a->ids[i];
    }
    a->n = w;
}

#define WHERE_HEAD "SELECT DISTINCT ?x WHERE { "

/* The ?x of the SPARQL graph pattern `where`. Error positions are the pattern's own. */
static KgStatus where_candidates(KgStore *store, const char *where, IdSet *out, KgError *err)
{
    KgBuf text = {0};
    KgQuery *q = NULL;
    KgStatus s = KG_OK;
    if (kg_buf_puts(&text, WHERE_HEAD) != KG_OK || kg_buf_puts(&text, where) != KG_OK || kg_buf_puts(&text, " }") != KG_OK)
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK) {
        s = kg_query_prepare(store, text.data, text.len, "--where", &q, err);
        if (s != KG_OK && err->line == 1 && err->col > sizeof WHERE_HEAD - 1) err->col -= sizeof WHERE_HEAD - 1;
    }
    while (s == KG_OK && (s = kg_query_next(q, err)) == KG_OK) {
        KgTerm term;
        KgTermId id;
        if (!kg_query_value(q, 0, &term)) continue;
        s = kg_dict_lookup(store, &term, &id, err);
        if (s == KG_ERR_NOT_FOUND) s = KG_OK; /* a value the query made up (BIND): not an entity */
        else if (s == KG_OK) s = id_push(out, id, err);
    }
    if (s == KG_DONE) s = KG_OK;
    kg_query_free(q);
    kg_buf_free(&text);
    id_settle(out);
    return s;
}

/* The subjects of `pattern` (or, with objects, its objects), asserted or inferred. */
static KgStatus match_candidates(KgStore *store, KgQuad pattern, int objects, IdSet *out, KgError *err)
{
    KgIter *it = NULL;
    KgQuad q;
    KgStatus s = kg_match_new(store, &pattern, KG_ASSERTED | KG_INFERRED, &it, err);
    while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) s = id_push(out, q.s, err);
    if (s == KG_DONE) s = KG_OK;
    kg_iter_free(it);
    if (s == KG_OK && objects) {
        it = NULL;
        s = kg_match_new(store, &pattern, KG_ASSERTED | KG_INFERRED, &it, err);
        while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) s = id_push(out, q.o, err);
        if (s == KG_DONE) s = KG_OK;
        kg_iter_free(it);
    }
    id_settle(out);
    return s;
}

/* Every IRI and blank node a triple names as subject or object. */
static KgStatus all_entities(KgStore *store, IdSet *out, KgError *err)
{
    KgStatus s = match_candidates(store, (KgQuad){KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, 1, out, err);
    size_t w = 0;
    for (size_t i = 0; i < out->n && s == KG_OK; i++) {
        KgTerm term;
        s = kg_dict_get(store, out->ids[i], &term, err);
        if (s == KG_OK && term.kind != KG_TERM_LITERAL) out->ids[w++] = out->ids[i];
    }
    out->n = w;
    return s;
}

/* The candidates of a search: the --where pattern's ?x, intersected with the members of
 * --type; with neither, every entity of the set (--near) or of the store. */
static KgStatus candidates(KgStore *store, const SearchArgs *a, const KgEmbedding *e, KgArena *arena, IdSet *out,
                           KgError *err)
{
    KgStatus s = KG_OK;
    int have = 0;
    if (a->where) {
        s = where_candidates(store, a->where, out, err);
        have = 1;
    }
    if (s == KG_OK && a->type) {
        KgTermId class_id = 0, type = 0;
        IdSet members = {0};
        s = repl_term_id(store, a->type, arena, &class_id, err);
        KgError absent = {0};
        if (s == KG_OK && kg_dict_lookup_iri(store, KG_RDF_TYPE, &type, &absent) == KG_OK)
            s = match_candidates(store, (KgQuad){KG_ANY, type, class_id, KG_ANY_GRAPH}, 0, &members, err);
        if (s == KG_OK && have) {
            id_intersect(out, &members);
            kg_free(members.ids);
        } else if (s == KG_OK) {
            kg_free(out->ids);
            *out = members;
        } else {
            kg_free(members.ids);
        }
        have = 1;
    }
    if (s == KG_OK && !have && e) {
        for (size_t i = 0; i < kg_embedding_n_entities(e) && s == KG_OK; i++)
            s = id_push(out, kg_embedding_entity(e, i, NULL), err);
    } else if (s == KG_OK && !have) {
        s = all_entities(store, out, err);
    }
    return s;
}

/* ---------------------------------------------------------------- search */

/* Ranks the candidates by similarity to --near's vector in set e, keeping the k best; those
 * without a vector (and the --near entity itself) are left out, and *n_unvectored counts them. */
static KgStatus rank_near(const SearchArgs *a, const KgEmbedding *e, uint32_t near_row, const IdSet *cand,
                          uint32_t **rows_out, float **scores_out, size_t *n_out, size_t *n_unvectored, KgError *err)
{
    size_t width = kg_embedding_info(e)->entity_width, n = 0;
    uint32_t *rows = kg_malloc((cand->n ? cand->n : 1) * sizeof *rows);
    if (!rows) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    *n_unvectored = 0;
    for (size_t i = 0; i < cand->n; i++) {
        long row = repl_embedding_row(e, cand->ids[i]);
        if (row < 0) ++*n_unvectored;
        else if ((uint32_t)row != near_row) rows[n++] = (uint32_t)row;
    }
    const float *all = NULL;
    kg_embedding_entity(e, 0, &all);
    float *vecs = kg_malloc((n ? n : 1) * width * sizeof *vecs);
    uint32_t *ids = kg_malloc(a->k * sizeof *ids);
    float *scores = kg_malloc(a->k * sizeof *scores);
    NnIndex *ix = NULL;
    size_t found = 0;
    KgStatus s = vecs && ids && scores ? KG_OK : kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n && s == KG_OK; i++) memcpy(vecs + i * width, all + (size_t)rows[i] * width, width * sizeof *vecs);
    if (s == KG_OK && n) s = nn_index_new(vecs, n, width, a->metric, &ix, err);
    if (s == KG_OK && n) s = nn_index_search(ix, all + (size_t)near_row * width, 1, a->k, NULL, 0, ids, scores, &found, err);
    for (size_t i = 0; i < found; i++) ids[i] = rows[ids[i]]; /* index position -> set row */
    nn_index_free(ix);
    kg_free(vecs), kg_free(rows);
    if (s != KG_OK) {
        kg_free(ids), kg_free(scores);
        return s;
    }
    *rows_out = ids, *scores_out = scores, *n_out = found;
    return KG_OK;
}

int repl_cmd_search(Repl *r, int argc, char **argv)
{
    SearchArgs a;
    int st = parse_search(r, "search", argc, argv, 0, TAKES_FILTERS, &a);
    if (st != REPL_OK) return st;
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgError err = {0};
    KgArena *arena = kg_arena_new(1024);
    char *set = NULL;
    KgEmbedding *e = NULL;
    KgRegex *re = NULL;
    LabelIndex labels = {0};
    IdSet cand = {0};
    uint32_t near_row = 0, *rows = NULL;
    float *scores = NULL;
    size_t n_ranked = 0, n_unvectored = 0;
    const char *columns[] = {"rank", "entity", "label", score_column(a.metric)};
    ReplTable *t = repl_table_new(columns, a.near ? 4 : 3);
    KgStatus s = arena && t ? KG_OK : kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
    if (s == KG_OK && a.label) s = kg_regex_new(a.label, strlen(a.label), NULL, &re, &err);
    if (s == KG_OK && a.near) s = repl_embedding_set(store, a.set, &set, &err);
    if (s == KG_OK && a.near) s = kg_embedding_load(store, set, &e, &err);
    if (s == KG_OK && a.near) s = entity_row(store, e, a.near, arena, &near_row, &err);
    if (s == KG_OK) s = label_index_build(store, &labels, &err);
    if (s == KG_OK) s = candidates(store, &a, e, arena, &cand, &err);
    if (s == KG_OK && re) { /* the label filter */
        size_t w = 0;
        for (size_t i = 0; i < cand.n && s == KG_OK; i++) {
            int yes = 0;
            s = label_matches(store, &labels, re, cand.ids[i], &yes, &err);
            if (yes) cand.ids[w++] = cand.ids[i];
        }
        cand.n = w;
    }
    if (s == KG_OK && a.near) {
        s = rank_near(&a, e, near_row, &cand, &rows, &scores, &n_ranked, &n_unvectored, &err);
        for (size_t i = 0; i < n_ranked && s == KG_OK; i++)
            s = add_ranked(t, store, i + 1, kg_embedding_entity(e, rows[i], NULL), &labels, shown_score(a.metric, scores[i]), &err);
    } else {
        for (size_t i = 0; i < cand.n && i < a.k && s == KG_OK; i++)
            s = add_ranked(t, store, i + 1, cand.ids[i], &labels, NAN, &err);
    }
    /* what the rows do not show, for a person at the terminal */
    if (s == KG_OK && r->err_is_tty && n_unvectored)
        fprintf(r->err, "search: %zu match%s without a vector in embeddings '%s' left out\n", n_unvectored,
                n_unvectored == 1 ? "" : "es", set);
    if (s == KG_OK && r->err_is_tty && !a.near && cand.n > a.k)
        fprintf(r->err, "search: %zu matches, the first %zu shown (-k N shows more)\n", cand.n, a.k);
    kg_free(rows), kg_free(scores), kg_free(set), kg_free(cand.ids), kg_free(labels.pairs);
    kg_regex_free(re);
    kg_embedding_free(e);
    kg_arena_free(arena);
    return finish(r, "search", store, t, &a, s, &err);
}
