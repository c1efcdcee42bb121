/* tests/conformance/conformance.c: the W3C N-Triples, Turtle and RDF/XML syntax suites, driven
 * by their manifests (`conformance DIR [KNOWN]`). A positive test must load, a negative one
 * must fail with a syntax error and leave the store empty, an evaluation test must give a
 * graph isomorphic to its expected N-Triples. Failures listed in KNOWN (by default
 * tests/conformance/known-failures.txt) are printed but do not fail the run. */
#include "kg/kg.h"
#include "tests/manifest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MF "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
#define PATH_CAP 4096
#define REASON_CAP 600
#define MAX_LIST_LEN 100000       /* an mf:entries list longer than this is a cycle */
#define MAX_SEARCH_STEPS 10000000 /* isomorphism backtracking gives up after this */

static const struct {
    const char *dir;
    KgFormat format;
} suites[] = {
    {"ntriples", KG_FMT_NTRIPLES},
    {"turtle", KG_FMT_TURTLE},
    {"rdfxml", KG_FMT_RDFXML},
};
#define N_SUITES (sizeof suites / sizeof suites[0])

/* ---------------------------------------------------------------- terms by content */

/* A term copied out of a store. Blank nodes keep their label and the graph they came from,
 * so that the blank nodes of the two graphs being compared never meet. */
typedef struct {
    KgTermKind kind;
    int graph;
    char *lex;
    size_t lex_len;
    char *datatype;
    char *lang;
    uint64_t hash;
} Term;

/* Terms of both graphs, each stored once: equal content gives an equal index. */
typedef struct {
    Term *terms;
    size_t n_terms, cap_terms;
    size_t *slots; /* open addressing: term index + 1, 0 for an empty slot */
    size_t n_slots;
} TermTable;

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static uint64_t mix(uint64_t h)
{
    // splitmix64's finaliser: spreads the bits so sums of hashes stay distinct.
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

static uint64_t term_hash(const KgTerm *t, int graph)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    unsigned char tag[2] = {(unsigned char)t->kind, (unsigned char)graph};
    h = hash_bytes(h, tag, sizeof tag);
    h = hash_bytes(h, t->lex, t->lex_len);
    // The 1/2 markers keep "no datatype" apart from an empty one.
    if (t->datatype) h = hash_bytes(hash_bytes(h, "\1", 1), t->datatype, strlen(t->datatype));
    if (t->lang) h = hash_bytes(hash_bytes(h, "\2", 1), t->lang, strlen(t->lang));
    return mix(h);
}

