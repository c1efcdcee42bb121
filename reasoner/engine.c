/* reasoner/engine.c: semi-naive forward chaining to a fixpoint, stratum by stratum, over the
 * in-memory fact table (facts.h). Each round evaluates every rule once per positive body atom
 * d, with atom d reading only the facts new in the last round (delta), the atoms before d only
 * older facts and the atoms after d all facts: every derivation is found exactly once, in the
 * first round all its premises exist. A rule's atoms are joined in an order chosen once per
 * (rule, d): the delta atom first, then always the atom with the most positions bound, so each
 * step is a hash lookup. The first derivation found of each fact is kept (rule and premises),
 * so proofs are shallow; its confidence is the rule's weight times its premises'. A later
 * derivation with a higher confidence replaces it, and the rise is handed on to what was
 * derived from the fact (propagate_confidence), so a fact ends with the best confidence of
 * any proof. The facts a round derives join the table when it ends (flush_pending). The
 * compiling and the join are shared with query.c, which runs them goal-directed. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- facts and their metadata */

/* Grows *a (cap elements of `size` bytes) to hold at least `need`; 0 when out of memory. */
static int grow_array(void **a, size_t *cap, size_t need, size_t size)
{
    size_t c = *cap ? *cap : 1024;
    while (c < need) c *= 2;
    void *n = kg_realloc(*a, c * size);
    if (!n) return 0;
    *a = n;
    *cap = c;
    return 1;
}

static KgStatus grow_meta(Engine *e)
{
    if (e->db.n <= e->cap_meta) return KG_OK;
    size_t cap = e->cap_meta ? e->cap_meta * 2 : 4096;
    while (cap < e->db.n) cap *= 2;
    double *c = kg_realloc(e->conf, cap * sizeof *c);
    if (!c) return KG_ERR_NOMEM;
    e->conf = c;
    uint32_t *r = kg_realloc(e->rule_of, cap * sizeof *r);
    if (!r) return KG_ERR_NOMEM;
    e->rule_of = r;
    uint32_t *ps = kg_realloc(e->prem_start, cap * sizeof *ps);
    if (!ps) return KG_ERR_NOMEM;
    e->prem_start = ps;
    uint8_t *np = kg_realloc(e->n_prem, cap * sizeof *np);
    if (!np) return KG_ERR_NOMEM;
    e->n_prem = np;
    e->cap_meta = cap;
    return KG_OK;
}

/* Makes (rule, premises) fact idx's recorded derivation. */
static KgStatus record_derivation(Engine *e, uint32_t idx, uint32_t rule_plus1, const uint32_t *prem,
                                  size_t n_prem)
{
    if (e->n_prems + n_prem > e->cap_prems &&
        !grow_array((void **)&e->prems, &e->cap_prems, e->n_prems + n_prem, sizeof *e->prems))
        return KG_ERR_NOMEM;
    e->rule_of[idx] = rule_plus1;
    e->prem_start[idx] = (uint32_t)e->n_prems;
    e->n_prem[idx] = (uint8_t)n_prem;
    if (n_prem) memcpy(e->prems + e->n_prems, prem, n_prem * sizeof *prem);
    e->n_prems += n_prem;
    return KG_OK;
}

KgStatus rs_engine_add_fact(Engine *e, const RsFact *fact, uint32_t rule_plus1,
                            const uint32_t *prem, size_t n_prem, double conf)
{
    uint32_t idx;
    int added;
    RsFact canon = *fact;
    const RsFact *f = fact;
    if (e->eq) {
        canon = (RsFact){rs_eq_find(e, f->s), rs_eq_find(e, f->p), rs_eq_find(e, f->o)};
        f = &canon;
    }
    if (rs_facts_add(&e->db, f, &idx, &added) != KG_OK || grow_meta(e) != KG_OK)
        return KG_ERR_NOMEM;
    if (!added) {
        /* seen before: keep the better confidence (max over derivations), with the proof that
         * gives it, and let what was derived from the fact learn of it (propagate_confidence).
         * A triple from the store keeps its own. */
        if (rule_plus1 && conf > e->conf[idx] && e->rule_of[idx]) {
            if (record_derivation(e, idx, rule_plus1, prem, n_prem) != KG_OK) return KG_ERR_NOMEM;
            e->conf[idx] = conf;
            if (!grow_array((void **)&e->better, &e->cap_better, e->n_better + 1, sizeof *e->better))
                return KG_ERR_NOMEM;
            e->better[e->n_better++] = idx;
        }
        return KG_OK;
    }
    if (record_derivation(e, idx, rule_plus1, prem, n_prem) != KG_OK) return KG_ERR_NOMEM;
    e->conf[idx] = conf;
    if (rule_plus1 && rule_plus1 != RS_REWRITTEN) e->per_rule[rule_plus1 - 1]++, e->limits.n_new++;
    return e->eq ? rs_eq_note(e, idx) : KG_OK;
}

void rs_limits_start(RsLimits *l, const RsOptions *opt, double t0)
{
    l->n_new = 0;
    l->max_derived = opt && opt->max_derived ? opt->max_derived : RS_DEFAULT_MAX_DERIVED;
    l->timeout = opt ? opt->timeout : 0;
    l->deadline = l->timeout > 0 ? t0 + l->timeout : 0;
}

