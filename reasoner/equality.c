/* reasoner/equality.c: owl:sameAs by representatives, the way materialising reasoners such as
 * RDFox keep equality from blowing up. Applied as rules (eq-sym, eq-trans, eq-rep-s/p/o), n
 * equal terms make n² owl:sameAs triples, every fact about one of them is copied for each of
 * the others, and every copy is matched again by every rule. Instead, the terms owl:sameAs
 * says are equal form classes (union-find); each class has one representative, and the
 * engine's facts only ever name representatives: a fact naming a merged term dies and its
 * rewritten form takes its place, so the rules see one fact where the equality rules would
 * have made many. At the end (rs_eq_write) the closure the OWL 2 RL rules define is written
 * out all the same: each fact once per combination of its terms' class members, and
 * owl:sameAs between every two members, each with a derivation explain can follow.
 *
 * The representative of a class is a non-literal term when it has one, else the smallest id.
 * Merges happen between rounds (rs_eq_merge): the owl:sameAs facts of a round are queued as
 * they are added (rs_eq_note). Confidences: substituting equals keeps a fact's confidence
 * (equality is taken as certain once derived). Expressions (FILTER, BIND) see
 * representatives: a FILTER comparing a term with a constant merged into another term
 * compares with the term, not its representative. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

struct RsEquality {
    KgTermId same_as;
    /* term -> its representative, for terms of classes of two or more (representatives map
     * to themselves); open addressing, key 0 empty */
    KgTermId *keys, *rep;
    size_t cap, n;
    uint32_t *pending; /* owl:sameAs facts not merged yet */
    size_t n_pending, cap_pending;
    uint32_t *edges;   /* the owl:sameAs facts that joined two classes: a spanning forest */
    size_t n_edges, cap_edges;
    uint64_t n_rewritten;
    int indexed;       /* the by-subject, by-predicate and by-object indexes are kept */
};

static uint64_t hash_id(KgTermId t)
{
    uint64_t h = t * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

static size_t slot(const RsEquality *q, KgTermId t)
{
    size_t m = q->cap - 1, i = (size_t)hash_id(t) & m;
    while (q->keys[i] && q->keys[i] != t) i = (i + 1) & m;
    return i;
}

static KgTermId rep_get(const RsEquality *q, KgTermId t)
{
    if (!q->n) return 0;
    size_t i = slot(q, t);
    return q->keys[i] ? q->rep[i] : 0;
}

static KgStatus rep_put(RsEquality *q, KgTermId t, KgTermId r)
{
    if (2 * (q->n + 1) > q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        KgTermId *ok = q->keys, *orep = q->rep;
        size_t ocap = q->cap;
        q->keys = kg_calloc(cap, sizeof *q->keys);
        q->rep = kg_calloc(cap, sizeof *q->rep);
        if (!q->keys || !q->rep) {
            kg_free(q->keys);
            kg_free(q->rep);
            q->keys = ok, q->rep = orep;
            return KG_ERR_NOMEM;
        }
        q->cap = cap;
        for (size_t i = 0; i < ocap; i++)
            if (ok[i]) {
                size_t j = slot(q, ok[i]);
                q->keys[j] = ok[i];
                q->rep[j] = orep[i];
            }
        kg_free(ok);
        kg_free(orep);
    }
    size_t i = slot(q, t);
    if (!q->keys[i]) q->n++;
    q->keys[i] = t;
    q->rep[i] = r;
    return KG_OK;
}

static KgStatus push(uint32_t **a, size_t *n, size_t *cap, uint32_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        uint32_t *na = kg_realloc(*a, c * sizeof *na);
        if (!na) return KG_ERR_NOMEM;
        *a = na;
        *cap = c;
    }
    (*a)[(*n)++] = v;
    return KG_OK;
}

KgStatus rs_eq_start(Engine *e, KgError *err)
{
    e->eq = kg_calloc(1, sizeof *e->eq);
    if (!e->eq) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    KgTerm t = {.kind = KG_TERM_IRI, .lex = "http://www.w3.org/2002/07/owl#sameAs"};
    t.lex_len = strlen(t.lex);
    return kg_dict_intern(e->store, &t, &e->eq->same_as, err);
}

void rs_eq_free(Engine *e)
{
    if (!e->eq) return;
    kg_free(e->eq->keys);
    kg_free(e->eq->rep);
    kg_free(e->eq->pending);
    kg_free(e->eq->edges);
    kg_free(e->eq);
    e->eq = NULL;
}

KgTermId rs_eq_find(const Engine *e, KgTermId t)
{
    if (!e->eq) return t;
    KgTermId r = rep_get(e->eq, t);
    return r ? r : t;
}