static bool opt_str_equal(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool term_equal(const Term *a, const KgTerm *b, int graph)
{
    return a->kind == b->kind && (a->kind != KG_TERM_BLANK || a->graph == graph) &&
           a->lex_len == b->lex_len && memcmp(a->lex, b->lex, b->lex_len) == 0 &&
           opt_str_equal(a->datatype, b->datatype) && opt_str_equal(a->lang, b->lang);
}

static void term_table_free(TermTable *tt)
{
    for (size_t i = 0; i < tt->n_terms; i++) {
        kg_free(tt->terms[i].lex);
        kg_free(tt->terms[i].datatype);
        kg_free(tt->terms[i].lang);
    }
    kg_free(tt->terms);
    kg_free(tt->slots);
    memset(tt, 0, sizeof *tt);
}

static KgStatus grow_slots(TermTable *tt)
{
    size_t n_slots = tt->n_slots ? tt->n_slots * 2 : 256;
    size_t *slots = kg_calloc(n_slots, sizeof *slots);
    if (!slots) return KG_ERR_NOMEM;
    for (size_t i = 0; i < tt->n_terms; i++) {
        size_t j = (size_t)(tt->terms[i].hash & (n_slots - 1));
        while (slots[j]) j = (j + 1) & (n_slots - 1);
        slots[j] = i + 1;
    }
    kg_free(tt->slots);
    tt->slots = slots;
    tt->n_slots = n_slots;
    return KG_OK;
}

/* Finds or adds `t` (blank nodes within `graph`); *out is its index. */
static KgStatus term_table_intern(TermTable *tt, const KgTerm *t, int graph, size_t *out)
{
    if (t->kind != KG_TERM_BLANK) graph = 0;
    if (2 * (tt->n_terms + 1) > tt->n_slots && grow_slots(tt) != KG_OK) return KG_ERR_NOMEM;
    uint64_t h = term_hash(t, graph);
    size_t j = (size_t)(h & (tt->n_slots - 1));
    for (; tt->slots[j]; j = (j + 1) & (tt->n_slots - 1)) {
        const Term *old = &tt->terms[tt->slots[j] - 1];
        if (old->hash == h && term_equal(old, t, graph)) {
            *out = tt->slots[j] - 1;
            return KG_OK;
        }
    }
    if (tt->n_terms == tt->cap_terms) {
        size_t cap = tt->cap_terms ? tt->cap_terms * 2 : 64;
        Term *terms = kg_realloc(tt->terms, cap * sizeof *terms);
        if (!terms) return KG_ERR_NOMEM;
        tt->terms = terms;
        tt->cap_terms = cap;
    }
    Term *n = &tt->terms[tt->n_terms];
    memset(n, 0, sizeof *n);
    n->kind = t->kind;
    n->graph = graph;
    n->lex_len = t->lex_len;
    n->hash = h;
    n->lex = kg_malloc(t->lex_len + 1);
    if (n->lex) {
        memcpy(n->lex, t->lex, t->lex_len);
        n->lex[t->lex_len] = '\0';
    }
    if (t->datatype) n->datatype = kg_strdup(t->datatype);
    if (t->lang) n->lang = kg_strdup(t->lang);
    if (!n->lex || (t->datatype && !n->datatype) || (t->lang && !n->lang)) {
        kg_free(n->lex);
        kg_free(n->datatype);
        kg_free(n->lang);
        return KG_ERR_NOMEM;
    }
    tt->slots[j] = ++tt->n_terms;
    *out = tt->n_terms - 1;
    return KG_OK;
}

/* Appends term `i` in N-Triples form, for messages. */
static void term_table_write(const TermTable *tt, size_t i, KgBuf *buf)
{
    const Term *t = &tt->terms[i];
    KgTerm k = {t->kind, t->lex, t->lex_len, t->datatype, t->lang};
    kg_term_write_nt(&k, buf);
}

/* ---------------------------------------------------------------- graphs and isomorphism */

typedef struct {
    size_t t[3]; /* subject, predicate, object: indices into the TermTable */
} Triple;

typedef struct {
    Triple *triples; /* sorted, distinct */
    size_t n_triples;
    size_t *blanks; /* the blank nodes of this graph (TermTable indices) */
    size_t n_blanks;
} Graph;

static void graph_free(Graph *g)
{
    kg_free(g->triples);
    kg_free(g->blanks);
    memset(g, 0, sizeof *g);
}

static int triple_cmp(const void *a, const void *b)
{
    const Triple *x = a, *y = b;
    for (int k = 0; k < 3; k++)
        if (x->t[k] != y->t[k]) return x->t[k] < y->t[k] ? -1 : 1;
    return 0;
}

static bool graph_has(const Graph *g, const Triple *t)
{
    return g->n_triples && bsearch(t, g->triples, g->n_triples, sizeof *t, triple_cmp);
}

static bool is_blank(const TermTable *tt, size_t i)
{
    return tt->terms[i].kind == KG_TERM_BLANK;
}

static bool triple_is_ground(const TermTable *tt, const Triple *t)
{
    return !is_blank(tt, t->t[0]) && !is_blank(tt, t->t[1]) && !is_blank(tt, t->t[2]);
}

/* Copies every quad of `store` (all graphs flattened, as the suites have triples only) into
 * `g`, its terms into `tt` with blank nodes tagged by `graph_no`. */
static KgStatus graph_read(KgStore *store, TermTable *tt, int graph_no, Graph *g, KgError *err)
{
    KgQuad pattern = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    size_t cap = 0;
    KgStatus s = kg_match_new(store, &pattern, KG_ASSERTED | KG_INFERRED, &it, err);
    while (s == KG_OK && (s = kg_iter_next(it, &q, NULL, err)) == KG_OK) {
        if (g->n_triples == cap) {
            cap = cap ? cap * 2 : 64;
            Triple *t = kg_realloc(g->triples, cap * sizeof *t);
            if (!t) {
                s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a graph");
                break;
            }
            g->triples = t;
        }
        KgTermId ids[3] = {q.s, q.p, q.o};
        Triple *t = &g->triples[g->n_triples];
        for (int k = 0; k < 3 && s == KG_OK; k++) {
            KgTerm term;
            s = kg_dict_get(store, ids[k], &term, err);
            if (s == KG_OK && term_table_intern(tt, &term, graph_no, &t->t[k]) != KG_OK)
                s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a graph");
        }
        if (s == KG_OK) g->n_triples++;
    }
    kg_iter_free(it);
    if (s != KG_DONE) return s;
    // Named graphs flattened may repeat a triple: keep each once.
    if (g->n_triples) qsort(g->triples, g->n_triples, sizeof *g->triples, triple_cmp);
    size_t n = 0;
    for (size_t i = 0; i < g->n_triples; i++)
        if (n == 0 || triple_cmp(&g->triples[n - 1], &g->triples[i]) != 0)
            g->triples[n++] = g->triples[i];
    g->n_triples = n;
    // Its blank nodes, each once: mark them in a scratch array over the whole table.
    bool *seen = kg_calloc(tt->n_terms + 1, sizeof *seen);
    g->blanks = kg_malloc((3 * n + 1) * sizeof *g->blanks);
    if (!seen || !g->blanks) {
        kg_free(seen);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory reading a graph");
    }
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < 3; k++) {
            size_t x = g->triples[i].t[k];
            if (is_blank(tt, x) && !seen[x]) {
                seen[x] = true;
                g->blanks[g->n_blanks++] = x;
            }
        }
    kg_free(seen);
    return KG_OK;
}

