/* reasoner/mine.c: learning rules from the data, bottom-up as AnyBURL does (Meilicke et al.,
 * "Anytime Bottom-Up Rule Learning for Knowledge Graph Completion", IJCAI 2019).
 *
 * Schedule: paths of at most SHORT atoms are sampled first, until they saturate (a batch of
 * SATURATION_BATCH samples yields under 1% new rules: AnyBURL's saturation, 0.99) or half the
 * time has passed, then paths up to max_length: short rules are cheap and most of the
 * evidence, and sampling long paths from the start starves them.
 *
 * Sampling: a training triple is drawn and read as a query (X, q, Y) in one of its two
 * directions. From X a random walk of up to max_length - 1 steps is taken (never back to X,
 * never through Y, never along the sampled triple itself); at X and after each step, every
 * edge from the walk's end to Y closes a path, which generalises into a path rule
 * q(X, Y) :- p1(X, A1), ..., pn(A_{n-1}, Y). One more random edge (l, d) of X gives the rules
 * with constants q(X, Y) :- l(X, d) and q(X, Y) :- l(X, A), Y kept as the constant c.
 *
 * Measuring: a rule is measured once, the first time it is seen, on the whole training graph:
 * its body's groundings (X, Y) are found from each X that can start the body (at most
 * SAMPLE_SOURCES of them, drawn at random, and at most WORK_LIMIT edge visits; the counts are
 * then scaled to all such X), breadth-first with one visited mark per entity so a path that
 * reaches Y many ways counts once. A grounding's variables stand for different entities, as
 * when the rules are applied (AnyBURL's object identity): a path never comes back through X,
 * never stays on one entity, and (for three atoms X-A-B-Y) ends on A only when B was reached
 * from another A too. Support, head coverage, confidence and PCA confidence follow; the
 * weight written is support / (body + unseen) (see rs.h). Rules below the thresholds are
 * remembered as seen and not measured again. */
#include "graph.h"
#include "internal.h"
#include "kg/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHORT 2
#define SATURATION_BATCH 4096
#define SATURATION 0.99
#define SAMPLE_SOURCES 1000
#define WORK_LIMIT 2000000
#define NONE UINT32_MAX

void rs_mine_defaults(RsMineOptions *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->max_length = 3;
    opt->max_length_constant = 1;
    opt->min_support = 2;
    opt->min_confidence = 0.0001;
    opt->unseen = RS_MINE_UNSEEN;
    opt->seconds = 10;
    opt->seed = 42;
}

/* ---------------------------------------------------------------- the set of rules seen */

typedef struct {
    RsMinedRule r;
    int kept;
} Candidate;

typedef struct {
    const RsGraph *g;
    const RsMineOptions *opt;
    KgRng rng;
    Candidate *cands;
    size_t n_cands, cap_cands;
    uint32_t *slots; /* candidate index + 1, 0 empty */
    size_t n_slots;  /* a power of two, at most half full */
    /* breadth-first scratch: a mark per entity, two frontiers, and the entity each node of
     * the second step was reached from (NONE: from several) */
    uint32_t *mark, epoch;
    uint32_t *front, *next;
    uint32_t *from;
    size_t work;
    size_t max_length;      /* of the paths sampled now (the schedule) */
    uint64_t offered, new_rules; /* rules seen in this batch, and new among them */
} Miner;

static uint64_t rule_hash(const RsMinedRule *r)
{
    uint64_t h = 1469598103934665603ULL;
    const uint32_t parts[] = {(uint32_t)r->kind, r->head, r->length, r->body[0], r->body[1], r->body[2],
                              r->head_constant, r->body_constant};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        h ^= parts[i];
        h *= 1099511628211ULL;
        h ^= h >> 29;
    }
    return h;
}