KgStatus rs_eq_note(Engine *e, uint32_t fact)
{
    const RsFact *f = &e->db.facts[fact];
    if (f->p != e->eq->same_as || f->s == f->o) return KG_OK;
    return push(&e->eq->pending, &e->eq->n_pending, &e->eq->cap_pending, fact);
}

/* The root of t while merging (representatives may chain until compress()). */
static KgTermId root(const RsEquality *q, KgTermId t)
{
    for (KgTermId r; (r = rep_get(q, t)) && r != t;) t = r;
    return t;
}

static void compress(RsEquality *q)
{
    for (size_t i = 0; i < q->cap; i++)
        if (q->keys[i]) q->rep[i] = root(q, q->keys[i]);
}

static int is_literal(Engine *e, KgTermId t)
{
    KgTerm term;
    return kg_dict_get(e->store, t, &term, NULL) == KG_OK && term.kind == KG_TERM_LITERAL;
}

/* Dies, and comes back rewritten: every live fact naming term m. */
static KgStatus rewrite_term(Engine *e, KgTermId m)
{
    for (unsigned mask = 1; mask <= 4; mask <<= 1) {
        RsFact key = {m, m, m};
        for (uint32_t f = rs_facts_first_match(&e->db, mask, &key); f != RS_NO_FACT;
             f = rs_facts_next_match(&e->db, mask, f)) {
            if (rs_facts_dead(&e->db, f)) continue;
            RsFact old = e->db.facts[f];
            if (rs_facts_kill(&e->db, f) != KG_OK) return KG_ERR_NOMEM;
            /* rs_engine_add_fact rewrites it to representatives */
            if (rs_engine_add_fact(e, &old, RS_REWRITTEN, &f, 1, e->conf[f]) != KG_OK) return KG_ERR_NOMEM;
            e->eq->n_rewritten++;
        }
    }
    return KG_OK;
}

KgStatus rs_eq_merge(Engine *e, size_t *n_merged)
{
    RsEquality *q = e->eq;
    *n_merged = 0;
    uint32_t *batch = NULL;
    KgTermId *gone = NULL;
    KgStatus s = KG_OK;
    while (q->n_pending && s == KG_OK) {
        /* take the queue: rewriting may fill it again */
        kg_free(batch);
        batch = q->pending;
        size_t n_batch = q->n_pending;
        q->pending = NULL;
        q->n_pending = q->cap_pending = 0;
        kg_free(gone);
        gone = kg_malloc(n_batch * sizeof *gone);
        if (!gone) {
            s = KG_ERR_NOMEM;
            break;
        }
        size_t n_gone = 0;
        for (size_t i = 0; i < n_batch && s == KG_OK; i++) {
            const RsFact *f = &e->db.facts[batch[i]];
            KgTermId a = root(q, f->s), b = root(q, f->o);
            if (a == b) continue;
            int lit_a = is_literal(e, a), lit_b = is_literal(e, b);
            KgTermId keep = lit_a != lit_b ? (lit_a ? b : a) : (a < b ? a : b);
            KgTermId drop = keep == a ? b : a;
            if ((s = rep_put(q, keep, keep)) != KG_OK || (s = rep_put(q, drop, keep)) != KG_OK ||
                (s = push(&q->edges, &q->n_edges, &q->cap_edges, batch[i])) != KG_OK)
                break;
            gone[n_gone++] = drop;
        }
        if (s != KG_OK || !n_gone) continue;
        compress(q);
        *n_merged += n_gone;
        if (!q->indexed) {
            for (unsigned mask = 1; mask <= 4 && s == KG_OK; mask <<= 1) s = rs_facts_enable(&e->db, mask);
            q->indexed = 1;
        }
        /* the rules' constants name representatives too */
        for (size_t r = 0; r < e->prog->n_rules; r++) {
            Compiled *c = &e->rules[r];
            for (size_t h = 0; h < c->rule->n_heads; h++)
                for (int k = 0; k < 3; k++)
                    if (c->head_ids[h][k]) c->head_ids[h][k] = rs_eq_find(e, c->head_ids[h][k]);
            for (size_t i = 0; c->body_ids && i < c->rule->n_body; i++)
                for (int k = 0; k < 3; k++)
                    if (c->body_ids[i][k]) c->body_ids[i][k] = rs_eq_find(e, c->body_ids[i][k]);
        }
        for (size_t i = 0; i < n_gone && s == KG_OK; i++) s = rewrite_term(e, gone[i]);
    }
    kg_free(batch);
    kg_free(gone);
    return s;
}

