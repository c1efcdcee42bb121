/* tests/reasoner/test_mine.c: rule mining (reasoner/mine.c). On a small family graph the
 * support, body size, head coverage, confidence, PCA confidence and weight of a path rule and
 * of a rule with a constant are worked out by hand in the comments; on a graph generated from
 * two known rules plus noise, those rules come back as the best for their heads; the rules
 * written out parse as a rule file. */
#include "kg/linkpred.h"
#include "reasoner/rs.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A dataset over dense ids with the given training triples (no names, no terms). */
static KgLinkDataset *dataset(size_t n_entities, size_t n_relations, const KgLinkTriple *t, size_t n)
{
    KgLinkDataset *d = calloc(1, sizeof *d);
    cr_assert_not_null(d);
    d->n_entities = n_entities, d->n_relations = n_relations;
    d->train = malloc((n ? n : 1) * sizeof *d->train);
    cr_assert_not_null(d->train);
    memcpy(d->train, t, n * sizeof *t);
    d->n_train = n;
    return d;
}

static void dataset_free(KgLinkDataset *d)
{
    free(d->train);
    free(d);
}

static RsMined *mine(const KgLinkDataset *d, double seconds, double min_support)
{
    RsMineOptions o;
    rs_mine_defaults(&o);
    o.seconds = seconds;
    o.min_support = min_support;
    o.min_confidence = 0;
    RsMined *m = NULL;
    KgError err = {0};
    cr_assert_eq(rs_mine(d, &o, &m, &err), KG_OK, "%s", err.msg);
    return m;
}

static const RsMinedRule *find(const RsMined *m, RsMinedKind kind, uint32_t head, uint32_t length, const uint32_t *body,
                               uint32_t head_constant, uint32_t body_constant)
{
    for (size_t i = 0; i < m->n_rules; i++) {
        const RsMinedRule *r = &m->rules[i];
        if (r->kind != kind || r->head != head || r->length != length) continue;
        if (memcmp(r->body, body, length * sizeof *body) != 0) continue;
        if (kind != RS_MINED_PATH && r->head_constant != head_constant) continue;
        if (kind == RS_MINED_CONSTANT && r->body_constant != body_constant) continue;
        return r;
    }
    return NULL;
}

enum { A, B, C, D, F, PERSON, N_ENT };
enum { FATHER, GRANDFATHER, ISA, N_REL };

Test(mine, measures_by_hand)
{
    /* father: f->a, a->b, b->c, b->d; grandfather: a->c only; isa: a, b person */
    const KgLinkTriple t[] = {{F, FATHER, A},      {A, FATHER, B},   {B, FATHER, C},
                              {B, FATHER, D},      {A, GRANDFATHER, C}, {A, ISA, PERSON},
                              {B, ISA, PERSON}};
    KgLinkDataset *d = dataset(N_ENT, N_REL, t, sizeof t / sizeof t[0]);
    RsMined *m = mine(d, 0.3, 1);
    /* grandfather(X, Y) :- father(X, A), father(A, Y). Body groundings: (f, b) via a, (a, c) and
     * (a, d) via b: 3. Support: (a, c): 1. Head coverage 1/1. Confidence 1/3. PCA: only a has
     * a grandfather, so 2 groundings count: 1/2. Weight 1 / (3 + 5). */
    const uint32_t path[] = {FATHER, FATHER};
    const RsMinedRule *r = find(m, RS_MINED_PATH, GRANDFATHER, 2, path, 0, 0);
    cr_assert_not_null(r, "the grandfather rule was not found among %zu", m->n_rules);
    cr_assert_float_eq(r->body_size, 3, 1e-9);
    cr_assert_float_eq(r->support, 1, 1e-9);
    cr_assert_float_eq(r->head_coverage, 1, 1e-9);
    cr_assert_float_eq(r->confidence, 1.0 / 3, 1e-9);
    cr_assert_float_eq(r->pca_confidence, 0.5, 1e-9);
    cr_assert_float_eq(r->weight, 1.0 / 8, 1e-9);
    /* isa(X, person) :- father(X, A): X in {f, a, b}: body 3; a and b are persons: support 2,
     * head coverage 2/2; confidence 2/3; PCA: a and b have an isa: 2/2. Weight 2 / 8, scaled
     * by 0.1 for a dangling rule. */
    const uint32_t father[] = {FATHER};
    r = find(m, RS_MINED_DANGLING, ISA, 1, father, PERSON, 0);
    cr_assert_not_null(r);
    cr_assert_float_eq(r->body_size, 3, 1e-9);
    cr_assert_float_eq(r->support, 2, 1e-9);
    cr_assert_float_eq(r->head_coverage, 1, 1e-9);
    cr_assert_float_eq(r->confidence, 2.0 / 3, 1e-9);
    cr_assert_float_eq(r->pca_confidence, 1, 1e-9);
    cr_assert_float_eq(r->weight, 0.25 * RS_MINE_DANGLING_FACTOR, 1e-9);
    /* isa(X, person) :- father(X, c): only b is c's father, and a person: 1 of 1 */
    r = find(m, RS_MINED_CONSTANT, ISA, 1, father, PERSON, C);
    cr_assert_not_null(r);
    cr_assert_float_eq(r->body_size, 1, 1e-9);
    cr_assert_float_eq(r->support, 1, 1e-9);
    cr_assert_float_eq(r->weight, 1.0 / 6, 1e-9);
    /* the query view: head queries of isa (person, isa^-1, ?) get rules too, with a constant
     * on the other side: isa^-1(X, b) :- ... is not a path rule, and path rules are stored
     * with forward heads only */
    for (size_t i = 0; i < m->n_rules; i++)
        if (m->rules[i].kind == RS_MINED_PATH) cr_assert_lt(m->rules[i].head, N_REL);
    /* best first */
    for (size_t i = 1; i < m->n_rules; i++) cr_assert_geq(m->rules[i - 1].weight, m->rules[i].weight);
    rs_mined_free(m);
    dataset_free(d);
}