static int same_rule(const RsMinedRule *a, const RsMinedRule *b)
{
    return a->kind == b->kind && a->head == b->head && a->length == b->length && a->body[0] == b->body[0] &&
           a->body[1] == b->body[1] && a->body[2] == b->body[2] && a->head_constant == b->head_constant &&
           a->body_constant == b->body_constant;
}

static int grow_slots(Miner *m)
{
    size_t n = m->n_slots ? m->n_slots * 2 : 4096;
    uint32_t *s = kg_calloc(n, sizeof *s);
    if (!s) return 0;
    for (size_t i = 0; i < m->n_cands; i++) {
        size_t at = rule_hash(&m->cands[i].r) & (n - 1);
        while (s[at]) at = (at + 1) & (n - 1);
        s[at] = (uint32_t)i + 1;
    }
    kg_free(m->slots);
    m->slots = s;
    m->n_slots = n;
    return 1;
}

/* ---------------------------------------------------------------- measuring a rule */

/* The entities reached from x along labels[0 .. n), each once: m->front[0 .. *count). Returns
 * 0 when the work limit ran out. */
static int reach(Miner *m, uint32_t x, const uint32_t *labels, size_t n, size_t *count)
{
    const RsGraph *g = m->g;
    size_t n_front = 1;
    m->front[0] = x;
    for (size_t step = 0; step < n; step++) {
        m->epoch++;
        size_t n_next = 0;
        for (size_t i = 0; i < n_front; i++) {
            size_t lo, hi;
            rs_graph_edges(g, m->front[i], labels[step], &lo, &hi);
            m->work += hi - lo + 1;
            uint32_t a = m->front[i];
            /* object identity: the path's entities differ (the only one behind a that b could
             * repeat, other than x, is the node a was reached from, when that is one node) */
            uint32_t behind = step == 2 ? m->from[a] : NONE;
            for (size_t k = lo; k < hi; k++) {
                uint32_t b = rs_graph_to(g, k);
                if (b == a || b == behind || (b == x && step + 1 < n)) continue;
                if (m->mark[b] != m->epoch) {
                    m->mark[b] = m->epoch, m->next[n_next++] = b;
                    if (step == 1) m->from[b] = a;
                } else if (step == 1 && m->from[b] != a) {
                    m->from[b] = NONE;
                }
            }
        }
        uint32_t *t = m->front;
        m->front = m->next, m->next = t;
        n_front = n_next;
        if (m->work > WORK_LIMIT) return 0;
    }
    *count = n_front;
    return 1;
}

/* Counts one body grounding (x, y) of a rule with head label q. */
static void count(const RsGraph *g, uint32_t q, uint32_t x, uint32_t y, int x_has_q, double *sup, double *body,
                  double *pca)
{
    if (x == y) return; /* as AnyBURL: different variables, different entities */
    *body += 1;
    if (x_has_q) *pca += 1;
    if (rs_graph_has(g, x, q, y)) *sup += 1;
}

static int has_label(const RsGraph *g, uint32_t x, uint32_t label)
{
    size_t lo, hi;
    rs_graph_edges(g, x, label, &lo, &hi);
    return hi > lo;
}