/* The state of the search for a blank-node bijection from graph a onto graph b. */
typedef struct {
    const TermTable *tt;
    const Graph *a, *b;
    uint64_t *color; /* per TermTable index: a signature that isomorphisms preserve */
    size_t *map;     /* per TermTable index of a blank of a: its image in b, or SIZE_MAX */
    bool *used;      /* per TermTable index of a blank of b: already an image */
    unsigned long steps;
} Search;

/* Colour refinement (1-dimensional Weisfeiler-Leman): a blank node's colour becomes a hash of
 * its old colour and of the colours in each triple it occurs in, position by position. Ground
 * terms are shared by both graphs, so their colours agree; an isomorphism maps each blank node
 * to one of the same colour, which makes the colour a sound candidate filter. */
static KgStatus refine_colors(Search *se)
{
    const TermTable *tt = se->tt;
    uint64_t *next = kg_malloc((tt->n_terms + 1) * sizeof *next);
    if (!next) return KG_ERR_NOMEM;
    for (size_t i = 0; i < tt->n_terms; i++) se->color[i] = is_blank(tt, i) ? 1 : mix(i + 2);
    const Graph *graphs[2] = {se->a, se->b};
    size_t n_rounds = se->a->n_blanks < 8 ? se->a->n_blanks + 1 : 8;
    for (size_t round = 0; round < n_rounds; round++) {
        memcpy(next, se->color, tt->n_terms * sizeof *next);
        for (int gi = 0; gi < 2; gi++) {
            const Graph *g = graphs[gi];
            for (size_t i = 0; i < g->n_triples; i++) {
                const size_t *t = g->triples[i].t;
                uint64_t h = mix(se->color[t[0]] ^ mix(se->color[t[1]] ^ mix(se->color[t[2]])));
                // A commutative sum over triples, so the order of triples does not matter.
                for (int k = 0; k < 3; k++)
                    if (is_blank(tt, t[k])) next[t[k]] += mix(h + (uint64_t)k);
            }
        }
        for (size_t i = 0; i < tt->n_terms; i++)
            if (is_blank(tt, i)) se->color[i] = mix(next[i] ^ (se->color[i] << 1));
    }
    kg_free(next);
    return KG_OK;
}

