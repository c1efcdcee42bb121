/* reasoner/query.c: goal-directed answers (rs.h: RsQuerier). The engine's compiled rules and
 * join (engine.c) run from one bound head position, deriving nothing: what rule i concludes
 * about x, for rule-based link prediction, where a query (x, p, ?) needs only the derivations
 * about x, not the closure. Each rule has a join order per head position (subject, object)
 * that starts from the atoms the bound variable reaches; a join step whose live variables
 * were explored already in the call is skipped (Engine.memo_*), and a grounding's variables
 * stand for different entities (object identity). */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

struct RsQuerier {
    Engine e;
    size_t *plans; /* per rule: 2 plans of n_body atoms (head subject bound, head object bound) */
    size_t *plan_at; /* per rule: where its plans start */
    uint64_t *live;  /* per plan step (same layout as plans): the live variables there */
    uint8_t *visits; /* per plan step: how many times one state of its live variables is explored */
    int *usable;   /* per rule: one plain triple head and only triple atoms in the body */
};

void rs_querier_free(RsQuerier *q)
{
    if (!q) return;
    rs_engine_release(&q->e);
    kg_free(q->e.per_rule);
    kg_free(q->plans), kg_free(q->plan_at), kg_free(q->usable), kg_free(q->live), kg_free(q->visits);
    kg_free(q);
}

KgStatus rs_querier_open(KgStore *store, RsProgram *p, RsQuerier **out, KgError *err)
{
    *out = NULL;
    RsQuerier *q = kg_calloc(1, sizeof *q);
    if (!q) return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    Engine *e = &q->e;
    e->store = store, e->prog = p, e->err = err;
    size_t n = p->n_rules ? p->n_rules : 1;
    e->rules = kg_calloc(n, sizeof *e->rules);
    e->per_rule = kg_calloc(n, sizeof *e->per_rule);
    q->usable = kg_calloc(n, sizeof *q->usable);
    q->plan_at = kg_calloc(n, sizeof *q->plan_at);
    size_t total = 0;
    for (size_t i = 0; i < p->n_rules; i++) total += 2 * p->rules[i].n_body;
    q->plans = kg_calloc(total ? total : 1, sizeof *q->plans);
    q->live = kg_calloc(total ? total : 1, sizeof *q->live);
    q->visits = kg_calloc(total ? total : 1, sizeof *q->visits);
    KgStatus s = KG_OK;
    if (!e->rules || !e->per_rule || !q->usable || !q->plans || !q->plan_at || !q->live || !q->visits) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (unsigned mask = 1; mask <= 6 && s == KG_OK; mask++)
        if (rs_facts_enable(&e->db, mask) != KG_OK) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < p->n_rules && s == KG_OK; i++) {
        const RsRule *r = &p->rules[i];
        if ((s = rs_engine_compile_heads(e, r, &e->rules[i], 0, err)) != KG_OK) break;
        if ((s = rs_engine_compile_rule(e, r, &e->rules[i], err)) != KG_OK) {
            if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory compiling the rules");
            break;
        }
        int usable = r->n_heads == 1 && !e->rules[i].body_absent;
        for (size_t k = 0; k < r->n_body; k++) usable &= r->body[k].kind == RS_ATOM_TRIPLE;
        q->usable[i] = usable;
        q->plan_at[i] = at;
        for (int pos = 0; pos < 2; pos++, at += r->n_body) {
            const RsTerm *h = &r->heads[0][pos ? 2 : 0];
            int bound[256] = {0};
            char used[MAX_BODY] = {0};
            if (h->is_var) bound[h->var] = 1;
            rs_engine_order_rest(&e->rules[i], bound, used, q->plans + at, 0);
            /* live at step k: bound before k and read at k or later, or the answer */
            const RsTerm *ans = &r->heads[0][pos ? 0 : 2];
            for (size_t k = 0; k < r->n_body && r->n_vars <= 64; k++) {
                uint64_t before = 0, later = 0;
                if (h->is_var) before |= 1ULL << h->var;
                for (size_t j = 0; j < r->n_body; j++)
                    for (int t = 0; t < 3; t++) {
                        const RsTerm *x = &r->body[q->plans[at + j]].t[t];
                        if (!x->is_var) continue;
                        if (j < k) before |= 1ULL << x->var;
                        else later |= 1ULL << x->var;
                    }
                if (ans->is_var) later |= 1ULL << ans->var;
                q->live[at + k] = before & later;
                /* a state is explored once per value of the variables bound before and no
                 * longer read (the head's aside: it is fixed), which object identity still
                 * compares with: exact for one such variable, as in a path X-A-B-Y */
                uint64_t gone = before & ~later & ~(h->is_var ? 1ULL << h->var : 0);
                int n_gone = __builtin_popcountll(gone);
                q->visits[at + k] = (uint8_t)(1 + (n_gone < 3 ? n_gone : 3));
            }
        }
    }
    if (s != KG_OK) goto out;
    uint8_t *asserted = NULL;
    s = rs_engine_load_facts(e, &e->graphs, &asserted, err);
    kg_free(asserted);
    e->n_loaded = e->db.n;
    e->err = NULL; /* each call names its own */