/* The X a rule's body starts from: every entity with an edge labelled `first`, or a sample. */
static void measure(Miner *m, RsMinedRule *r)
{
    const RsGraph *g = m->g;
    double sup = 0, body = 0, pca = 0;
    uint32_t q = r->head;
    size_t done = 0, n_src = 0;
    m->work = 0;
    if (r->kind == RS_MINED_CONSTANT) {
        /* q(X, c) :- l(X, d): the X are d's neighbours along l's inverse; few, all counted */
        size_t lo, hi;
        rs_graph_edges(g, r->body_constant, rs_graph_inverse(g, r->body[0]), &lo, &hi);
        for (size_t k = lo; k < hi; k++) {
            uint32_t x = rs_graph_to(g, k);
            count(g, q, x, r->head_constant, has_label(g, x, q), &sup, &body, &pca);
        }
        n_src = done = 1;
    } else {
        uint32_t first = r->body[0];
        const uint32_t *src = g->src + g->src_off[first];
        n_src = g->src_off[first + 1] - g->src_off[first];
        size_t want = n_src < SAMPLE_SOURCES ? n_src : SAMPLE_SOURCES;
        for (; done < want && m->work <= WORK_LIMIT; done++) {
            uint32_t x = want == n_src ? src[done] : src[kg_rng_below(&m->rng, (uint32_t)n_src)];
            int x_has_q = has_label(g, x, q);
            if (r->kind == RS_MINED_DANGLING) {
                m->work++;
                count(g, q, x, r->head_constant, x_has_q, &sup, &body, &pca);
                continue;
            }
            size_t n_y = 0;
            if (!reach(m, x, r->body, r->length, &n_y)) break;
            for (size_t i = 0; i < n_y; i++) count(g, q, x, m->front[i], x_has_q, &sup, &body, &pca);
        }
    }
    double scale = done ? (double)n_src / (double)done : 0;
    r->support = sup * scale;
    r->body_size = body * scale;
    r->pca_body_size = pca * scale;
    uint64_t n_head = g->n_facts[q % g->n_relations];
    r->head_coverage = n_head ? r->support / (double)n_head : 0;
    r->confidence = r->body_size > 0 ? r->support / r->body_size : 0;
    r->pca_confidence = r->pca_body_size > 0 ? r->support / r->pca_body_size : 0;
    r->weight = rs_mined_weight(r, m->opt->unseen);
}

/* Path rules are kept with a forward head: q^-1(X, Y) :- p1 ... pn is q(Y, X) :- pn^-1 ... p1^-1. */
static void canonical(const RsGraph *g, RsMinedRule *r)
{
    if (r->kind != RS_MINED_PATH || r->head < g->n_relations) return;
    uint32_t b[3] = {NONE, NONE, NONE};
    for (uint32_t i = 0; i < r->length; i++) b[i] = rs_graph_inverse(g, r->body[r->length - 1 - i]);
    memcpy(r->body, b, sizeof b);
    r->head = rs_graph_inverse(g, r->head);
}

/* Adds rule r (its shape only) when not seen before, measuring it. */
static KgStatus offer(Miner *m, RsMinedRule *r, KgError *err)
{
    canonical(m->g, r);
    m->offered++;
    if (2 * (m->n_cands + 1) > m->n_slots && !grow_slots(m)) goto nomem;
    size_t at = rule_hash(r) & (m->n_slots - 1);
    for (; m->slots[at]; at = (at + 1) & (m->n_slots - 1))
        if (same_rule(&m->cands[m->slots[at] - 1].r, r)) return KG_OK;
    if (m->n_cands == m->cap_cands) {
        size_t cap = m->cap_cands ? 2 * m->cap_cands : 1024;
        Candidate *c = kg_realloc(m->cands, cap * sizeof *c);
        if (!c) goto nomem;
        m->cands = c, m->cap_cands = cap;
    }
    measure(m, r);
    m->new_rules++;
    Candidate *c = &m->cands[m->n_cands];
    c->r = *r;
    c->kept = r->support >= m->opt->min_support && r->weight >= m->opt->min_confidence;
    m->slots[at] = (uint32_t)++m->n_cands;
    return KG_OK;
nomem:
    return kg_error_set(err, KG_ERR_NOMEM, "out of memory mining rules");
}

/* ---------------------------------------------------------------- sampling */

static RsMinedRule shape(RsMinedKind kind, uint32_t head)
{
    RsMinedRule r;
    memset(&r, 0, sizeof r);
    r.kind = kind, r.head = head;
    r.body[0] = r.body[1] = r.body[2] = NONE;
    r.head_constant = r.body_constant = NONE;
    return r;
}

/* A random edge of a, not labelled `skip_label` to `skip_to`, nor to any of `avoid`; NONE when
 * there is none (a few tries). */