KgStatus rs_limits_check(const RsLimits *l, const char *what, const RsProgram *p, const uint64_t *per_rule,
                         KgError *err)
{
    int over = l->max_derived && l->n_new > l->max_derived;
    int late = !over && l->deadline > 0 && kg_now() > l->deadline;
    if (!over && !late) return KG_OK;
    size_t top = 0;
    for (size_t i = 1; per_rule && i < p->n_rules; i++)
        if (per_rule[i] > per_rule[top]) top = i;
    const char *label = per_rule && p->n_rules && per_rule[top] ? rs_rule_label(p, top) : NULL;
    const char *text = label ? rs_rule_text(p, top) : NULL;
    if (late)
        return kg_error_set(err, KG_ERR_LIMIT,
                            "%s stopped after %g s (the --timeout): %llu new triples derived so far; the store is as it "
                            "was%s%s%s%s",
                            what, l->timeout, (unsigned long long)l->n_new, label ? ". Most came from " : "",
                            label ? label : "", label ? ": " : "", text ? text : "");
    return kg_error_set(err, KG_ERR_LIMIT,
                        "%s stopped at %llu new triples (the --max-derived limit; rules that make new terms in a "
                        "recursion derive without end); the store is as it was%s%s%s%s",
                        what, (unsigned long long)l->max_derived, label ? ". Most came from " : "", label ? label : "",
                        label ? ": " : "", text ? text : "");
}

KgStatus rs_engine_check_limits(Engine *e, const char *what)
{
    if (e->status == KG_OK) e->status = rs_limits_check(&e->limits, what, e->prog, e->per_rule, e->err);
    return e->status;
}

/* ---------------------------------------------------------------- term kinds */

/* A direct-mapped cache of term kinds: a miss asks the store's dictionary. */
struct RsKinds {
    KgTermId id[1 << 16];
    signed char kind[1 << 16];
};

int rs_term_kind(Engine *e, KgTermId id)
{
    if (!id) return -1;
    if (!e->kinds && !(e->kinds = kg_calloc(1, sizeof *e->kinds))) return -1;
    size_t i = (size_t)(id ^ (id >> 16)) & 0xffff;
    if (e->kinds->id[i] == id) return e->kinds->kind[i];
    KgTerm t;
    if (kg_dict_get(e->store, id, &t, NULL) != KG_OK) return -1;
    e->kinds->id[i] = id;
    e->kinds->kind[i] = (signed char)t.kind;
    return t.kind;
}

/* ---------------------------------------------------------------- compiling rules */

static KgStatus resolve(Engine *e, const RsTerm *t, int intern, KgTermId *out, KgError *err)
{
    *out = 0;
    if (t->is_var) return KG_OK;
    KgStatus s = intern ? kg_dict_intern(e->store, &t->term, out, err)
                        : kg_dict_lookup(e->store, &t->term, out, err);
    if (s == KG_ERR_NOT_FOUND) *out = 0;
    return s == KG_ERR_NOT_FOUND ? KG_OK : s;
}

/* How many positions of atom a are bound once the variables in `bound` are. */
static int n_bound_positions(const RsAtom *a, const int *bound)
{
    int n = 0;
    for (int k = 0; k < 3; k++) n += !a->t[k].is_var || bound[a->t[k].var];
    return n;
}

/* Whether body atom i (FILTER, BIND, NOT) has what it reads bound. */
static int atom_ready(const Compiled *c, size_t i, const int *bound)
{
    const RsRule *r = c->rule;
    const RsAtom *a = &r->body[i];
    if (a->kind == RS_ATOM_NOT) {
        for (int k = 0; k < 3; k++)
            if (a->t[k].is_var && !bound[a->t[k].var]) return 0;
        return 1;
    }
    for (uint32_t v = 0; v < r->n_vars; v++)
        if (kg_expr_uses(c->exprs[i], v) && !bound[v] && !(a->kind == RS_ATOM_BIND && v == a->bind_var))
            return 0;
    return 1;
}

/* The ids of a rule's head constants, interned (the terms the rules may derive) or, when only
 * answering queries, looked up (0 when absent). */
KgStatus rs_engine_compile_heads(Engine *e, const RsRule *r, Compiled *c, int intern, KgError *err)
{
    KgStatus s = KG_OK;
    c->rule = r;
    c->head_ids = kg_calloc(r->n_heads, sizeof *c->head_ids);
    if (!c->head_ids) return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling the rules");
    for (size_t h = 0; h < r->n_heads && s == KG_OK; h++)
        for (int k = 0; k < 3 && s == KG_OK; k++) s = resolve(e, &r->heads[h][k], intern, &c->head_ids[h][k], err);
    return s;
}

/* Completes a join order: plan[0 .. n) is placed (used, and the variables in bound), the rest
 * follows greedily: a FILTER, BIND or NOT as soon as what it reads is bound (in body order),
 * else the positive atom with the most bound positions. */
void rs_engine_order_rest(const Compiled *c, int *bound, char *used, size_t *plan, size_t n)
{
    const RsRule *r = c->rule;
    while (n < r->n_body) {
        size_t best = r->n_body;
        for (size_t i = 0; i < r->n_body && best == r->n_body; i++)
            if (!used[i] && r->body[i].kind != RS_ATOM_TRIPLE && atom_ready(c, i, bound)) best = i;
        int best_b = -1;
        for (size_t i = 0; i < r->n_body && best_b < 3; i++) {
            if (best != r->n_body && r->body[best].kind != RS_ATOM_TRIPLE) break;
            if (used[i] || r->body[i].kind != RS_ATOM_TRIPLE) continue;
            int b = n_bound_positions(&r->body[i], bound);
            if (b > best_b) best = i, best_b = b;
        }
        if (best == r->n_body)
            for (size_t i = 0; i < r->n_body; i++)
                if (!used[i]) {
                    best = i;
                    break;
                }
        plan[n++] = best;
        used[best] = 1;
        if (r->body[best].kind == RS_ATOM_BIND) bound[r->body[best].bind_var] = 1;
        else if (r->body[best].kind == RS_ATOM_TRIPLE)
            for (int k = 0; k < 3; k++)
                if (r->body[best].t[k].is_var) bound[r->body[best].t[k].var] = 1;
    }
}