/* Whether every triple of a that mentions `x` and only blank nodes already mapped has its
 * image in b. */
static bool mapping_consistent(const Search *se, size_t x)
{
    const TermTable *tt = se->tt;
    for (size_t i = 0; i < se->a->n_triples; i++) {
        const Triple *t = &se->a->triples[i];
        if (t->t[0] != x && t->t[1] != x && t->t[2] != x) continue;
        Triple image;
        bool complete = true;
        for (int k = 0; k < 3; k++) {
            size_t y = t->t[k];
            if (is_blank(tt, y)) {
                if (se->map[y] == SIZE_MAX) complete = false;
                y = se->map[y];
            }
            image.t[k] = y;
        }
        if (complete && !graph_has(se->b, &image)) return false;
    }
    return true;
}

/* Maps the blank nodes a->blanks[depth..] by backtracking; 1 when a bijection was found, 0
 * when none exists, -1 when the step budget ran out. */
static int search_map(Search *se, size_t depth)
{
    if (depth == se->a->n_blanks) return 1;
    size_t x = se->a->blanks[depth];
    for (size_t j = 0; j < se->b->n_blanks; j++) {
        size_t y = se->b->blanks[j];
        if (se->used[y] || se->color[y] != se->color[x]) continue;
        if (++se->steps > MAX_SEARCH_STEPS) return -1;
        se->map[x] = y;
        se->used[y] = true;
        if (mapping_consistent(se, x)) {
            int r = search_map(se, depth + 1);
            if (r != 0) return r;
        }
        se->map[x] = SIZE_MAX;
        se->used[y] = false;
    }
    return 0;
}

static void describe_triple(const TermTable *tt, const Triple *t, const char *what, char *why,
                            size_t why_len)
{
    KgBuf b = {0};
    for (int k = 0; k < 3; k++) {
        term_table_write(tt, t->t[k], &b);
        kg_buf_puts(&b, " ");
    }
    kg_buf_puts(&b, ".");
    const char *text = kg_buf_cstr(&b);
    snprintf(why, why_len, "%s %s", what, text ? text : "(out of memory)");
    kg_buf_free(&b);
}

/* Sorts the blank nodes of a so that the most constrained (fewest candidates, then most
 * connected to those already placed) come first, which prunes the search early. */
static void order_blanks(Search *se)
{
    const Graph *a = se->a, *b = se->b;
    for (size_t i = 0; i < a->n_blanks; i++) {
        size_t best = i, best_n = SIZE_MAX;
        for (size_t j = i; j < a->n_blanks; j++) {
            size_t n = 0;
            for (size_t k = 0; k < b->n_blanks; k++)
                n += se->color[b->blanks[k]] == se->color[a->blanks[j]];
            if (n < best_n) best = j, best_n = n;
        }
        size_t tmp = a->blanks[i];
        a->blanks[i] = a->blanks[best];
        a->blanks[best] = tmp;
    }
}

/* Whether graphs a and b are equal up to a renaming of blank nodes; when they are not, `why`
 * says how they differ. */