static size_t random_edge(Miner *m, uint32_t a, uint32_t skip_label, uint32_t skip_to, const uint32_t *avoid,
                          size_t n_avoid)
{
    const RsGraph *g = m->g;
    size_t lo = g->off[a], hi = g->off[a + 1];
    if (lo == hi) return (size_t)NONE;
    for (int tries = 0; tries < 8; tries++) {
        size_t k = lo + kg_rng_below(&m->rng, (uint32_t)(hi - lo));
        uint32_t l = rs_graph_label(g, k), b = rs_graph_to(g, k);
        int bad = l == skip_label && b == skip_to;
        for (size_t i = 0; i < n_avoid && !bad; i++) bad = b == avoid[i];
        if (!bad) return k;
    }
    return (size_t)NONE;
}

static KgStatus sample(Miner *m, const KgLinkDataset *d, KgError *err)
{
    const RsGraph *g = m->g;
    const KgLinkTriple *x = &d->train[kg_rng_below(&m->rng, (uint32_t)d->n_train)];
    int backwards = (int)(kg_rng_next(&m->rng) & 1);
    uint32_t X = backwards ? x->t : x->h, Y = backwards ? x->h : x->t;
    uint32_t q = backwards ? x->r + (uint32_t)g->n_relations : x->r;
    KgStatus s = KG_OK;
    /* closed paths: close at every node of one random walk */
    uint32_t labels[3], nodes[4] = {X, Y};
    uint32_t z = X;
    for (size_t step = 0; step < m->max_length && s == KG_OK; step++) {
        size_t lo = g->off[z], hi = g->off[z + 1];
        for (size_t k = lo; k < hi && s == KG_OK; k++) {
            if (rs_graph_to(g, k) != Y) continue;
            uint32_t l = rs_graph_label(g, k);
            if (step == 0 && l == q) continue; /* the sampled triple itself */
            RsMinedRule r = shape(RS_MINED_PATH, q);
            memcpy(r.body, labels, step * sizeof *labels);
            r.body[step] = l;
            r.length = (uint32_t)step + 1;
            s = offer(m, &r, err);
        }
        if (step + 1 == m->max_length) break;
        size_t k = random_edge(m, z, step == 0 ? q : NONE, Y, nodes, step + 2);
        if (k == (size_t)NONE) break;
        labels[step] = rs_graph_label(g, k);
        z = rs_graph_to(g, k);
        nodes[step + 2] = z;
    }
    /* rules with constants: Y stays, one edge of X */
    if (s == KG_OK && m->opt->max_length_constant >= 1) {
        size_t k = random_edge(m, X, q, Y, NULL, 0);
        if (k != (size_t)NONE) {
            RsMinedRule r = shape(RS_MINED_CONSTANT, q);
            r.length = 1, r.body[0] = rs_graph_label(g, k);
            r.head_constant = Y, r.body_constant = rs_graph_to(g, k);
            s = offer(m, &r, err); /* d may be c itself: q(X, c) :- l(X, c) */
            r.kind = RS_MINED_DANGLING, r.body_constant = NONE;
            if (s == KG_OK) s = offer(m, &r, err);
        }
    }
    return s;
}

static int by_weight(const void *pa, const void *pb)
{
    const RsMinedRule *a = pa, *b = pb;
    if (a->weight != b->weight) return a->weight > b->weight ? -1 : 1;
    if (a->support != b->support) return a->support > b->support ? -1 : 1;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    if (a->head != b->head) return a->head < b->head ? -1 : 1;
    if (a->length != b->length) return a->length < b->length ? -1 : 1;
    for (int i = 0; i < 3; i++)
        if (a->body[i] != b->body[i]) return a->body[i] < b->body[i] ? -1 : 1;
    if (a->head_constant != b->head_constant) return a->head_constant < b->head_constant ? -1 : 1;
    return (a->body_constant > b->body_constant) - (a->body_constant < b->body_constant);
}