KgStatus rs_engine_compile_rule(Engine *e, const RsRule *r, Compiled *c, KgError *err)
{
    KgStatus s = KG_OK;
    if (r->n_body > MAX_BODY || r->n_vars > 256)
        return kg_error_at(err, KG_ERR_ARG, r->label, r->line, r->col,
                           "a rule may have at most %d body atoms and 256 variables", MAX_BODY);
    c->body_ids = kg_calloc(r->n_body ? r->n_body : 1, sizeof *c->body_ids);
    c->pos_atoms = kg_calloc(r->n_body ? r->n_body : 1, sizeof *c->pos_atoms);
    c->exprs = kg_calloc(r->n_body ? r->n_body : 1, sizeof *c->exprs);
    c->fast = kg_calloc(r->n_body ? r->n_body : 1, sizeof *c->fast);
    if (!c->body_ids || !c->pos_atoms || !c->exprs || !c->fast) return KG_ERR_NOMEM;
    /* every rule's head constants were interned first (compile_heads), so a body constant
     * that is still absent can never match */
    for (size_t i = 0; i < r->n_body; i++) {
        const RsAtom *a = &r->body[i];
        if (a->kind == RS_ATOM_FILTER || a->kind == RS_ATOM_BIND) {
            /* the file name is the label up to its last ':' (the label outlives the error) */
            if ((s = kg_expr_new(e->store, a->expr, a->expr_len, r->file, a->expr_line,
                                 a->expr_col, a->prefixes, r->var_names, r->n_vars,
                                 a->kind == RS_ATOM_FILTER, &c->exprs[i], err)) != KG_OK)
                return s;
            if (a->kind == RS_ATOM_FILTER) rs_fast_filter_compile(r, a, &c->fast[i]);
            continue;
        }
        for (int k = 0; k < 3; k++) {
            if ((s = resolve(e, &a->t[k], 0, &c->body_ids[i][k], err)) != KG_OK) return s;
            if (!a->t[k].is_var && !c->body_ids[i][k] && a->kind == RS_ATOM_TRIPLE)
                c->body_absent = 1; /* a constant no fact holds: the rule never fires */
        }
        if (a->kind == RS_ATOM_TRIPLE) c->pos_atoms[c->n_pos++] = i;
    }
    c->plans = kg_calloc(c->n_pos ? c->n_pos * r->n_body : 1, sizeof *c->plans);
    if (!c->plans) return KG_ERR_NOMEM;
    for (size_t d = 0; d < c->n_pos; d++) {
        size_t *plan = c->plans + d * r->n_body;
        int bound[256] = {0};
        char used[MAX_BODY] = {0};
        size_t n = 0;
        size_t first = c->pos_atoms[d];
        plan[n++] = first;
        used[first] = 1;
        for (int k = 0; k < 3; k++)
            if (r->body[first].t[k].is_var) bound[r->body[first].t[k].var] = 1;
        rs_engine_order_rest(c, bound, used, plan, n);
    }
    return KG_OK;
}

/* Keeps the fact indexes rule c's plans look facts up by: for each join step, the positions
 * bound by then (constants, and variables of the atoms before it). */
static KgStatus enable_indexes(Engine *e, const Compiled *c)
{
    const RsRule *r = c->rule;
    for (size_t d = 0; d < c->n_pos; d++) {
        const size_t *plan = c->plans + d * r->n_body;
        int bound[256] = {0};
        for (size_t n = 0; n < r->n_body; n++) {
            const RsAtom *a = &r->body[plan[n]];
            if (a->kind == RS_ATOM_BIND) bound[a->bind_var] = 1;
            if (a->kind != RS_ATOM_TRIPLE && a->kind != RS_ATOM_NOT) continue;
            unsigned mask = 0;
            for (int k = 0; k < 3; k++)
                if (!a->t[k].is_var || bound[a->t[k].var]) mask |= 1u << k;
            /* a delta atom with only its predicate bound reads the delta sorted by predicate */
            int sorted_delta = n == 0 && mask == 2;
            if (!sorted_delta && rs_facts_enable(&e->db, mask) != KG_OK) return KG_ERR_NOMEM;
            if (a->kind == RS_ATOM_TRIPLE)
                for (int k = 0; k < 3; k++)
                    if (a->t[k].is_var) bound[a->t[k].var] = 1;
        }
    }
    return KG_OK;
}

void rs_engine_free_compiled(Compiled *c)
{
    for (size_t i = 0; c->exprs && i < c->rule->n_body; i++) kg_expr_free(c->exprs[i]);
    kg_free(c->exprs);
    kg_free(c->fast);
    kg_free(c->head_ids);
    kg_free(c->body_ids);
    kg_free(c->pos_atoms);
    kg_free(c->plans);
}