static KgStatus graphs_isomorphic(const TermTable *tt, Graph *a, Graph *b, bool *same, char *why,
                                  size_t why_len)
{
    *same = false;
    for (size_t i = 0; i < a->n_triples; i++)
        if (triple_is_ground(tt, &a->triples[i]) && !graph_has(b, &a->triples[i])) {
            describe_triple(tt, &a->triples[i], "unexpected triple", why, why_len);
            return KG_OK;
        }
    for (size_t i = 0; i < b->n_triples; i++)
        if (triple_is_ground(tt, &b->triples[i]) && !graph_has(a, &b->triples[i])) {
            describe_triple(tt, &b->triples[i], "missing triple", why, why_len);
            return KG_OK;
        }
    if (a->n_triples != b->n_triples || a->n_blanks != b->n_blanks) {
        snprintf(why, why_len, "%zu triples and %zu blank nodes, expected %zu and %zu",
                 a->n_triples, a->n_blanks, b->n_triples, b->n_blanks);
        return KG_OK;
    }
    if (a->n_blanks == 0) {
        *same = true;
        return KG_OK;
    }
    Search se = {tt, a, b, NULL, NULL, NULL, 0};
    se.color = kg_malloc((tt->n_terms + 1) * sizeof *se.color);
    se.map = kg_malloc((tt->n_terms + 1) * sizeof *se.map);
    se.used = kg_calloc(tt->n_terms + 1, sizeof *se.used);
    KgStatus s = KG_ERR_NOMEM;
    if (!se.color || !se.map || !se.used || refine_colors(&se) != KG_OK) goto out;
    for (size_t i = 0; i < tt->n_terms; i++) se.map[i] = SIZE_MAX;
    order_blanks(&se);
    int r = search_map(&se, 0);
    *same = r == 1;
    if (r == 0)
        snprintf(why, why_len, "the triples with blank nodes differ (no blank-node mapping fits)");
    else if (r < 0)
        snprintf(why, why_len, "gave up looking for a blank-node mapping after %d steps",
                 MAX_SEARCH_STEPS);
    s = KG_OK;
out:
    kg_free(se.color);
    kg_free(se.map);
    kg_free(se.used);
    return s;
}

/* ---------------------------------------------------------------- running one test */

typedef enum { TEST_POSITIVE, TEST_NEGATIVE, TEST_EVAL, TEST_UNKNOWN } TestKind;

typedef struct {
    char name[256];
    TestKind kind;
    char action[PATH_CAP], result[PATH_CAP]; /* local paths; result is "" when none */
    char action_base[PATH_CAP], result_base[PATH_CAP];
} Test;

static void describe_error(const char *what, const KgError *err, char *why, size_t why_len)
{
    char text[512];
    kg_error_format(err, text, sizeof text);
    snprintf(why, why_len, "%s%s (%s)", what, text, kg_status_name(err->status));
}

static KgStatus load_fresh(const char *path, KgFormat format, const char *base, KgStore **out,
                           KgError *err)
{
    KgStatus s = kg_store_open(":memory:", out, err);
    if (s != KG_OK) return s;
    // No assumed base (N-Triples): the file's own IRI, as for any load.
    KgLoadOptions opt = {.format = format, .base_iri = base[0] ? base : NULL};
    return kg_load_file(*out, path, &opt, NULL, err);
}