double rs_mined_weight(const RsMinedRule *r, double unseen)
{
    double w = r->body_size + unseen > 0 ? r->support / (r->body_size + unseen) : 0;
    return r->kind == RS_MINED_DANGLING ? w * RS_MINE_DANGLING_FACTOR : w;
}

void rs_mined_reweigh(RsMined *m, double unseen)
{
    for (size_t i = 0; i < m->n_rules; i++) m->rules[i].weight = rs_mined_weight(&m->rules[i], unseen);
    qsort(m->rules, m->n_rules, sizeof *m->rules, by_weight);
}

void rs_mined_keep_paths(RsMined *m, size_t max_length)
{
    size_t w = 0;
    for (size_t i = 0; i < m->n_rules; i++)
        if (m->rules[i].kind != RS_MINED_PATH || m->rules[i].length <= max_length) m->rules[w++] = m->rules[i];
    m->n_rules = w;
}

void rs_mined_free(RsMined *m)
{
    if (!m) return;
    kg_free(m->rules);
    kg_free(m);
}

KgStatus rs_mine(const KgLinkDataset *d, const RsMineOptions *opt, RsMined **out, KgError *err)
{
    *out = NULL;
    if (opt->max_length < 1 || opt->max_length > 3)
        return kg_error_set(err, KG_ERR_ARG, "--max-length must be 1, 2 or 3 (got %zu)", opt->max_length);
    if (!(opt->unseen >= 0))
        return kg_error_set(err, KG_ERR_ARG, "--unseen must be 0 or more (got %g)", opt->unseen);
    if (opt->max_length_constant > 1)
        return kg_error_set(err, KG_ERR_ARG, "rules with constants have at most one body atom");
    RsGraph g;
    KgStatus s = rs_graph_build(d, &g, err);
    if (s != KG_OK) return s;
    Miner m = {.g = &g, .opt = opt, .max_length = opt->max_length < SHORT ? opt->max_length : SHORT};
    kg_rng_seed(&m.rng, opt->seed);
    m.mark = kg_calloc(d->n_entities + 1, sizeof *m.mark);
    m.front = kg_malloc((d->n_entities + 1) * sizeof *m.front);
    m.next = kg_malloc((d->n_entities + 1) * sizeof *m.next);
    m.from = kg_malloc((d->n_entities + 1) * sizeof *m.from);
    RsMined *res = kg_calloc(1, sizeof *res);
    if (!m.mark || !m.front || !m.next || !m.from || !res) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory mining rules");
        goto out;
    }
    double t0 = kg_now(), budget = opt->seconds > 0 ? opt->seconds : 10, last = t0;
    while (d->n_train && s == KG_OK) {
        s = sample(&m, d, err);
        res->n_samples++;
        if (res->n_samples % SATURATION_BATCH == 0 && m.max_length < opt->max_length) {
            int saturated = (double)m.new_rules < (1 - SATURATION) * (double)m.offered;
            if (saturated || kg_now() - t0 >= budget / 2) m.max_length = opt->max_length;
            m.offered = m.new_rules = 0;
        }
        if ((res->n_samples & 63) == 0) {
            double t = kg_now();
            if (t - t0 >= budget || kg_interrupted()) break; /* Ctrl-C: keep what was learnt */
            if (opt->progress && t - last >= 1) {
                size_t kept = 0;
                for (size_t i = 0; i < m.n_cands; i++) kept += m.cands[i].kept;
                opt->progress(opt->progress_ctx, t - t0, kept, res->n_samples);
                last = t;
            }
        }
    }
    if (s != KG_OK) goto out;
    size_t kept = 0;
    for (size_t i = 0; i < m.n_cands; i++) kept += m.cands[i].kept;
    res->rules = kg_malloc((kept ? kept : 1) * sizeof *res->rules);
    if (!res->rules) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory mining rules");
        goto out;
    }
    for (size_t i = 0; i < m.n_cands; i++)
        if (m.cands[i].kept) res->rules[res->n_rules++] = m.cands[i].r;
    qsort(res->rules, res->n_rules, sizeof *res->rules, by_weight);
    res->n_candidates = m.n_cands;
    res->seconds = kg_now() - t0;