void rs_engine_release(Engine *e)
{
    for (size_t i = 0; e->rules && i < e->prog->n_rules; i++)
        if (e->rules[i].rule) rs_engine_free_compiled(&e->rules[i]);
    kg_free(e->rules);
    rs_eq_free(e);
    rs_facts_free(&e->db);
    kg_free(e->conf), kg_free(e->rule_of), kg_free(e->prem_start), kg_free(e->n_prem), kg_free(e->prems);
    kg_free(e->pending), kg_free(e->better), kg_free(e->delta_sorted), kg_free(e->kinds);
    kg_free(e->pending_prems), kg_free(e->graphs);
    kg_free(e->memo_keys), kg_free(e->memo_gen), kg_free(e->memo_count);
}

/* ---------------------------------------------------------------- joining */

static KgTermId value_of(const Engine *e, const RsTerm *t, KgTermId constant)
{
    return t->is_var ? (e->bound[t->var] ? e->vals[t->var] : 0) : constant;
}

static void emit(Engine *e)
{
    const Compiled *c = e->cr;
    const RsRule *r = c->rule;
    double conf = r->weight;
    uint32_t prem[MAX_BODY];
    size_t n_prem = 0;
    for (size_t i = 0; i < r->n_body; i++)
        if (r->body[i].kind == RS_ATOM_TRIPLE) {
            prem[n_prem++] = e->premise[i];
            conf *= e->conf[e->premise[i]];
        }
    uint32_t rule_plus1 = (uint32_t)(c - e->rules) + 1;
    /* one round may derive many times the limit before its facts are counted (a product of
     * large relations): its derivations are bounded too */
    if (e->limits.max_derived && e->n_pending > 4 * e->limits.max_derived) {
        if (e->limits.n_new <= e->limits.max_derived) e->limits.n_new = e->limits.max_derived + 1;
        rs_engine_check_limits(e, "reasoning");
        return;
    }
    /* kept until the round ends (the facts of this round are not read before the next) */
    if ((e->n_pending + r->n_heads > e->cap_pending &&
         !grow_array((void **)&e->pending, &e->cap_pending, e->n_pending + r->n_heads, sizeof *e->pending)) ||
        (e->n_pending_prems + n_prem > e->cap_pending_prems &&
         !grow_array((void **)&e->pending_prems, &e->cap_pending_prems, e->n_pending_prems + n_prem,
                     sizeof *e->pending_prems))) {
        e->status = kg_error_set(e->err, KG_ERR_NOMEM, "out of memory reasoning");
        return;
    }
    uint32_t at = (uint32_t)e->n_pending_prems;
    memcpy(e->pending_prems + at, prem, n_prem * sizeof *prem);
    e->n_pending_prems += n_prem;
    for (size_t h = 0; h < r->n_heads; h++) {
        RsFact f = {value_of(e, &r->heads[h][0], c->head_ids[h][0]),
                    value_of(e, &r->heads[h][1], c->head_ids[h][1]),
                    value_of(e, &r->heads[h][2], c->head_ids[h][2])};
        e->pending[e->n_pending++] = (RsPending){f, conf, rule_plus1, at, (uint32_t)n_prem};
    }
}

/* Adds the facts derived in this round to the table, fetching the index slots of the fact 8
 * ahead (computing the slot costs less than waiting for it). */
static KgStatus flush_pending(Engine *e)
{
    enum { AHEAD = 8 };
    for (size_t i = 0; i < e->n_pending; i++) {
        if (i + AHEAD < e->n_pending) rs_facts_prefetch(&e->db, &e->pending[i + AHEAD].f);
        const RsPending *p = &e->pending[i];
        if (rs_engine_add_fact(e, &p->f, p->rule_plus1, e->pending_prems + p->prem_at, p->n_prem, p->conf) != KG_OK)
            return kg_error_set(e->err, KG_ERR_NOMEM, "out of memory reasoning");
        if (e->limits.max_derived && e->limits.n_new > e->limits.max_derived) return rs_engine_check_limits(e, "reasoning");
    }
    e->n_pending = e->n_pending_prems = 0;
    return KG_OK;
}


/* Fact f for triple atom a (body index ai) at join step `step`: binds a's unbound variables
 * to it when its bound ones agree, and goes on to the next step. */
static void visit(Engine *e, const RsAtom *a, size_t ai, uint32_t f, size_t step)
{
    const RsFact *fact = &e->db.facts[f];
    const KgTermId got[3] = {fact->s, fact->p, fact->o};
    int newly[3] = {0, 0, 0}, ok = 1;
    for (int k = 0; k < 3 && ok; k++) {
        const RsTerm *t = &a->t[k];
        if (!t->is_var) continue;
        if (e->bound[t->var]) {
            ok = e->vals[t->var] == got[k];
        } else {
            e->vals[t->var] = got[k];
            e->bound[t->var] = 1;
            newly[k] = 1;
        }
    }
    /* goal-directed answering keeps AnyBURL's object identity: different variables of a
     * grounding stand for different entities */
    if (ok && e->answer)
        for (int k = 0; k < 3 && ok; k++) {
            if (!newly[k]) continue;
            uint32_t v = a->t[k].var;
            for (uint32_t w = 0; w < e->cr->rule->n_vars && ok; w++)
                ok = w == v || !e->bound[w] || e->vals[w] != e->vals[v];
        }
    if (ok) {
        e->premise[ai] = f;
        rs_engine_join(e, step + 1);
    }
    for (int k = 0; k < 3; k++)
        if (newly[k]) e->bound[a->t[k].var] = 0, e->vals[a->t[k].var] = 0;
}