void rs_eq_counts(const Engine *e, RsEqCounts *out)
{
    memset(out, 0, sizeof *out);
    const RsEquality *q = e->eq;
    out->n_terms = q->n;
    for (size_t i = 0; i < q->cap; i++) out->n_classes += q->keys[i] && q->rep[i] == q->keys[i];
    out->n_rewritten = q->n_rewritten;
}

/* ---------------------------------------------------------------- writing the closure out */

static const char *const rep_rule_name[8] = {
    NULL, "eq-rep-s", "eq-rep-p", "eq-rep-sp", "eq-rep-o", "eq-rep-so", "eq-rep-po", "eq-rep-spo",
};

/* The quad that says a owl:sameAs b: the fact when the table has it (its graph), else the
 * default graph's triple, which rs_eq_write writes. */
static KgQuad same_quad(const Engine *e, KgTermId a, KgTermId b)
{
    RsFact f = {a, e->eq->same_as, b};
    uint32_t i = rs_facts_find(&e->db, &f);
    return i != RS_NO_FACT ? rs_fact_quad(e, i) : (KgQuad){a, e->eq->same_as, b, KG_DEFAULT_GRAPH};
}

/* Premises for `to`, which is `from` with equal terms substituted: from, then a owl:sameAs b
 * for each position that differs; returns the rule name. */
static const char *substitution(const Engine *e, const KgQuad *from, const RsFact *to, KgQuad *prem,
                                size_t *n_prem)
{
    const KgTermId a[3] = {from->s, from->p, from->o}, b[3] = {to->s, to->p, to->o};
    unsigned mask = 0;
    size_t n = 0;
    prem[n++] = *from;
    for (int k = 0; k < 3; k++)
        if (a[k] != b[k]) {
            mask |= 1u << k;
            prem[n++] = same_quad(e, a[k], b[k]);
        }
    *n_prem = n;
    return mask ? rep_rule_name[mask] : "eq-rep";
}

void rs_eq_rewritten_derivation(const Engine *e, uint32_t f, KgQuad *prem, size_t *n_prem,
                                const char **rule)
{
    KgQuad from = rs_fact_quad(e, e->prems[e->prem_start[f]]);
    *rule = substitution(e, &from, &e->db.facts[f], prem, n_prem);
}

/* The classes: (representative, member) pairs sorted, so a class is a run. */
typedef struct {
    KgTermId rep, member;
} Member;

static int cmp_member(const void *pa, const void *pb)
{
    const Member *a = pa, *b = pb;
    if (a->rep != b->rep) return a->rep < b->rep ? -1 : 1;
    return a->member < b->member ? -1 : a->member > b->member;
}

/* The members of representative rep's class: *n of them from *first. */
static void class_of(const Member *m, size_t n_m, KgTermId rep, const Member **first, size_t *n)
{
    size_t lo = 0, hi = n_m;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m[mid].rep < rep) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < n_m && m[end].rep == rep) end++;
    *first = m + lo;
    *n = end - lo;
}

/* An edge of a class's spanning tree, from either end. */
typedef struct {
    KgTermId from, to;
} Adj;

static int cmp_adj(const void *pa, const void *pb)
{
    const Adj *a = pa, *b = pb;
    if (a->from != b->from) return a->from < b->from ? -1 : 1;
    return a->to < b->to ? -1 : a->to > b->to;
}

static size_t member_index(const Member *cls, size_t n, KgTermId t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cls[mid].member < t) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* owl:sameAs between every two members of one class (and each with itself), derived along a
 * spanning tree of the owl:sameAs facts that merged it: a neighbour's is the fact or its
 * symmetric (eq-sym), a farther member's comes from the one before it on the path (eq-trans),
 * a member's own from a neighbour and back. */