out:
    kg_free(m.mark), kg_free(m.front), kg_free(m.next), kg_free(m.from), kg_free(m.cands), kg_free(m.slots);
    rs_graph_free(&g);
    if (s != KG_OK) {
        rs_mined_free(res);
        return s;
    }
    *out = res;
    return KG_OK;
}

/* ---------------------------------------------------------------- writing */

/* Appends the triple atom of label l between a and b (variables or terms as text). */
static KgStatus atom(KgBuf *out, const KgLinkDataset *d, RsNameFn name, void *ctx, uint32_t l, const char *a,
                     const char *b)
{
    int inverse = l >= d->n_relations;
    const char *rel = name(ctx, 1, inverse ? l - (uint32_t)d->n_relations : l);
    if (!rel) return KG_ERR_NOMEM;
    return kg_buf_printf(out, "[%s, %s, %s]", inverse ? b : a, rel, inverse ? a : b);
}

KgStatus rs_mined_write(const RsMined *m, const KgLinkDataset *d, RsNameFn name, void *ctx,
                        const char *preamble, KgBuf *out, KgError *err)
{
    static const char *const vars[] = {"?X", "?A", "?B", "?Y"};
    KgStatus s = KG_OK;
    if (preamble) s = kg_buf_printf(out, "%s", preamble);
    for (size_t i = 0; i < m->n_rules && s == KG_OK; i++) {
        const RsMinedRule *r = &m->rules[i];
        s = kg_buf_printf(out,
                          "# support %.0f, body %.0f, head coverage %.4f, confidence %.4f, PCA confidence %.4f\n"
                          "%.6f :: ",
                          r->support, r->body_size, r->head_coverage, r->confidence, r->pca_confidence, r->weight);
        if (s != KG_OK) break;
        if (r->kind == RS_MINED_PATH) {
            s = atom(out, d, name, ctx, r->head, "?X", "?Y");
            if (s == KG_OK) s = kg_buf_printf(out, " :- ");
            for (uint32_t k = 0; k < r->length && s == KG_OK; k++) {
                const char *a = vars[k == 0 ? 0 : k], *b = k + 1 == r->length ? "?Y" : vars[k + 1];
                if (k) s = kg_buf_printf(out, ", ");
                if (s == KG_OK) s = atom(out, d, name, ctx, r->body[k], a, b);
            }
        } else {
            /* the constants' names, copied: name() may reuse its buffer */
            KgBuf c = {0}, dd = {0};
            const char *cn = name(ctx, 0, r->head_constant);
            s = cn ? kg_buf_printf(&c, "%s", cn) : KG_ERR_NOMEM;
            if (s == KG_OK && r->kind == RS_MINED_CONSTANT) {
                const char *dn = name(ctx, 0, r->body_constant);
                s = dn ? kg_buf_printf(&dd, "%s", dn) : KG_ERR_NOMEM;
            } else if (s == KG_OK) {
                s = kg_buf_printf(&dd, "?A");
            }
            if (s == KG_OK && (!kg_buf_cstr(&c) || !kg_buf_cstr(&dd))) s = KG_ERR_NOMEM;
            if (s == KG_OK) s = atom(out, d, name, ctx, r->head, "?X", c.data);
            if (s == KG_OK) s = kg_buf_printf(out, " :- ");
            if (s == KG_OK) s = atom(out, d, name, ctx, r->body[0], "?X", dd.data);
            kg_buf_free(&c), kg_buf_free(&dd);
        }
        if (s == KG_OK) s = kg_buf_printf(out, " .\n");
    }
    if (s != KG_OK) return kg_error_set(err, KG_ERR_NOMEM, "out of memory writing rules");
    return KG_OK;
}