/* Runs one test; returns true when it passes, else fills `why`. */
static bool test_run(const Test *t, KgFormat format, char *why, size_t why_len)
{
    KgError err = {0};
    KgStore *store = NULL, *expected = NULL;
    TermTable tt = {0};
    Graph got = {0}, want = {0};
    bool pass = false;
    KgStatus s = load_fresh(t->action, format, t->action_base, &store, &err);
    switch (t->kind) {
    case TEST_POSITIVE:
        if (s == KG_OK) pass = true;
        else describe_error("rejected: ", &err, why, why_len);
        break;
    case TEST_NEGATIVE: {
        KgStats st;
        KgError err2 = {0};
        if (s == KG_OK) {
            snprintf(why, why_len, "accepted, but the file is not valid");
        } else if (s != KG_ERR_SYNTAX) {
            describe_error("rejected, but not as a syntax error: ", &err, why, why_len);
        } else if (!store || kg_stats_get(store, &st, &err2) != KG_OK) {
            describe_error("cannot read the store's statistics: ", &err2, why, why_len);
        } else if (st.n_quads != 0 || st.n_terms != 0) {
            snprintf(why, why_len, "rejected, but the store kept %llu quads and %llu terms",
                     (unsigned long long)st.n_quads, (unsigned long long)st.n_terms);
        } else if (err.line == 0 && format != KG_FMT_RDFXML) {
            describe_error("rejected without a line number: ", &err, why, why_len);
        } else {
            pass = true;
        }
        break;
    }
    case TEST_EVAL:
        if (s != KG_OK) {
            describe_error("rejected: ", &err, why, why_len);
            break;
        }
        if (load_fresh(t->result, KG_FMT_NTRIPLES, t->result_base, &expected, &err) != KG_OK) {
            describe_error("the expected result does not load: ", &err, why, why_len);
            break;
        }
        if (graph_read(store, &tt, 1, &got, &err) != KG_OK ||
            graph_read(expected, &tt, 2, &want, &err) != KG_OK ||
            graphs_isomorphic(&tt, &got, &want, &pass, why, why_len) != KG_OK) {
            if (err.status == KG_OK) kg_error_set(&err, KG_ERR_NOMEM, "out of memory");
            describe_error("comparing graphs: ", &err, why, why_len);
            pass = false;
        }
        break;
    case TEST_UNKNOWN:
        snprintf(why, why_len, "unknown test type");
        break;
    }
    graph_free(&got);
    graph_free(&want);
    term_table_free(&tt);
    kg_store_close(store);
    kg_store_close(expected);
    return pass;
}

/* ---------------------------------------------------------------- the manifest */

typedef struct {
    KgStore *store;
    KgTermId entries, first, rest, nil, type, name, action, result, base;
    KgTermId head; /* the first node of the mf:entries list */
    char base_iri[PATH_CAP]; /* mf:assumedTestBase, "" when absent */
    char dir_iri[PATH_CAP];  /* the manifest's IRI up to its last '/' */
} Manifest;





/* Turns an action or result IRI into the local path and the base IRI to parse it with. The
 * manifest was read with its own file IRI as base, so the part after the manifest's folder
 * is the file's path in the suite (rdfxml has subfolders). */
static bool locate_file(const Manifest *m, const char *suite_dir, const char *iri, char *path,
                        char *base)
{
    size_t n = strlen(m->dir_iri);
    if (strncmp(iri, m->dir_iri, n) != 0 || !iri[n]) return false;
    const char *file = iri + n;
    base[0] = '\0';
    if (m->base_iri[0] && snprintf(base, PATH_CAP, "%s%s", m->base_iri, file) >= PATH_CAP)
        return false;
    return snprintf(path, PATH_CAP, "%s/%s", suite_dir, file) < PATH_CAP;
}

static bool test_read(const Manifest *m, const char *suite_dir, KgTermId entry, Test *t)
{
    char text[PATH_CAP];
    memset(t, 0, sizeof *t);
    term_text(m->store, object_of(m->store, entry, m->name), t->name, sizeof t->name);
    if (!t->name[0]) {
        term_text(m->store, entry, text, sizeof text);
        const char *hash = strrchr(text, '#');
        if (snprintf(t->name, sizeof t->name, "%s", hash ? hash + 1 : text) >= (int)sizeof t->name)
            return false;
    }
    term_text(m->store, object_of(m->store, entry, m->type), text, sizeof text);
    t->kind = ends_with(text, "PositiveSyntax") ? TEST_POSITIVE
              : ends_with(text, "NegativeSyntax") ? TEST_NEGATIVE
              : ends_with(text, "Eval") && !ends_with(text, "NegativeEval") ? TEST_EVAL
                                                                             : TEST_UNKNOWN;
    term_text(m->store, object_of(m->store, entry, m->action), text, sizeof text);
    if (!locate_file(m, suite_dir, text, t->action, t->action_base)) return false;
    if (t->kind == TEST_EVAL) {
        term_text(m->store, object_of(m->store, entry, m->result), text, sizeof text);
        if (!locate_file(m, suite_dir, text, t->result, t->result_base)) return false;
    }
    return true;
}