static KgStatus write_pairs(Engine *e, const Member *cls, size_t n, const Adj *adj, size_t n_adj,
                            RsPutFn put, void *ctx, KgError *err)
{
    KgTermId same = e->eq->same_as;
    size_t *queue = kg_malloc(n * sizeof *queue), *parent = kg_malloc(n * sizeof *parent);
    KgStatus s = KG_OK;
    if (!queue || !parent) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory writing owl:sameAs");
    for (size_t x = 0; x < n && s == KG_OK; x++) {
        for (size_t i = 0; i < n; i++) parent[i] = SIZE_MAX;
        size_t head = 0, tail = 0;
        queue[tail++] = x;
        parent[x] = x;
        while (head < tail && s == KG_OK) {
            size_t y = queue[head++];
            KgTermId ty = cls[y].member;
            /* the neighbours of y: its run in adj */
            size_t lo = 0, hi = n_adj;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (adj[mid].from < ty) lo = mid + 1;
                else hi = mid;
            }
            for (size_t a = lo; a < n_adj && adj[a].from == ty; a++) {
                size_t z = member_index(cls, n, adj[a].to);
                if (z >= n || cls[z].member != adj[a].to || parent[z] != SIZE_MAX) continue;
                parent[z] = y;
                queue[tail++] = z;
            }
            RsFact f = {cls[x].member, same, ty};
            if (rs_facts_find(&e->db, &f) != RS_NO_FACT) continue; /* in the table: written */
            KgQuad q = {f.s, f.p, f.o, KG_DEFAULT_GRAPH}, prem[2];
            const char *rule;
            size_t n_prem;
            if (y == x) {
                /* its own: through the first neighbour, there and back */
                if (tail < 2) continue;
                KgTermId nb = cls[queue[1]].member;
                prem[0] = same_quad(e, f.s, nb);
                prem[1] = same_quad(e, nb, f.s);
                rule = "eq-trans", n_prem = 2;
            } else if (parent[y] == x) {
                prem[0] = same_quad(e, ty, f.s); /* the fact the other way round */
                rule = "eq-sym", n_prem = 1;
            } else {
                KgTermId via = cls[parent[y]].member;
                prem[0] = same_quad(e, f.s, via);
                prem[1] = same_quad(e, via, ty);
                rule = "eq-trans", n_prem = 2;
            }
            s = put(ctx, &q, rule, 1.0, prem, n_prem, err);
        }
    }
    kg_free(queue);
    kg_free(parent);
    return s;
}

KgStatus rs_eq_write(Engine *e, RsPutFn put, void *ctx, KgError *err)
{
    RsEquality *q = e->eq;
    if (!q->n) return KG_OK;
    KgStatus s = KG_OK;
    Member *m = kg_malloc(q->n * sizeof *m);
    Adj *adj = kg_malloc((2 * q->n_edges + 1) * sizeof *adj);
    if (!m || !adj) {
        kg_free(m);
        kg_free(adj);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory writing what owl:sameAs implies");
    }
    size_t n_m = 0;
    for (size_t i = 0; i < q->cap; i++)
        if (q->keys[i]) m[n_m++] = (Member){q->rep[i], q->keys[i]};
    qsort(m, n_m, sizeof *m, cmp_member);
    size_t n_adj = 0;
    for (size_t i = 0; i < q->n_edges; i++) {
        const RsFact *f = &e->db.facts[q->edges[i]];
        adj[n_adj++] = (Adj){f->s, f->o};
        adj[n_adj++] = (Adj){f->o, f->s};
    }
    qsort(adj, n_adj, sizeof *adj, cmp_adj);

    /* 1. every live fact naming a representative, once per combination of class members */
    size_t n_facts = e->db.n;
    for (uint32_t f = 0; f < n_facts && s == KG_OK; f++) {
        if (rs_facts_dead(&e->db, f)) continue;
        RsFact x = e->db.facts[f];
        if (x.p == q->same_as && x.s == x.o) continue; /* the class itself: step 2 */
        const KgTermId t[3] = {x.s, x.p, x.o};
        const Member *cl[3];
        size_t nc[3];
        int any = 0;
        for (int k = 0; k < 3; k++) {
            if (rep_get(q, t[k])) {
                class_of(m, n_m, t[k], &cl[k], &nc[k]);
                any = 1;
            } else {
                cl[k] = NULL, nc[k] = 1;
            }
        }
        if (!any) continue;
        KgQuad from = rs_fact_quad(e, f);
        for (size_t i = 0; i < nc[0] && s == KG_OK; i++)
            for (size_t j = 0; j < nc[1] && s == KG_OK; j++)
                for (size_t k = 0; k < nc[2] && s == KG_OK; k++) {
                    RsFact y = {cl[0] ? cl[0][i].member : x.s, cl[1] ? cl[1][j].member : x.p,
                                cl[2] ? cl[2][k].member : x.o};
                    if (rs_facts_find(&e->db, &y) != RS_NO_FACT) continue; /* the table's */
                    KgQuad qy = {y.s, y.p, y.o, KG_DEFAULT_GRAPH}, prem[4];
                    size_t n_prem;
                    const char *rule = substitution(e, &from, &y, prem, &n_prem);
                    s = put(ctx, &qy, rule, e->conf[f], prem, n_prem, err);
                }
    }
    /* 2. owl:sameAs within each class */
    for (size_t i = 0; i < n_m && s == KG_OK;) {
        size_t j = i;
        while (j < n_m && m[j].rep == m[i].rep) j++;
        s = write_pairs(e, m + i, j - i, adj, n_adj, put, ctx, err);
        i = j;
    }
    kg_free(m);
    kg_free(adj);
    return s;
}