/* 1 when the join state at `step` (its live variables' values) was explored before in this
 * goal-directed call; else remembers it and returns 0 (also when out of memory: no skipping). */
static int memo_seen(Engine *e, size_t step)
{
    uint64_t live = e->memo_live[step], h = 0x9e3779b97f4a7c15ULL * (step + 1);
    for (uint32_t v = 0; live; v++, live >>= 1)
        if (live & 1) {
            h ^= e->vals[v] + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
            h *= 0xff51afd7ed558ccdULL;
        }
    h ^= h >> 33;
    if (2 * (e->memo_n + 1) > e->memo_cap) {
        size_t cap = e->memo_cap ? 2 * e->memo_cap : 1024;
        uint64_t *k = kg_malloc(cap * sizeof *k);
        uint32_t *g = kg_calloc(cap, sizeof *g);
        uint8_t *n = kg_malloc(cap * sizeof *n);
        if (!k || !g || !n) {
            kg_free(k), kg_free(g), kg_free(n);
            return 0;
        }
        for (size_t i = 0; i < e->memo_cap; i++)
            if (e->memo_gen[i] == e->memo_call) {
                size_t at = (size_t)e->memo_keys[i] & (cap - 1);
                while (g[at] == e->memo_call) at = (at + 1) & (cap - 1);
                k[at] = e->memo_keys[i], g[at] = e->memo_call, n[at] = e->memo_count[i];
            }
        kg_free(e->memo_keys), kg_free(e->memo_gen), kg_free(e->memo_count);
        e->memo_keys = k, e->memo_gen = g, e->memo_count = n, e->memo_cap = cap;
    }
    size_t at = (size_t)h & (e->memo_cap - 1);
    for (; e->memo_gen[at] == e->memo_call; at = (at + 1) & (e->memo_cap - 1))
        if (e->memo_keys[at] == h) {
            if (e->memo_count[at] >= e->memo_visits[step]) return 1;
            e->memo_count[at]++;
            return 0;
        }
    e->memo_keys[at] = h, e->memo_gen[at] = e->memo_call, e->memo_count[at] = 1;
    e->memo_n++;
    return 0;
}

void rs_engine_join(Engine *e, size_t step)
{
    const Compiled *c = e->cr;
    const RsRule *r = c->rule;
    if (e->status != KG_OK) return;
    if (e->memo_live && step > 0 && step < r->n_body && memo_seen(e, step)) return;
    if ((++e->n_steps & 0xffff) == 0) {
        if (kg_interrupted()) {
            e->status = kg_error_set(e->err, KG_ERR_INTERRUPTED, "reasoning interrupted");
            return;
        }
        if (e->limits.deadline > 0 && rs_engine_check_limits(e, "reasoning") != KG_OK) return;
    }
    if (step == r->n_body) {
        if (e->answer) e->answer(e->answer_ctx, value_of(e, e->answer_term, e->answer_const));
        else emit(e);
        return;
    }
    size_t ai = e->plan[step];
    const RsAtom *a = &r->body[ai];
    const KgTermId *ids = c->body_ids[ai];
    RsFact key = {value_of(e, &a->t[0], ids[0]), value_of(e, &a->t[1], ids[1]),
                  value_of(e, &a->t[2], ids[2])};
    unsigned mask = (key.s ? 1u : 0) | (key.p ? 2u : 0) | (key.o ? 4u : 0);
    if (a->kind == RS_ATOM_FILTER) {
        int truth = c->fast[ai].n ? rs_fast_filter_test(e, &c->fast[ai]) : -1;
        if (truth >= 0) {
            if (truth) rs_engine_join(e, step + 1);
            return;
        }
        KgStatus s = kg_expr_test(c->exprs[ai], e->vals, &truth, e->err);
        if (s != KG_OK) e->status = s;
        else if (truth) rs_engine_join(e, step + 1);
        return;
    }
    if (a->kind == RS_ATOM_BIND) {
        KgTermId v = 0;
        KgStatus s = kg_expr_value(c->exprs[ai], e->vals, &v, e->err);
        if (s != KG_OK) {
            e->status = s;
        } else if (v) { /* an error leaves the variable unbound: nothing to derive */
            e->vals[a->bind_var] = v;
            e->bound[a->bind_var] = 1;
            rs_engine_join(e, step + 1);
            e->bound[a->bind_var] = 0;
            e->vals[a->bind_var] = 0;
        }
        return;
    }
    if (a->kind == RS_ATOM_NOT) {
        /* NOT [s, p, o]: no fact matches, its unbound variables standing for any term; a
         * constant the store does not hold matches nothing */
        int absent = 0;
        for (int k = 0; k < 3; k++) absent |= !a->t[k].is_var && !ids[k];
        uint32_t hit = RS_NO_FACT;
        if (!absent && mask == 7) {
            hit = rs_facts_find(&e->db, &key);
            if (hit != RS_NO_FACT && rs_facts_dead(&e->db, hit)) hit = RS_NO_FACT;
        } else if (!absent && mask == 0) {
            for (uint32_t f = 0; f < e->db.n && hit == RS_NO_FACT; f++)
                if (!rs_facts_dead(&e->db, f)) hit = f;
        } else if (!absent) {
            for (uint32_t f = rs_facts_first_match(&e->db, mask, &key); f != RS_NO_FACT && hit == RS_NO_FACT;
                 f = rs_facts_next_match(&e->db, mask, f))
                if (!rs_facts_dead(&e->db, f)) hit = f;
        }
        if (hit == RS_NO_FACT) rs_engine_join(e, step + 1);
        return;
    }
    if (ai == e->delta_atom && e->conf_delta) {
        /* a confidence pass: the delta atom reads the facts whose confidence rose */
        for (size_t i = 0; i < e->n_conf_delta && e->status == KG_OK; i++) {
            uint32_t f = e->conf_delta[i];
            const RsFact *x = &e->db.facts[f];
            if (!rs_facts_dead(&e->db, f) && (!(mask & 1) || x->s == key.s) && (!(mask & 2) || x->p == key.p) &&
                (!(mask & 4) || x->o == key.o))
                visit(e, a, ai, f, step);
        }
        return;
    }
    if (ai == e->delta_atom && mask == 2) {
        /* the delta's facts with this predicate: a run of the delta sorted by predicate */
        size_t lo = 0, hi = e->n_delta_sorted;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (e->db.facts[e->delta_sorted[mid]].p < key.p) lo = mid + 1;
            else hi = mid;
        }
        for (size_t i = lo; i < e->n_delta_sorted && e->status == KG_OK; i++) {
            uint32_t f = e->delta_sorted[i];
            if (e->db.facts[f].p != key.p) break;
            if (!rs_facts_dead(&e->db, f)) visit(e, a, ai, f, step);
        }
        return;
    }
    /* which facts this atom may read: delta, older than delta, or all up to the delta's end */
    uint32_t lo = 0, hi = e->delta_end;
    if (e->conf_delta) {
        /* a confidence pass: the other atoms read every fact */
    } else if (ai == e->delta_atom) {
        lo = e->delta_start;
    } else if (ai < e->delta_atom) {
        hi = e->delta_start;
    }
    if (lo >= hi) return;
    uint32_t f = mask == 0 ? hi - 1 : rs_facts_first_match(&e->db, mask, &key);
    for (; f != RS_NO_FACT && e->status == KG_OK;
         f = mask == 0 ? (f > lo ? f - 1 : RS_NO_FACT) : rs_facts_next_match(&e->db, mask, f)) {
        if (f >= hi) continue;
        if (f < lo) break; /* chains run from newest to oldest */
        if (rs_facts_dead(&e->db, f)) continue; /* rewritten by equality */
        visit(e, a, ai, f, step);
    }
}