/* Object identity in the measures: a grounding's variables are different entities, as when
 * the rules are applied. Parent p of c1, c2, c3; siblings c1-c2 and c1-c3 (both ways).
 * sibling(X, Y) :- sibling(X, A), parent(B, A), parent(B, Y):
 *   X = c1: A in {c2, c3}, B = p, Y in {c2, c3} (Y = A is fine: B came from two As): 2, both true;
 *   X = c2: A = c1, B = p, Y = c3 only (not c1 = A, not c2 = X): 1, false;
 *   X = c3: A = c1, Y = c2 only: 1, false.
 * Body 4, support 2 (without object identity: body 6, support 4). */
Test(mine, measures_keep_object_identity)
{
    enum { P, C1, C2, C3, N_E };
    enum { PARENT, SIBLING, N_R };
    const KgLinkTriple t[] = {{P, PARENT, C1},    {P, PARENT, C2},     {P, PARENT, C3},    {C1, SIBLING, C2},
                              {C2, SIBLING, C1}, {C1, SIBLING, C3}, {C3, SIBLING, C1}};
    KgLinkDataset *d = dataset(N_E, N_R, t, sizeof t / sizeof t[0]);
    RsMined *m = mine(d, 0.3, 1);
    const uint32_t path[] = {SIBLING, PARENT + N_R, PARENT};
    const RsMinedRule *r = find(m, RS_MINED_PATH, SIBLING, 3, path, 0, 0);
    cr_assert_not_null(r, "the rule was not found among %zu", m->n_rules);
    cr_assert_float_eq(r->body_size, 4, 1e-9);
    cr_assert_float_eq(r->support, 2, 1e-9);
    cr_assert_float_eq(r->confidence, 0.5, 1e-9);
    rs_mined_free(m);
    dataset_free(d);
}

/* A graph made by two rules: r(X, Y) :- p(X, A), q(A, Y) holds for 90% of its body groundings,
 * s(X, Y) :- q(Y, X) for all; plus random r and s triples as noise (which also makes the
 * equivalent r(X, Y) :- p(X, A), s(Y, A) a little worse than the rule that made r). */