out:
    if (s != KG_OK) {
        rs_querier_free(q);
        return s;
    }
    *out = q;
    return KG_OK;
}

KgStatus rs_querier_answers(RsQuerier *q, size_t rule, int bound_object, KgTermId x,
                            void (*fn)(void *ctx, KgTermId value), void *ctx, KgError *err)
{
    Engine *e = &q->e;
    e->err = err;
    if (rule >= e->prog->n_rules || !q->usable[rule]) return KG_OK;
    const Compiled *c = &e->rules[rule];
    const RsRule *r = c->rule;
    const RsTerm *h = &r->heads[0][bound_object ? 2 : 0];
    int k_other = bound_object ? 0 : 2;
    size_t at = q->plan_at[rule];
    if (!h->is_var && c->head_ids[0][bound_object ? 2 : 0] != x) return KG_OK; /* a constant that is not x */
    e->cr = c;
    e->plan = q->plans + at + (bound_object ? r->n_body : 0);
    e->delta_atom = SIZE_MAX;
    e->conf_delta = NULL;
    e->delta_start = e->delta_end = (uint32_t)e->db.n;
    e->answer = fn, e->answer_ctx = ctx;
    e->answer_term = &r->heads[0][k_other], e->answer_const = c->head_ids[0][k_other];
    e->status = KG_OK;
    e->memo_live = r->n_vars <= 64 ? q->live + at + (bound_object ? r->n_body : 0) : NULL;
    e->memo_visits = q->visits + at + (bound_object ? r->n_body : 0);
    if (++e->memo_call == 0) { /* wrapped: forget every state */
        if (e->memo_gen) memset(e->memo_gen, 0, e->memo_cap * sizeof *e->memo_gen);
        e->memo_call = 1;
    }
    e->memo_n = 0;
    if (h->is_var) e->vals[h->var] = x, e->bound[h->var] = 1;
    rs_engine_join(e, 0);
    e->memo_live = NULL;
    if (h->is_var) e->vals[h->var] = 0, e->bound[h->var] = 0;
    e->answer = NULL;
    return e->status;
}


KgTermId rs_querier_predicate(const RsQuerier *q, size_t rule)
{
    const Engine *e = &q->e;
    if (rule >= e->prog->n_rules || !q->usable[rule]) return 0;
    return e->rules[rule].head_ids[0][1];
}

int rs_querier_holds(const RsQuerier *q, KgTermId s, KgTermId p, KgTermId o)
{
    RsFact f = {s, p, o};
    return rs_facts_find(&q->e.db, &f) != RS_NO_FACT;
}

/* A grounding wanted: the first match whose answer is `want`, its premises copied. */
typedef struct {
    const Engine *e;
    KgTermId want;
    KgTermId (*body)[3];
    size_t cap, n;
    int found;
} Grounding;

static void on_grounding(void *ctx, KgTermId value)
{
    Grounding *g = ctx;
    if (g->found || value != g->want) return;
    const RsRule *r = g->e->cr->rule;
    g->found = 1;
    for (size_t ai = 0; ai < r->n_body && g->n < g->cap; ai++) {
        if (r->body[ai].kind != RS_ATOM_TRIPLE) continue;
        const RsFact *f = &g->e->db.facts[g->e->premise[ai]];
        g->body[g->n][0] = f->s, g->body[g->n][1] = f->p, g->body[g->n][2] = f->o;
        g->n++;
    }
}

KgStatus rs_querier_grounding(RsQuerier *q, size_t rule, KgTermId s, KgTermId o, KgTermId (*body)[3],
                              size_t cap, size_t *n, int *found, KgError *err)
{
    Grounding g = {&q->e, o, body, cap, 0, 0};
    KgStatus st = rs_querier_answers(q, rule, 0, s, on_grounding, &g, err);
    *n = g.n, *found = g.found;
    return st;
}