/* ---------------------------------------------------------------- the fixpoint */

/* Reads every quad of the store as a fact (one per triple); graphs[f] is the first quad read as
 * fact f, asserted[f] whether any of its quads is asserted. */
KgStatus rs_engine_load_facts(Engine *e, KgQuad **graphs, uint8_t **asserted, KgError *err)
{
    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgStatus s = kg_match_new(e->store, &pat, KG_ASSERTED | KG_INFERRED, &it, err);
    if (s != KG_OK) return s;
    size_t cap = 0;
    unsigned mark;
    while ((s = kg_iter_next(it, &q, &mark, err)) == KG_OK) {
        RsFact f = {q.s, q.p, q.o};
        size_t before = e->db.n;
        if ((s = rs_engine_add_fact(e, &f, 0, NULL, 0, 1.0)) != KG_OK) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory loading the facts");
            break;
        }
        if (e->db.n > before) { /* remember the graph a premise came from */
            if (e->db.n > cap) {
                size_t nc = cap ? cap * 2 : 4096;
                KgQuad *ng = kg_realloc(*graphs, nc * sizeof *ng);
                uint8_t *na = kg_realloc(*asserted, nc);
                if (na) *asserted = na;
                if (ng) *graphs = ng;
                if (!ng || !na) {
                    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory loading the facts");
                    break;
                }
                cap = nc;
            }
            (*graphs)[e->db.n - 1] = q;
            (*asserted)[e->db.n - 1] = (mark & KG_ASSERTED) != 0;
        } else if (mark & KG_ASSERTED) { /* asserted in one graph, inferred in another */
            (*asserted)[rs_facts_find(&e->db, &f)] = 1;
        }
    }
    kg_iter_free(it);
    return s == KG_DONE ? KG_OK : s;
}