/* ---------------------------------------------------------------- known failures */

typedef struct {
    char id[300];      /* suite/test-name */
    char reason[300];
    bool ran; /* the test exists and ran */
} Known;

typedef struct {
    Known *items;
    size_t n_items;
} KnownList;

static int known_read(const char *path, KnownList *kl)
{
    memset(kl, 0, sizeof *kl);
    FILE *f = fopen(path, "r");
    if (!f) return 0; /* no file: no known failures */
    char line[1024];
    size_t cap = 0;
    Known k;
    while (fgets(line, sizeof line, f)) {
        memset(&k, 0, sizeof k);
        if (!list_line(line, k.id, sizeof k.id, k.reason, sizeof k.reason)) continue;
        if (kl->n_items == cap) {
            cap = cap ? cap * 2 : 32;
            Known *items = kg_realloc(kl->items, cap * sizeof *items);
            if (!items) {
                fclose(f);
                return -1;
            }
            kl->items = items;
        }
        kl->items[kl->n_items++] = k;
    }
    fclose(f);
    return 0;
}

static Known *known_find(KnownList *kl, const char *suite, const char *name)
{
    size_t n = strlen(suite);
    for (size_t i = 0; i < kl->n_items; i++) {
        const char *id = kl->items[i].id;
        if (strncmp(id, suite, n) == 0 && id[n] == '/' && strcmp(id + n + 1, name) == 0)
            return &kl->items[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------- one suite */

typedef struct {
    unsigned long n_passed, n_failed, n_known, n_unexpected;
} Counts;

static bool manifest_open(const char *suite_dir, Manifest *m)
{
    char path[PATH_CAP];
    KgError err = {0};
    memset(m, 0, sizeof *m);
    if (snprintf(path, sizeof path, "%s/manifest.ttl", suite_dir) >= (int)sizeof path) {
        fprintf(stderr, "conformance: path too long: %s\n", suite_dir);
        return false;
    }
    KgStatus s = kg_store_open(":memory:", &m->store, &err);
    // The manifest's own file IRI is its base: only the file names of its IRIs matter.
    KgLoadOptions opt = {.format = KG_FMT_TURTLE};
    if (s == KG_OK) s = kg_load_file(m->store, path, &opt, NULL, &err);
    if (s != KG_OK) {
        char text[512];
        kg_error_format(&err, text, sizeof text);
        fprintf(stderr, "conformance: cannot read the manifest: %s\n", text);
        return false;
    }
    m->entries = iri_id(m->store, MF "entries");
    m->first = iri_id(m->store, KG_NS_RDF "first");
    m->rest = iri_id(m->store, KG_NS_RDF "rest");
    m->nil = iri_id(m->store, KG_NS_RDF "nil");
    m->type = iri_id(m->store, KG_RDF_TYPE);
    m->name = iri_id(m->store, MF "name");
    m->action = iri_id(m->store, MF "action");
    m->result = iri_id(m->store, MF "result");
    m->base = iri_id(m->store, MF "assumedTestBase");
    term_text(m->store, object_of(m->store, KG_ANY, m->base), m->base_iri, sizeof m->base_iri);
    KgQuad pattern = {KG_ANY, m->entries, KG_ANY, KG_ANY_GRAPH}, q = {0};
    KgIter *it = NULL;
    if (!m->entries || !m->first || !m->rest || !m->action ||
        kg_match_new(m->store, &pattern, KG_ASSERTED, &it, &err) != KG_OK ||
        kg_iter_next(it, &q, NULL, &err) != KG_OK) {
        kg_iter_free(it);
        fprintf(stderr, "conformance: %s has no mf:entries list\n", path);
        return false;
    }
    kg_iter_free(it);
    m->head = q.o;
    term_text(m->store, q.s, m->dir_iri, sizeof m->dir_iri);
    char *slash = strrchr(m->dir_iri, '/');
    if (slash) slash[1] = '\0';
    return true;
}

static bool suite_run(const char *dir, size_t si, KnownList *kl, Counts *c)
{
    const char *suite = suites[si].dir;
    char suite_dir[PATH_CAP];
    Manifest m;
    Test *t = kg_malloc(sizeof *t);
    char why[REASON_CAP];
    memset(&m, 0, sizeof m);
    snprintf(suite_dir, sizeof suite_dir, "%s/%s", dir, suite);
    bool ok = t && manifest_open(suite_dir, &m);
    KgTermId node = ok ? m.head : 0;
    for (unsigned long n = 0; ok && node && node != m.nil; n++) {
        if (n == MAX_LIST_LEN) {
            fprintf(stderr, "conformance: %s: mf:entries does not end\n", suite);
            ok = false;
            break;
        }
        KgTermId entry = object_of(m.store, node, m.first);
        bool pass = false;
        if (!test_read(&m, suite_dir, entry, t)) snprintf(why, sizeof why, "bad manifest entry");
        else pass = test_run(t, suites[si].format, why, sizeof why);
        Known *k = known_find(kl, suite, t->name);
        if (k) k->ran = true;
        if (pass) {
            c->n_passed++;
            if (k) {
                printf("PASS %s/%s: listed in known-failures.txt, but it passes now; "
                       "remove it from the list\n", suite, t->name);
                c->n_unexpected++;
            }
        } else {
            c->n_failed++;
            if (k) c->n_known++;
            else c->n_unexpected++;
            printf("FAIL %s/%s: %s%s\n", suite, t->name, why, k ? " (known failure)" : "");
        }
        node = object_of(m.store, node, m.rest);
    }
    if (ok && node != m.nil) {
        fprintf(stderr, "conformance: %s: mf:entries is not a proper list\n", suite);
        ok = false;
    }
    kg_store_close(m.store);
    kg_free(t);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s DIR [KNOWN-FAILURES]\n"
                        "  DIR holds ntriples/, turtle/ and rdfxml/ with their manifest.ttl\n",
                argv[0]);
        return 2;
    }
    const char *known_path = argc == 3 ? argv[2] : "tests/conformance/known-failures.txt";
    KnownList kl;
    if (known_read(known_path, &kl) != 0) {
        fprintf(stderr, "conformance: out of memory reading %s\n", known_path);
        return 2;
    }
    Counts total = {0};
    bool ok = true;
    for (size_t si = 0; si < N_SUITES; si++) {
        Counts c = {0};
        if (!suite_run(argv[1], si, &kl, &c)) ok = false;
        printf("%s: %lu passed, %lu failed", suites[si].dir, c.n_passed, c.n_failed);
        if (c.n_known) printf(" (%lu known)", c.n_known);
        printf("\n");
        total.n_passed += c.n_passed;
        total.n_failed += c.n_failed;
        total.n_known += c.n_known;
        total.n_unexpected += c.n_unexpected;
    }
    for (size_t i = 0; i < kl.n_items; i++)
        if (!kl.items[i].ran) {
            printf("STALE %s: listed in known-failures.txt, but there is no such test\n",
                   kl.items[i].id);
            total.n_unexpected++;
        }
    printf("W3C syntax suites: %lu of %lu tests pass; %lu known failures (listed with their "
           "reasons in known-failures.txt)\n",
           total.n_passed, total.n_passed + total.n_failed, total.n_known);
    // The closing line counts as failed only what is not a listed, explained failure.
    printf("%lu passed, %lu failed\n", total.n_passed, total.n_unexpected);
    kg_free(kl.items);
    return ok && total.n_unexpected == 0 ? 0 : 1;
}