Test(mine, finds_the_rules_that_made_the_graph)
{
    enum { P, Q, R, S, N };
    const size_t n_ent = 300;
    KgLinkTriple *t = malloc(20000 * sizeof *t);
    cr_assert_not_null(t);
    size_t n = 0;
    srand(7);
    for (uint32_t x = 0; x < n_ent; x++) {
        t[n++] = (KgLinkTriple){x, P, (uint32_t)(rand() % n_ent)};
        t[n++] = (KgLinkTriple){x, Q, (uint32_t)(rand() % n_ent)};
    }
    size_t n_pq = n;
    for (size_t i = 0; i < n_pq; i++) {
        if (t[i].r != P) continue;
        for (size_t j = 0; j < n_pq; j++)
            if (t[j].r == Q && t[j].h == t[i].t && t[i].h != t[j].t && rand() % 10 != 0)
                t[n++] = (KgLinkTriple){t[i].h, R, t[j].t};
    }
    for (size_t i = 0; i < n_pq; i++)
        if (t[i].r == Q) t[n++] = (KgLinkTriple){t[i].t, S, t[i].h};
    for (int k = 0; k < 30; k++) {
        t[n++] = (KgLinkTriple){(uint32_t)(rand() % n_ent), R, (uint32_t)(rand() % n_ent)};
        t[n++] = (KgLinkTriple){(uint32_t)(rand() % n_ent), S, (uint32_t)(rand() % n_ent)};
    }
    KgLinkDataset *d = dataset(n_ent, N, t, n);
    RsMined *m = mine(d, 1.0, 2);
    const RsMinedRule *best_r = NULL, *best_s = NULL;
    for (size_t i = 0; i < m->n_rules; i++) {
        const RsMinedRule *x = &m->rules[i];
        if (x->head == R && !best_r) best_r = x;
        if (x->head == S && !best_s) best_s = x;
    }
    cr_assert_not_null(best_r);
    cr_assert_eq(best_r->kind, RS_MINED_PATH);
    cr_assert_eq(best_r->length, 2);
    cr_assert(best_r->body[0] == P && best_r->body[1] == Q, "best rule for r: %u %u", best_r->body[0],
              best_r->body[1]);
    cr_assert_gt(best_r->confidence, 0.8);
    /* s(X, Y) :- q(Y, X): the label of q walked backwards */
    cr_assert_not_null(best_s);
    cr_assert_eq(best_s->kind, RS_MINED_PATH);
    cr_assert_eq(best_s->length, 1);
    cr_assert_eq(best_s->body[0], Q + N);
    cr_assert_gt(best_s->confidence, 0.9);
    rs_mined_free(m);
    dataset_free(d);
    free(t);
}

static const char *plain_name(void *ctx, int is_relation, uint32_t id)
{
    static char buf[64];
    (void)ctx;
    snprintf(buf, sizeof buf, "<http://example.org/%s%u>", is_relation ? "r" : "e", id);
    return buf;
}

Test(mine, written_rules_parse)
{
    const KgLinkTriple t[] = {{F, FATHER, A}, {A, FATHER, B}, {B, FATHER, C}, {B, FATHER, D},
                              {A, GRANDFATHER, C}, {A, ISA, PERSON}, {B, ISA, PERSON}};
    KgLinkDataset *d = dataset(N_ENT, N_REL, t, sizeof t / sizeof t[0]);
    RsMined *m = mine(d, 0.2, 1);
    cr_assert_gt(m->n_rules, 0);
    KgBuf text = {0};
    KgError err = {0};
    cr_assert_eq(rs_mined_write(m, d, plain_name, NULL, "# mined\n", &text, &err), KG_OK);
    cr_assert_not_null(kg_buf_cstr(&text));
    cr_assert_not_null(strstr(text.data, " :: [?X, <http://example.org/r1>, ?Y] :- [?X, <http://example.org/r0>, ?A], "
                                         "[?A, <http://example.org/r0>, ?Y] ."),
                       "%s", text.data);
    KgStore *st = NULL;
    cr_assert_eq(kg_store_open(":memory:", &st, &err), KG_OK);
    RsProgram *p = NULL;
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK);
    KgStatus s = rs_program_add_text(p, "mined.dl", text.data, text.len, &err);
    cr_assert_eq(s, KG_OK, "%s", err.msg);
    cr_assert_eq(rs_program_n_rules(p), m->n_rules);
    rs_program_free(p);
    kg_store_close(st);
    kg_buf_free(&text);
    rs_mined_free(m);
    dataset_free(d);
}