static int cmp_u32(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* The facts from lo to hi grouped by predicate, in ascending predicate order, for delta atoms
 * with only their predicate bound: they read their predicate's run instead of an index kept on
 * every fact. A bucket sort: a round's facts have few predicates. */
static KgStatus sort_delta(Engine *e, uint32_t lo, uint32_t hi)
{
    size_t n = hi - lo;
    if (n > e->cap_delta_sorted &&
        !grow_array((void **)&e->delta_sorted, &e->cap_delta_sorted, n, sizeof *e->delta_sorted))
        return kg_error_set(e->err, KG_ERR_NOMEM, "out of memory reasoning");
    e->n_delta_sorted = n;
    /* the distinct predicates (open addressing), their counts, then their places */
    size_t cap = 64;
    while (cap < 2 * n) cap *= 2;
    if (cap > 4096) cap = 4096;
    KgTermId *preds = NULL;
    size_t *count = NULL, n_preds = 0;
    for (;;) {
        preds = kg_calloc(cap, sizeof *preds);
        count = kg_calloc(cap, sizeof *count);
        if (!preds || !count) {
            kg_free(preds);
            kg_free(count);
            return kg_error_set(e->err, KG_ERR_NOMEM, "out of memory reasoning");
        }
        n_preds = 0;
        size_t i = lo;
        for (; i < hi; i++) {
            KgTermId p = e->db.facts[i].p;
            size_t j = (size_t)(p * 0x9e3779b97f4a7c15ULL >> 40) & (cap - 1);
            while (preds[j] && preds[j] != p) j = (j + 1) & (cap - 1);
            if (!preds[j]) {
                if (2 * (n_preds + 1) > cap) break;
                preds[j] = p, n_preds++;
            }
            count[j]++;
        }
        if (i == hi) break;
        kg_free(preds);
        kg_free(count);
        cap *= 2;
    }
    /* places in ascending predicate order */
    size_t *order = kg_malloc((n_preds ? n_preds : 1) * sizeof *order), m = 0;
    if (!order) {
        kg_free(preds);
        kg_free(count);
        return kg_error_set(e->err, KG_ERR_NOMEM, "out of memory reasoning");
    }
    for (size_t j = 0; j < cap; j++)
        if (preds[j]) order[m++] = j;
    for (size_t x = 1; x < m; x++) /* insertion sort: few predicates */
        for (size_t y = x; y > 0 && preds[order[y - 1]] > preds[order[y]]; y--) {
            size_t t = order[y];
            order[y] = order[y - 1];
            order[y - 1] = t;
        }
    size_t at = 0;
    for (size_t x = 0; x < m; x++) {
        size_t c = count[order[x]];
        count[order[x]] = at;
        at += c;
    }
    for (uint32_t i = lo; i < hi; i++) {
        KgTermId p = e->db.facts[i].p;
        size_t j = (size_t)(p * 0x9e3779b97f4a7c15ULL >> 40) & (cap - 1);
        while (preds[j] != p) j = (j + 1) & (cap - 1);
        e->delta_sorted[count[j]++] = i;
    }
    kg_free(order);
    kg_free(preds);
    kg_free(count);
    return KG_OK;
}

/* One pass of stratum's rules with each positive atom in turn reading only facts of `delta`. */
static void run_rules(Engine *e, int stratum)
{
    for (size_t i = 0; i < e->prog->n_rules && e->status == KG_OK; i++) {
        const Compiled *c = &e->rules[i];
        if (c->rule->stratum != stratum || c->body_absent || c->skipped) continue;
        e->cr = c;
        for (size_t d = 0; d < c->n_pos && e->status == KG_OK; d++) {
            e->delta_atom = c->pos_atoms[d];
            e->plan = c->plans + d * c->rule->n_body;
            memset(e->bound, 0, sizeof e->bound);
            memset(e->vals, 0, sizeof e->vals);
            rs_engine_join(e, 0);
        }
    }
}

/* Max over proofs, product along a proof: a fact whose confidence rose after facts were
 * derived from it hands the rise on. Each pass re-runs the stratum's rules with one atom
 * reading only the facts that improved (no new fact can appear: the stratum is at its
 * fixpoint); a confidence only rises to the product of a proof without cycles (a cycle
 * multiplies by weights <= 1), so the passes end. */
static KgStatus propagate_confidence(Engine *e, int stratum)
{
    while (e->n_better && e->status == KG_OK) {
        /* this pass's delta: the facts that rose since the last (once each) */
        uint32_t *delta = e->better;
        size_t n = e->n_better;
        e->better = NULL;
        e->n_better = e->cap_better = 0;
        qsort(delta, n, sizeof *delta, cmp_u32);
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (!m || delta[m - 1] != delta[i]) delta[m++] = delta[i];
        e->conf_delta = delta;
        e->n_conf_delta = m;
        e->delta_start = 0;
        e->delta_end = (uint32_t)e->db.n;
        run_rules(e, stratum);
        e->conf_delta = NULL;
        e->n_conf_delta = 0;
        kg_free(delta);
        if (e->status == KG_OK) e->status = flush_pending(e);
    }
    return e->status;
}

/* Runs the rules of one stratum to a fixpoint, the facts from `*from` on being new to them
 * (all facts the first time); *from is then where the stratum's fixpoint ends. With equality
 * on, the owl:sameAs facts of each round are merged before the next, and *merged counts the
 * terms merged. */
typedef struct {
    Engine *e;
    const uint8_t *asserted;
} Uncertain;

/* An inferred triple of the store with a confidence below 1: the loaded fact gets it, unless
 * the triple is also asserted. */
static KgStatus set_loaded_confidence(void *ctx, const KgQuad *q, double confidence)
{
    Uncertain *u = ctx;
    RsFact f = {q->s, q->p, q->o};
    uint32_t i = rs_facts_find(&u->e->db, &f);
    if (i != RS_NO_FACT && i < u->e->n_loaded && !u->asserted[i] && confidence < u->e->conf[i])
        u->e->conf[i] = confidence;
    return KG_OK;
}

static KgStatus run_stratum(Engine *e, int stratum, const RsOptions *opt, unsigned *round,
                            uint32_t *from, size_t *merged)
{
    uint32_t lo = *from, hi = (uint32_t)e->db.n;
    while (lo < hi) {
        if (kg_interrupted())
            return e->status = kg_error_set(e->err, KG_ERR_INTERRUPTED, "reasoning interrupted");
        if (rs_engine_check_limits(e, "reasoning") != KG_OK) return e->status;
        e->delta_start = lo;
        e->delta_end = hi;
        if ((e->status = sort_delta(e, lo, hi)) != KG_OK) return e->status;
        run_rules(e, stratum);
        if (e->status != KG_OK || (e->status = flush_pending(e)) != KG_OK) return e->status;
        if (e->eq) {
            size_t n = 0;
            if (rs_eq_merge(e, &n) != KG_OK)
                return e->status = kg_error_set(e->err, KG_ERR_NOMEM, "out of memory merging equal terms");
            *merged += n;
        }
        ++*round;
        if (opt && opt->progress) opt->progress(opt->progress_ctx, *round, e->db.n);
        lo = hi;
        hi = (uint32_t)e->db.n;
    }
    *from = hi;
    return propagate_confidence(e, stratum);
}

/* The inconsistencies found (asserted ones too): live facts whose predicate is
 * RS_INCONSISTENT, newest first. */
static void find_inconsistencies(Engine *e, RsStats *st)
{
    KgTermId p;
    if (kg_dict_lookup_iri(e->store, RS_INCONSISTENT, &p, NULL) != KG_OK) return;
    for (size_t f = e->db.n; f-- > 0;) {
        const RsFact *x = &e->db.facts[f];
        if (x->p != p || rs_facts_dead(&e->db, (uint32_t)f)) continue;
        if (st->n_inconsistent < sizeof st->inconsistent / sizeof st->inconsistent[0])
            st->inconsistent[st->n_inconsistent] = (KgQuad){x->s, x->p, x->o, KG_DEFAULT_GRAPH};
        st->n_inconsistent++;
    }
}

KgStatus rs_reason(KgStore *store, RsProgram *p, const RsOptions *opt, RsStats *stats,
                   KgError *err)
{
    Engine e = {.store = store, .prog = p, .err = err};
    RsStats st = {0};
    double t0 = kg_now();
    rs_limits_start(&e.limits, opt, t0);
    /* a caller that opened the store's transaction (to reason and write more in one command)
     * commits or rolls back itself */
    int own_transaction = !kg_store_in_transaction(store);
    KgStatus s = own_transaction ? kg_store_begin(store, err) : KG_OK;
    if (s != KG_OK) return s;
    e.rules = kg_calloc(p->n_rules ? p->n_rules : 1, sizeof *e.rules);
    e.per_rule = kg_calloc(p->n_rules ? p->n_rules : 1, sizeof *e.per_rule);
    if (!e.rules || !e.per_rule) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    /* owl:sameAs by representatives, unless asked to apply the profile's equality rules */
    int native_equality = 0;
    for (size_t i = 0; i < p->n_rules; i++) native_equality |= p->rules[i].equality_axiom;
    if (opt && opt->equality_rules) native_equality = 0;
    if (native_equality) KG_TRY(s, rs_eq_start(&e, err));
    for (size_t i = 0; i < p->n_rules; i++) KG_TRY(s, rs_engine_compile_heads(&e, &p->rules[i], &e.rules[i], 1, err));
    for (size_t i = 0; i < p->n_rules; i++) {
        e.rules[i].skipped = native_equality && p->rules[i].equality_axiom;
        if ((s = rs_engine_compile_rule(&e, &p->rules[i], &e.rules[i], err)) == KG_OK && !e.rules[i].skipped &&
            enable_indexes(&e, &e.rules[i]) != KG_OK)
            s = KG_ERR_NOMEM;
        if (s != KG_OK) {
            if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory compiling the rules");
            goto out;
        }
    }
    uint8_t *asserted = NULL;
    s = rs_engine_load_facts(&e, &e.graphs, &asserted, err);
    e.n_loaded = e.db.n;
    /* what weighted rules concluded before keeps its confidence (unless also asserted) */
    Uncertain u = {&e, asserted};
    if (s == KG_OK) s = kg_derivation_each_uncertain(store, set_loaded_confidence, &u, err);
    kg_free(asserted);
    if (s != KG_OK) goto out;
    st.n_facts = e.n_loaded;
    double t1 = kg_now();
    st.seconds_load = t1 - t0;
    /* each stratum from where it last reached its fixpoint; equality merged by a higher
     * stratum can make a lower one's rules match again, so then the strata run once more */
    uint32_t *from = kg_calloc((size_t)p->n_strata + 1, sizeof *from);
    if (!from) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t merged = 0;
    if (e.eq && rs_eq_merge(&e, &merged) != KG_OK)
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory merging equal terms");
    for (int again = 1; again && s == KG_OK;) {
        again = 0;
        for (int k = 0; k < p->n_strata && s == KG_OK; k++) {
            size_t before = merged;
            s = run_stratum(&e, k, opt, &st.n_rounds, &from[k], &merged);
            if (merged > before && k > 0) again = 1;
        }
    }
    kg_free(from);
    if (s != KG_OK) goto out;
    double t2 = kg_now();
    st.seconds_reason = t2 - t1;
    st.n_derived = e.db.n - e.n_loaded;
    if (e.eq) {
        RsEqCounts ec;
        rs_eq_counts(&e, &ec);
        st.n_same_terms = ec.n_terms;
        st.n_same_classes = ec.n_classes;
        st.n_rewritten = ec.n_rewritten;
    }
    find_inconsistencies(&e, &st);
    KG_TRY(s, rs_write_back(&e, &st.n_written, err));
    if (own_transaction) KG_TRY(s, kg_store_commit(store, err));
    st.seconds_write = kg_now() - t2;
out:
    if (s != KG_OK && own_transaction) kg_store_rollback(store);
    rs_engine_release(&e);
    if (s == KG_OK && stats) {
        st.per_rule = e.per_rule;
        st.n_rules = p->n_rules;
        *stats = st;
    } else {
        kg_free(e.per_rule);
    }
    return s;
}
