/* reasoner/update.c: incremental maintenance (rs_update, rs_update_program). A store closed
 * under a program gets asserted triples added and retracted (or rules added and dropped), and
 * its inferred triples are brought to what reasoning from scratch would give, without starting
 * over: delete/rederive (DRed, Gupta, Mumick and Subrahmanian 1993), stratum by stratum for
 * negation, with confidences (the max over derivations of the rule's weight times its
 * premises').
 *
 * Unlike rs_reason, nothing is loaded: rule bodies are joined against the store's own indexes
 * (kg_match), seen through an overlay of the changes made so far (the entries of `Up`), so an
 * update costs what the change touches, not what the store holds. The store is written only
 * at the end, so "the old state" is the store itself.
 *
 * For each stratum k (rules R_k), with D the triples deleted so far and I those added (or
 * whose confidence rose):
 *   1. overdelete: a head of an R_k instance, true in the old state, that uses a triple of D
 *      in a positive atom, or a triple of I (new) in a NOT atom, is deleted when that instance
 *      takes its recorded derivation away, and so on from what that deletes (unless it stays
 *      asserted). The recorded derivation is a triple's best, and the recorded derivations
 *      form proofs acyclic down to asserted triples: a triple whose recorded proof loses
 *      nothing keeps its support and its confidence, so plain DRed's other deletions would
 *      all be derived again;
 *   2. rederive: each deleted triple is derived again, goal-directed, from what is left by the
 *      rules of strata <= k, taking the best confidence over its derivations;
 *   3. insert: every head of an R_k instance that uses a triple of I in a positive atom or a
 *      triple of D (final) in a NOT atom, over the new state, is added or raised to the better
 *      confidence, and so on.
 * With every weight 1, what step 2 derives again is not passed on by step 3: a goal of step 2
 * that passed over deleted triples waits for them instead (s_wake). Facts of a stratum only
 * feed rules of the same or higher strata (rs_stratify), so a stratum never needs to be
 * looked at again. owl:sameAs is handled by the profile's equality rules (the same triples as
 * rs_reason's representatives). */
#include "engine.h"
#include "store_view.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- the overlay */

/* A deleted triple (blocker) a goal of step 2 (waiter) passed over. */
typedef struct Wait {
    uint32_t blocker, waiter;
} Wait;

/* A body atom of the program: its rule and index, by its constant predicate (0: a variable). */
typedef struct AtomRef {
    KgTermId predicate;
    uint32_t rule, atom;
} AtomRef;

typedef struct Join Join;

/* What an overdeleted grounding lost: a positive premise, a NOT atom's truth, its rule. */
enum { SEED_PREMISE, SEED_NOT, SEED_RULE };

enum { ST_NONE, ST_DEL, ST_ADD }; /* ST_NONE: only cached facts about a store triple */

typedef struct {
    RsFact f;
    uint8_t state;
    uint8_t known;        /* in_old, asserted_old and asserted_new were read from the store */
    uint8_t in_old;       /* the store held the triple (some quad, any mark) */
    uint8_t inferred_old; /* ... as an inferred default-graph quad */
    uint8_t asserted_old; /* ... asserted in some graph */
    uint8_t asserted_new; /* asserted after the change */
    uint8_t overdeleted;  /* deleted at some point of this update (step 1) */
    uint8_t conf_known;   /* conf read from the store (an inferred triple's derivation) */
    uint8_t added;        /* one of the quads asserted by this update */
    uint8_t chained;      /* in the lookups of added triples (chain_added) */
    int checked;          /* the strata up to which step 2 looked for it (-1: none) */
    double conf;          /* ST_ADD: the new confidence; else the store's, once conf_known */
    uint32_t rule_plus1;  /* ST_ADD: the derivation kept: rule + 1 (0: asserted) */
    uint32_t prem_at, n_prem;
    uint32_t next_s, next_p, next_o; /* chains of the added triples by subject, predicate, object */
} Entry;

#define NO_ENTRY UINT32_MAX

typedef struct {
    KgStore *store;
    RsProgram *prog;
    Engine eng;        /* only to compile the rules (rs_engine_compile_*) */
    Compiled *rules;
    KgError *err;
    KgStatus status;
    Entry *e;
    size_t n, cap;
    uint32_t *slots;   /* open addressing over the entries by triple */
    size_t n_slots;
    /* chains of ST_ADD entries that the store did not hold, by term: small hash heads */
    uint32_t *head_s, *head_p, *head_o;
    size_t n_heads;
    RsFact *prems;
    size_t n_prems, cap_prems;
    uint32_t *queue;   /* entries to propagate */
    size_t q_head, q_n, q_cap;
    KgQuad *retract; /* the quads retracted, sorted */
    size_t n_retract;
    RsUpdateStats *st;
    uint64_t n_steps;
    struct Join *join; /* run_from's */
    /* a change of program: rules dropped (compiled against the old program), and which rules
     * of the program are new */
    Compiled *dropped;
    size_t n_dropped;
    const uint8_t *new_rules;
    int unit_weights; /* every rule of the program has weight 1 */
    StoreView *view; /* the store as the update found it, read once */
    KgQuad *added;   /* the quads asserted, sorted, without repeats */
    size_t n_added;
    SvQuad *held;    /* held_quads' */
    size_t cap_held;
    /* step 2 with unit weights: a goal that passed over a deleted triple waits for it */
    struct Wait *waits;
    size_t n_waits, cap_waits;
    /* limits (RsOptions.max_derived, timeout), and the triples new to the store per rule */
    RsLimits limits;
    uint64_t *new_per_rule;
    /* step 2's join order per rule and head (the head's variables bound first):
     * goal_plans[goal_plan_at[i] + h * n_body ..] */
    size_t *goal_plans, *goal_plan_at;
    /* body atoms by predicate (index_atoms): [0] positive, [1] NOT */
    struct AtomRef *atoms[2];
    size_t n_atoms[2];
} Up;

static uint64_t hash_fact(const RsFact *f)
{
    uint64_t h = f->s * 0x9e3779b97f4a7c15ULL;
    h ^= (f->p + 0x632be59bd9b4e019ULL) * 0xbf58476d1ce4e5b9ULL;
    h ^= (f->o + 0x94d049bb133111ebULL) * 0xff51afd7ed558ccdULL;
    return h ^ (h >> 31);
}

static uint32_t find(const Up *u, const RsFact *f)
{
    if (!u->n_slots) return NO_ENTRY;
    for (size_t i = hash_fact(f) & (u->n_slots - 1);; i = (i + 1) & (u->n_slots - 1)) {
        uint32_t x = u->slots[i];
        if (x == NO_ENTRY) return NO_ENTRY;
        const RsFact *g = &u->e[x].f;
        if (g->s == f->s && g->p == f->p && g->o == f->o) return x;
    }
}

static KgStatus nomem(Up *u) { return u->status = kg_error_set(u->err, KG_ERR_NOMEM, "out of memory updating"); }

static size_t term_slot(const Up *u, KgTermId t) { return (size_t)((t * 0x9e3779b97f4a7c15ULL) >> 20) & (u->n_heads - 1); }

/* The entry of triple f, made (ST_NONE, nothing known) when absent; NO_ENTRY when out of memory. */
static uint32_t entry(Up *u, const RsFact *f)
{
    uint32_t x = find(u, f);
    if (x != NO_ENTRY) return x;
    if (2 * (u->n + 1) > u->n_slots) {
        size_t n_slots = u->n_slots ? 2 * u->n_slots : 1024;
        uint32_t *slots = kg_malloc(n_slots * sizeof *slots);
        if (!slots) return nomem(u), NO_ENTRY;
        memset(slots, 0xff, n_slots * sizeof *slots);
        for (uint32_t i = 0; i < u->n; i++) {
            size_t at = hash_fact(&u->e[i].f) & (n_slots - 1);
            while (slots[at] != NO_ENTRY) at = (at + 1) & (n_slots - 1);
            slots[at] = i;
        }
        kg_free(u->slots);
        u->slots = slots, u->n_slots = n_slots;
    }
    if (u->n == u->cap) {
        size_t cap = u->cap ? 2 * u->cap : 256;
        Entry *grown = kg_realloc(u->e, cap * sizeof *grown);
        if (!grown) return nomem(u), NO_ENTRY;
        u->e = grown, u->cap = cap;
    }
    x = (uint32_t)u->n++;
    u->e[x] = (Entry){.f = *f, .checked = -1, .next_s = NO_ENTRY, .next_p = NO_ENTRY, .next_o = NO_ENTRY};
    size_t at = hash_fact(f) & (u->n_slots - 1);
    while (u->slots[at] != NO_ENTRY) at = (at + 1) & (u->n_slots - 1);
    u->slots[at] = x;
    return x;
}

static int compare_quad(const void *x, const void *y)
{
    const KgQuad *a = x, *b = y;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->o != b->o) return a->o < b->o ? -1 : 1;
    return (a->g > b->g) - (a->g < b->g);
}

/* Whether quad q matches pattern key (0: any). */
static int matches(const RsFact *key, const KgQuad *q)
{
    return (!key->s || key->s == q->s) && (!key->p || key->p == q->p) && (!key->o || key->o == q->o);
}

/* Whether quad q is one of those being retracted (u->retract is sorted: this runs for every
 * quad read of a triple the update looks at). */
static int retracted(const Up *u, const KgQuad *q)
{
    return u->n_retract && bsearch(q, u->retract, u->n_retract, sizeof *q, compare_quad) != NULL;
}

/* The quads of triple f the store held (any graph, with their marks), in u->held: valid until
 * the next call. */
static KgStatus held_quads(Up *u, const RsFact *f, size_t *n)
{
    *n = 0;
    size_t at, n_cand;
    int cached = 0;
    KgStatus s = sv_candidates(u->view, f, &at, &n_cand, &cached, u->err);
    if (s != KG_OK) return u->status = s;
    KgIter *it = NULL;
    if (!cached && (s = kg_match_new(u->store, &(KgQuad){f->s, f->p, f->o, KG_ANY_GRAPH}, KG_ASSERTED | KG_INFERRED, &it,
                                     u->err)) != KG_OK)
        return u->status = s;
    for (size_t i = 0; s == KG_OK; i++) {
        SvQuad q;
        if (cached) {
            if (i == n_cand) break;
            q = sv_quad(u->view, at + i);
            if (!matches(f, &q.q)) continue;
        } else if ((s = kg_iter_next(it, &q.q, &q.mark, u->err)) != KG_OK) {
            break;
        }
        if (*n == u->cap_held) {
            size_t cap = u->cap_held ? 2 * u->cap_held : 16;
            SvQuad *grown = kg_realloc(u->held, cap * sizeof *grown);
            if (!grown) {
                s = nomem(u);
                break;
            }
            u->held = grown, u->cap_held = cap;
        }
        u->held[(*n)++] = q;
    }
    kg_iter_free(it);
    if (s == KG_DONE) s = KG_OK;
    return s == KG_OK ? KG_OK : (u->status = s);
}

/* Reads from the store whether entry x's triple is held, asserted before and after. */
static KgStatus know(Up *u, uint32_t x)
{
    if (u->e[x].known) return KG_OK;
    RsFact f = u->e[x].f;
    size_t n;
    KgStatus s = held_quads(u, &f, &n);
    if (s != KG_OK) return s;
    int a_old = 0, a_new = 0, inferred = 0;
    for (size_t i = 0; i < n; i++) {
        if (u->held[i].q.g == KG_DEFAULT_GRAPH && (u->held[i].mark & KG_INFERRED)) inferred = 1;
        if (u->held[i].mark & KG_ASSERTED) {
            a_old = 1;
            if (!retracted(u, &u->held[i].q)) a_new = 1;
        }
    }
    Entry *en = &u->e[x];
    en->in_old = n > 0, en->asserted_old = (uint8_t)a_old, en->inferred_old = (uint8_t)inferred;
    en->asserted_new = (uint8_t)(en->asserted_new | a_new);
    en->known = 1;
    return KG_OK;
}

/* The confidence of triple f in the new state (present there): 1 when asserted, else its
 * derivation's (the overlay's, or the store's recorded one). */
static double conf_of(Up *u, const RsFact *f)
{
    if (u->unit_weights) return 1; /* every derivation's, and so every triple's */
    uint32_t x = entry(u, f);
    if (x == NO_ENTRY || know(u, x) != KG_OK) return 0;
    Entry *en = &u->e[x];
    if (en->asserted_new) return 1;
    if (en->state == ST_ADD) return en->conf;
    if (!en->conf_known) {
        SvRecorded d;
        int found = 0;
        KgStatus s = sv_recorded(u->view, f, &d, &found, u->err);
        if (s != KG_OK) return u->status = s, 0;
        en = &u->e[x];
        en->conf = found ? d.confidence : 1;
        en->conf_known = 1;
    }
    return en->conf;
}

/* Chains an entry the store did not hold into the lookups of added triples. */
static KgStatus chain_added(Up *u, uint32_t x)
{
    if (!u->n_heads) {
        u->n_heads = 4096;
        u->head_s = kg_malloc(u->n_heads * sizeof *u->head_s);
        u->head_p = kg_malloc(u->n_heads * sizeof *u->head_p);
        u->head_o = kg_malloc(u->n_heads * sizeof *u->head_o);
        if (!u->head_s || !u->head_p || !u->head_o) return nomem(u);
        memset(u->head_s, 0xff, u->n_heads * sizeof *u->head_s);
        memset(u->head_p, 0xff, u->n_heads * sizeof *u->head_p);
        memset(u->head_o, 0xff, u->n_heads * sizeof *u->head_o);
    }
    Entry *en = &u->e[x];
    if (en->chained) return KG_OK;
    en->chained = 1;
    size_t a = term_slot(u, en->f.s), b = term_slot(u, en->f.p), c = term_slot(u, en->f.o);
    en->next_s = u->head_s[a], u->head_s[a] = x;
    en->next_p = u->head_p[b], u->head_p[b] = x;
    en->next_o = u->head_o[c], u->head_o[c] = x;
    return KG_OK;
}

static KgStatus push(Up *u, uint32_t x)
{
    if (u->q_n == u->q_cap) {
        size_t cap = u->q_cap ? 2 * u->q_cap : 256;
        uint32_t *grown = kg_realloc(u->queue, cap * sizeof *grown);
        if (!grown) return nomem(u);
        u->queue = grown, u->q_cap = cap;
    }
    u->queue[u->q_n++] = x;
    return KG_OK;
}

/* ---------------------------------------------------------------- joins over the store */

enum { VIEW_OLD, VIEW_NEW }; /* the store before the update; the store with the overlay */

struct Join {
    Up *u;
    const Compiled *c;
    const size_t *plan;     /* the join order: a rule's own for its delta atom, or plan_buf */
    size_t plan_buf[MAX_BODY];
    int view;
    KgTermId vals[256];
    int bound[256];
    RsFact prem[MAX_BODY];
    void (*found)(Join *j); /* a grounding of the whole body */
    const RsFact *goal;     /* rederive: the head wanted (found checks the heads against it) */
    double best;            /* rederive: the best confidence found */
    int done;               /* rederive: nothing can beat best; stop */
    uint32_t goal_entry;    /* rederive: the goal's entry (NO_ENTRY otherwise) */
    int seed_kind;          /* overdelete: what the grounding lost (SEED_*) */
    uint32_t best_rule_plus1;
    RsFact best_prem[MAX_BODY];
    size_t best_n_prem;
};

static KgTermId value_of(const Join *j, const RsTerm *t, KgTermId constant)
{
    return t->is_var ? (j->bound[t->var] ? j->vals[t->var] : 0) : constant;
}

static void join(Join *j, size_t step);

/* Binds atom a's variables to triple f (when its bound ones agree) and joins on. */
static void visit(Join *j, const RsAtom *a, size_t ai, const RsFact *f, size_t step)
{
    const KgTermId got[3] = {f->s, f->p, f->o};
    int newly[3] = {0, 0, 0}, ok = 1;
    for (int k = 0; k < 3 && ok; k++) {
        const RsTerm *t = &a->t[k];
        if (!t->is_var) continue;
        if (j->bound[t->var]) {
            ok = j->vals[t->var] == got[k];
        } else {
            j->vals[t->var] = got[k];
            j->bound[t->var] = 1;
            newly[k] = 1;
        }
    }
    if (ok) {
        j->prem[ai] = *f;
        join(j, step + 1);
    }
    for (int k = 0; k < 3; k++)
        if (newly[k]) j->bound[a->t[k].var] = 0, j->vals[a->t[k].var] = 0;
}

/* Whether entry x's triple is present in the new state. */
static int present_new(Up *u, uint32_t x)
{
    const Entry *en = &u->e[x];
    if (en->state == ST_DEL) return 0;
    if (en->state == ST_ADD) return 1;
    return en->in_old;
}

/* Calls back (visit, or counts for NOT) each triple matching key (0: any) in the view. */
typedef struct {
    int stop_at_first;
    int n_found;
} MatchCount;

static void note_wait(Up *u, uint32_t blocker, uint32_t waiter)
{
    if (u->n_waits == u->cap_waits) {
        size_t cap = u->cap_waits ? 2 * u->cap_waits : 1024;
        Wait *grown = kg_realloc(u->waits, cap * sizeof *grown);
        if (!grown) {
            nomem(u);
            return;
        }
        u->waits = grown, u->cap_waits = cap;
    }
    u->waits[u->n_waits++] = (Wait){blocker, waiter};
}

/* One row f of atom a's pattern, in the join's view: visited, or counted; 0 when the count
 * has what it wanted. */
static int take_row(Join *j, const RsAtom *a, size_t ai, const RsFact *f, size_t step, MatchCount *count)
{
    Up *u = j->u;
    if (j->view == VIEW_NEW) {
        uint32_t x = find(u, f);
        if (x != NO_ENTRY && u->e[x].state == ST_DEL) {
            /* the goal may be derivable once x is again: x wakes it then */
            if (j->goal_entry != NO_ENTRY) note_wait(u, x, j->goal_entry);
            return 1;
        }
    }
    if (count) {
        count->n_found++;
        return !count->stop_at_first;
    }
    visit(j, a, ai, f, step);
    return 1;
}

static void each_match(Join *j, const RsAtom *a, size_t ai, const RsFact *key, size_t step, MatchCount *count)
{
    Up *u = j->u;
    size_t at, n;
    int cached = 0;
    KgStatus s = sv_candidates(u->view, key, &at, &n, &cached, u->err);
    if (s != KG_OK) {
        u->status = s;
        return;
    }
    if (cached) {
        for (size_t i = 0; i < n && u->status == KG_OK; i++) {
            SvQuad q = sv_quad(u->view, at + i);
            RsFact f = {q.q.s, q.q.p, q.q.o};
            if (matches(key, &q.q) && !take_row(j, a, ai, &f, step, count)) break;
        }
    } else {
        KgQuad pat = {key->s ? key->s : KG_ANY, key->p ? key->p : KG_ANY, key->o ? key->o : KG_ANY, KG_ANY_GRAPH}, q;
        KgIter *it = NULL;
        s = kg_match_new(u->store, &pat, KG_ASSERTED | KG_INFERRED, &it, u->err);
        while (s == KG_OK && u->status == KG_OK && (s = kg_iter_next(it, &q, NULL, u->err)) == KG_OK) {
            RsFact f = {q.s, q.p, q.o};
            if (!take_row(j, a, ai, &f, step, count)) break;
        }
        kg_iter_free(it);
        if (s != KG_OK && s != KG_DONE && u->status == KG_OK) u->status = s;
    }
    if (j->view != VIEW_NEW || !u->n_heads || u->status != KG_OK) return;
    if (count && count->stop_at_first && count->n_found) return;
    /* the added triples the store did not hold */
    const uint32_t *heads = key->s ? u->head_s : key->o ? u->head_o : u->head_p;
    KgTermId by = key->s ? key->s : key->o ? key->o : key->p;
    if (!by) { /* nothing bound: every added triple */
        for (uint32_t x = 0; x < u->n && u->status == KG_OK; x++) {
            Entry en = u->e[x];
            if (en.state != ST_ADD || en.in_old) continue;
            if (count) {
                count->n_found++;
                if (count->stop_at_first) return;
                continue;
            }
            visit(j, a, ai, &en.f, step);
        }
        return;
    }
    for (uint32_t x = heads[term_slot(u, by)]; x != NO_ENTRY && u->status == KG_OK;) {
        Entry en = u->e[x];
        uint32_t next = key->s ? en.next_s : key->o ? en.next_o : en.next_p;
        if (en.state == ST_ADD && !en.in_old && (!key->s || en.f.s == key->s) && (!key->p || en.f.p == key->p) &&
            (!key->o || en.f.o == key->o)) {
            if (count) {
                count->n_found++;
                if (count->stop_at_first) return;
            } else {
                visit(j, a, ai, &en.f, step);
            }
        }
        x = next;
    }
}

static void join(Join *j, size_t step)
{
    Up *u = j->u;
    const Compiled *c = j->c;
    const RsRule *r = c->rule;
    if (u->status != KG_OK || j->done) return;
    if ((++u->n_steps & 0xfff) == 0) {
        if (kg_interrupted()) {
            u->status = kg_error_set(u->err, KG_ERR_INTERRUPTED, "update interrupted");
            return;
        }
        if (u->limits.deadline > 0 &&
            (u->status = rs_limits_check(&u->limits, "the update", u->prog, u->new_per_rule, u->err)) != KG_OK)
            return;
    }
    if (step == r->n_body) {
        j->found(j);
        return;
    }
    size_t ai = j->plan[step];
    const RsAtom *a = &r->body[ai];
    const KgTermId *ids = c->body_ids[ai];
    RsFact key = {value_of(j, &a->t[0], ids[0]), value_of(j, &a->t[1], ids[1]), value_of(j, &a->t[2], ids[2])};
    switch (a->kind) {
    case RS_ATOM_FILTER: {
        int truth = 0;
        KgStatus s = kg_expr_test(c->exprs[ai], j->vals, &truth, u->err);
        if (s != KG_OK) u->status = s;
        else if (truth) join(j, step + 1);
        return;
    }
    case RS_ATOM_BIND: {
        KgTermId v = 0;
        KgStatus s = kg_expr_value(c->exprs[ai], j->vals, &v, u->err);
        if (s != KG_OK) {
            u->status = s;
        } else if (v) {
            j->vals[a->bind_var] = v;
            j->bound[a->bind_var] = 1;
            join(j, step + 1);
            j->bound[a->bind_var] = 0;
            j->vals[a->bind_var] = 0;
        }
        return;
    }
    case RS_ATOM_NOT: {
        for (int k = 0; k < 3; k++) /* a constant no triple holds matches nothing */
            if (!a->t[k].is_var && !ids[k]) {
                join(j, step + 1);
                return;
            }
        MatchCount m = {1, 0};
        each_match(j, a, ai, &key, step, &m);
        if (!m.n_found) join(j, step + 1);
        return;
    }
    case RS_ATOM_TRIPLE:
        each_match(j, a, ai, &key, step, NULL);
        return;
    }
}

/* Runs rule c with body atom `ai` bound to triple f (a positive atom, or a NOT atom whose
 * variables found elsewhere take f's values), then the rest in the view. */
static void run_from(Up *u, const Compiled *c, size_t ai, const RsFact *f, int view, void (*found)(Join *j))
{
    const RsRule *r = c->rule;
    const RsAtom *a = &r->body[ai];
    const KgTermId *ids = c->body_ids[ai];
    const KgTermId got[3] = {f->s, f->p, f->o};
    for (int k = 0; k < 3; k++)
        if (!a->t[k].is_var && ids[k] != got[k]) return;
    Join *j = u->join; /* one for every call: only its variables are cleared */
    memset(j->bound, 0, r->n_vars * sizeof *j->bound);
    memset(j->vals, 0, r->n_vars * sizeof *j->vals);
    j->u = u, j->c = c, j->view = view, j->found = found, j->goal = NULL;
    j->goal_entry = NO_ENTRY;
    j->seed_kind = a->kind == RS_ATOM_NOT ? SEED_NOT : SEED_PREMISE;
    char used[MAX_BODY] = {0};
    size_t n = 0;
    int ok = 1;
    for (int k = 0; k < 3 && ok; k++) {
        const RsTerm *t = &a->t[k];
        if (!t->is_var) continue;
        if (a->kind == RS_ATOM_NOT) { /* only the variables bound elsewhere: the rest is existential */
            int elsewhere = 0;
            for (size_t b = 0; b < r->n_body && !elsewhere; b++) {
                if (b == ai) continue;
                const RsAtom *o = &r->body[b];
                if (o->kind == RS_ATOM_TRIPLE)
                    for (int m = 0; m < 3; m++) elsewhere |= o->t[m].is_var && o->t[m].var == t->var;
                if (o->kind == RS_ATOM_BIND) elsewhere |= o->bind_var == t->var;
            }
            if (!elsewhere) continue;
        }
        if (j->bound[t->var]) ok = j->vals[t->var] == got[k];
        j->vals[t->var] = got[k];
        j->bound[t->var] = 1;
    }
    if (ok && a->kind == RS_ATOM_TRIPLE) {
        /* the rule's own join order for this atom as the delta (rs_engine_compile_rule) */
        size_t d = 0;
        while (c->pos_atoms[d] != ai) d++;
        j->plan = c->plans + d * r->n_body;
        j->prem[ai] = *f;
        join(j, 1);
    } else if (ok) {
        int bound[256];
        memcpy(bound, j->bound, r->n_vars * sizeof *bound);
        rs_engine_order_rest(c, bound, used, j->plan_buf, n);
        j->plan = j->plan_buf;
        join(j, 0);
    }
}

/* Runs rule c over the whole view, nothing bound first (a rule added to or dropped from the
 * program). */
static void run_full(Up *u, const Compiled *c, int view, void (*found)(Join *j))
{
    const RsRule *r = c->rule;
    if (c->body_absent) return;
    Join *j = u->join;
    memset(j->bound, 0, r->n_vars * sizeof *j->bound);
    memset(j->vals, 0, r->n_vars * sizeof *j->vals);
    j->u = u, j->c = c, j->view = view, j->found = found, j->goal = NULL, j->seed_kind = SEED_RULE;
    j->goal_entry = NO_ENTRY;
    int bound[256] = {0};
    char used[MAX_BODY] = {0};
    rs_engine_order_rest(c, bound, used, j->plan_buf, 0);
    j->plan = j->plan_buf;
    join(j, 0);
}

/* The head triples of the current grounding. */
static RsFact head_of(const Join *j, size_t h)
{
    const Compiled *c = j->c;
    const RsRule *r = c->rule;
    return (RsFact){value_of(j, &r->heads[h][0], c->head_ids[h][0]), value_of(j, &r->heads[h][1], c->head_ids[h][1]),
                    value_of(j, &r->heads[h][2], c->head_ids[h][2])};
}

/* ---------------------------------------------------------------- the three steps */

static size_t premises(const Join *j, RsFact *out);


/* Whether the grounding's loss takes away the recorded derivation of head f: only then can f
 * lose its support, since the recorded derivation is its best and its premises' recorded
 * proofs, acyclic down to asserted triples, keep it (and its confidence) while none of them
 * is deleted. A premise loss: the recorded premises include an overdeleted triple; a NOT or
 * rule loss: the recorded derivation is this grounding's (the rule, and for NOT the same
 * premises). No recorded derivation: take it away. */
static int takes_recorded(Join *j, const RsFact *f)
{
    Up *u = j->u;
    SvRecorded d;
    int found = 0;
    KgStatus s = sv_recorded(u->view, f, &d, &found, u->err);
    if (s != KG_OK) {
        u->status = s;
        return 0;
    }
    if (!found) return 1;
    if (j->seed_kind == SEED_PREMISE) {
        for (size_t i = 0; i < d.n_premises; i++) {
            RsFact p = {d.premises[i].s, d.premises[i].p, d.premises[i].o};
            uint32_t x = find(u, &p);
            if (x != NO_ENTRY && u->e[x].overdeleted) return 1;
        }
        return 0;
    }
    if (strcmp(d.rule, j->c->rule->label) != 0) return 0;
    if (j->seed_kind == SEED_RULE) return 1;
    RsFact prem[MAX_BODY];
    size_t n = premises(j, prem);
    if (n != d.n_premises) return 0;
    for (size_t i = 0; i < n; i++)
        if (prem[i].s != d.premises[i].s || prem[i].p != d.premises[i].p || prem[i].o != d.premises[i].o) return 0;
    return 1;
}

/* Step 1: a grounding true in the old state loses its heads (unless asserted after). */
static void overdelete_found(Join *j)
{
    Up *u = j->u;
    for (size_t h = 0; h < j->c->rule->n_heads && u->status == KG_OK; h++) {
        RsFact f = head_of(j, h);
        uint32_t x = entry(u, &f);
        if (x == NO_ENTRY || know(u, x) != KG_OK) return;
        Entry *en = &u->e[x];
        if (en->asserted_new || en->state == ST_DEL || !en->in_old) continue;
        if (!takes_recorded(j, &f)) continue;
        if (u->status != KG_OK) return;
        en = &u->e[x];
        en->state = ST_DEL;
        en->checked = -1;
        if (!en->overdeleted) u->st->n_overdeleted++;
        en->overdeleted = 1;
        push(u, x);
    }
}

/* The confidence of the current grounding over the new state. */
static double grounding_conf(Join *j, size_t *n_prem)
{
    const RsRule *r = j->c->rule;
    double conf = r->weight;
    *n_prem = 0;
    for (size_t i = 0; i < r->n_body; i++)
        if (r->body[i].kind == RS_ATOM_TRIPLE) {
            conf *= conf_of(j->u, &j->prem[i]);
            ++*n_prem;
        }
    return conf;
}

/* Records a derivation for entry x: rule c, the grounding's premises, conf. */
static KgStatus set_derivation(Up *u, uint32_t x, const Compiled *c, const RsFact *prem, size_t n_prem, double conf)
{
    if (u->n_prems + n_prem > u->cap_prems) {
        size_t cap = u->cap_prems ? 2 * u->cap_prems : 1024;
        while (cap < u->n_prems + n_prem) cap *= 2;
        RsFact *grown = kg_realloc(u->prems, cap * sizeof *grown);
        if (!grown) return nomem(u);
        u->prems = grown, u->cap_prems = cap;
    }
    if (n_prem) memcpy(u->prems + u->n_prems, prem, n_prem * sizeof *prem);
    Entry *en = &u->e[x];
    en->prem_at = (uint32_t)u->n_prems, en->n_prem = (uint32_t)n_prem;
    en->rule_plus1 = (uint32_t)(c - u->rules) + 1;
    en->conf = conf;
    u->n_prems += n_prem;
    return KG_OK;
}

/* The positive premises of the current grounding, in body order. */
static size_t premises(const Join *j, RsFact *out)
{
    const RsRule *r = j->c->rule;
    size_t n = 0;
    for (size_t i = 0; i < r->n_body; i++)
        if (r->body[i].kind == RS_ATOM_TRIPLE) out[n++] = j->prem[i];
    return n;
}

/* Step 3: a grounding over the new state adds its heads or raises their confidence. */
static void insert_found(Join *j)
{
    Up *u = j->u;
    size_t n_prem;
    double conf = grounding_conf(j, &n_prem);
    if (u->status != KG_OK) return;
    for (size_t h = 0; h < j->c->rule->n_heads && u->status == KG_OK; h++) {
        RsFact f = head_of(j, h);
        uint32_t x = entry(u, &f);
        if (x == NO_ENTRY || know(u, x) != KG_OK) return;
        Entry *en = &u->e[x];
        if (en->asserted_new) continue; /* asserted: confidence 1, no derivation recorded */
        if (present_new(u, x) && conf <= conf_of(u, &f)) continue;
        if (u->status != KG_OK) return;
        en = &u->e[x];
        if (!en->in_old && !en->chained) { /* a triple new to the store */
            u->new_per_rule[j->c - u->rules]++;
            if (++u->limits.n_new > u->limits.max_derived) {
                u->status = rs_limits_check(&u->limits, "the update", u->prog, u->new_per_rule, u->err);
                return;
            }
        }
        en->state = ST_ADD;
        RsFact prem[MAX_BODY];
        size_t n = premises(j, prem);
        if (set_derivation(u, x, j->c, prem, n, conf) != KG_OK) return;
        if (!u->e[x].in_old && chain_added(u, x) != KG_OK) return;
        push(u, x);
    }
}

/* Step 2: a grounding whose head is the goal; the best confidence wins. */
static void rederive_found(Join *j)
{
    const RsRule *r = j->c->rule;
    for (size_t h = 0; h < r->n_heads; h++) {
        RsFact f = head_of(j, h);
        if (f.s != j->goal->s || f.p != j->goal->p || f.o != j->goal->o) continue;
        size_t n_prem;
        double conf = grounding_conf(j, &n_prem);
        if (conf > j->best) {
            j->best = conf;
            j->best_rule_plus1 = (uint32_t)(j->c - j->u->rules) + 1;
            j->best_n_prem = premises(j, j->best_prem);
        }
        if (j->best >= 1) j->done = 1; /* no derivation does better than 1 */
    }
}

/* The rules of stratum k, or of strata <= k. */
static int rule_in(const Up *u, size_t i, int k, int up_to)
{
    const Compiled *c = &u->rules[i];
    if (c->body_absent) return 0;
    return up_to ? c->rule->stratum <= k : c->rule->stratum == k;
}

/* Runs every rule of stratum k from triple f in every body position it may take: positive
 * atoms when positive, NOT atoms otherwise. */
static int compare_ref(const void *x, const void *y)
{
    const AtomRef *a = x, *b = y;
    if (a->predicate != b->predicate) return a->predicate < b->predicate ? -1 : 1;
    if (a->rule != b->rule) return a->rule < b->rule ? -1 : 1;
    return (a->atom > b->atom) - (a->atom < b->atom);
}

/* The positive (and NOT) body atoms of the program by their constant predicate, those with a
 * variable predicate (0) first: a triple meets only the atoms it can match. */
static KgStatus index_atoms(Up *u)
{
    for (int neg = 0; neg < 2; neg++) {
        size_t n = 0;
        for (size_t i = 0; i < u->prog->n_rules; i++)
            for (size_t ai = 0; ai < u->rules[i].rule->n_body; ai++)
                n += u->rules[i].rule->body[ai].kind == (neg ? RS_ATOM_NOT : RS_ATOM_TRIPLE);
        AtomRef *refs = kg_malloc((n ? n : 1) * sizeof *refs);
        if (!refs) return nomem(u);
        n = 0;
        for (size_t i = 0; i < u->prog->n_rules; i++) {
            const RsRule *r = u->rules[i].rule;
            for (size_t ai = 0; ai < r->n_body; ai++)
                if (r->body[ai].kind == (neg ? RS_ATOM_NOT : RS_ATOM_TRIPLE))
                    refs[n++] = (AtomRef){r->body[ai].t[1].is_var ? 0 : u->rules[i].body_ids[ai][1], (uint32_t)i, (uint32_t)ai};
        }
        qsort(refs, n, sizeof *refs, compare_ref);
        u->atoms[neg] = refs, u->n_atoms[neg] = n;
    }
    return KG_OK;
}

/* Step 2's join orders: for each rule and head, the head's variables bound first. */
static KgStatus plan_goals(Up *u)
{
    size_t n = 0;
    if (!(u->goal_plan_at = kg_malloc((u->prog->n_rules + 1) * sizeof *u->goal_plan_at))) return nomem(u);
    for (size_t i = 0; i < u->prog->n_rules; i++) {
        u->goal_plan_at[i] = n;
        n += u->rules[i].rule->n_heads * u->rules[i].rule->n_body;
    }
    if (!(u->goal_plans = kg_malloc((n ? n : 1) * sizeof *u->goal_plans))) return nomem(u);
    for (size_t i = 0; i < u->prog->n_rules; i++) {
        const RsRule *r = u->rules[i].rule;
        for (size_t h = 0; h < r->n_heads; h++) {
            int bound[256] = {0};
            char used[MAX_BODY] = {0};
            for (int k = 0; k < 3; k++)
                if (r->heads[h][k].is_var) bound[r->heads[h][k].var] = 1;
            rs_engine_order_rest(&u->rules[i], bound, used, u->goal_plans + u->goal_plan_at[i] + h * r->n_body, 0);
        }
    }
    return KG_OK;
}

/* Runs the rules of stratum k from triple f in every body position it may take: positive
 * atoms when positive, NOT atoms otherwise. */
static void run_rules_from(Up *u, int k, const RsFact *f, int positive, int view, void (*found)(Join *j))
{
    const AtomRef *refs = u->atoms[!positive];
    size_t n = u->n_atoms[!positive];
    /* the atoms with a variable predicate, then those with f's */
    for (int pass = 0; pass < 2; pass++) {
        KgTermId want = pass ? f->p : 0;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (refs[mid].predicate < want) lo = mid + 1;
            else hi = mid;
        }
        for (size_t i = lo; i < n && refs[i].predicate == want && u->status == KG_OK; i++)
            if (rule_in(u, refs[i].rule, k, 0)) run_from(u, &u->rules[refs[i].rule], refs[i].atom, f, view, found);
        if (!want && !f->p) break;
    }
}

/* Step 2 for entry x: derived again from the new state by a rule of strata <= k? */
static KgStatus rederive(Up *u, uint32_t x, int k)
{
    RsFact goal = u->e[x].f;
    Join *j = kg_calloc(1, sizeof *j);
    if (!j) return nomem(u);
    j->u = u, j->view = VIEW_NEW, j->found = rederive_found, j->goal = &goal, j->best = -1, j->goal_entry = x;
    int from = u->e[x].checked + 1;
    for (size_t i = 0; i < u->prog->n_rules && u->status == KG_OK && !j->done; i++) {
        const Compiled *c = &u->rules[i];
        if (c->body_absent || c->rule->stratum < from || c->rule->stratum > k) continue;
        const RsRule *r = c->rule;
        for (size_t h = 0; h < r->n_heads && u->status == KG_OK && !j->done; h++) {
            /* the head's positions bind its variables to the goal's values */
            const KgTermId want[3] = {goal.s, goal.p, goal.o};
            memset(j->bound, 0, r->n_vars * sizeof *j->bound);
            memset(j->vals, 0, r->n_vars * sizeof *j->vals);
            int ok = 1;
            for (int p = 0; p < 3 && ok; p++) {
                const RsTerm *t = &r->heads[h][p];
                if (!t->is_var) ok = c->head_ids[h][p] == want[p];
                else if (j->bound[t->var]) ok = j->vals[t->var] == want[p];
                else j->bound[t->var] = 1, j->vals[t->var] = want[p];
            }
            if (!ok) continue;
            j->c = c;
            j->plan = u->goal_plans + u->goal_plan_at[i] + h * r->n_body;
            join(j, 0);
        }
    }
    KgStatus s = u->status;
    Entry *en = &u->e[x];
    en->checked = k;
    /* derived again, or (already derived again by lower strata) better by these rules */
    if (s == KG_OK && j->best >= 0 && (en->state != ST_ADD || j->best > en->conf)) {
        if (en->state != ST_ADD) u->st->n_rederived++;
        en->state = ST_ADD;
        s = set_derivation(u, x, &u->rules[j->best_rule_plus1 - 1], j->best_prem, j->best_n_prem, j->best);
        if (s == KG_OK) s = push(u, x);
    }
    kg_free(j);
    return s;
}

static int compare_wait(const void *x, const void *y)
{
    const Wait *a = x, *b = y;
    if (a->blocker != b->blocker) return a->blocker < b->blocker ? -1 : 1;
    return (a->waiter > b->waiter) - (a->waiter < b->waiter);
}

/* Step 2's waking: the waiters of every triple derived again, looked at again; a goal looked
 * at again may wait on more triples, so the waits are sorted anew each round. */
static void s_wake(Up *u, int k)
{
    size_t n_entries = u->n; /* no entry is deleted during step 2: the waiters are among these */
    uint8_t *woken = kg_calloc(n_entries ? n_entries : 1, 1);
    if (!woken) {
        nomem(u);
        return;
    }
    for (int again = 1; again && u->status == KG_OK && u->n_waits;) {
        again = 0;
        size_t n = u->n_waits;
        qsort(u->waits, n, sizeof *u->waits, compare_wait);
        for (size_t i = 0; i < n && u->status == KG_OK; i++) {
            const Wait w = u->waits[i];
            if (u->e[w.blocker].state != ST_ADD || u->e[w.waiter].state != ST_DEL || woken[w.waiter]) continue;
            woken[w.waiter] = 1; /* the waits it leaves now are its new ones */
            u->e[w.waiter].checked = -1;
            rederive(u, w.waiter, k);
            again |= u->e[w.waiter].state == ST_ADD;
        }
        /* the waits of goals looked at again are replaced by the ones they just noted */
        size_t keep = 0;
        for (size_t i = 0; i < n; i++)
            if (!woken[u->waits[i].waiter]) u->waits[keep++] = u->waits[i];
        memmove(u->waits + keep, u->waits + n, (u->n_waits - n) * sizeof *u->waits);
        u->n_waits = keep + (u->n_waits - n);
        memset(woken, 0, n_entries);
    }
    kg_free(woken);
}

static KgStatus stratum(Up *u, int k)
{
    /* 1. overdelete: from everything deleted so far (positive atoms), and from the triples new
     * to the store (NOT atoms), over the old state */
    u->q_head = u->q_n = 0;
    for (uint32_t x = 0; x < u->n; x++)
        if (u->e[x].overdeleted) push(u, x);
    for (uint32_t x = 0; x < u->n && u->status == KG_OK; x++)
        if (u->e[x].state == ST_ADD && !u->e[x].in_old) {
            RsFact f = u->e[x].f;
            run_rules_from(u, k, &f, 0, VIEW_OLD, overdelete_found);
        }
    for (; u->q_head < u->q_n && u->status == KG_OK; u->q_head++) {
        RsFact f = u->e[u->queue[u->q_head]].f;
        run_rules_from(u, k, &f, 1, VIEW_OLD, overdelete_found);
    }
    if (u->status != KG_OK) return u->status;
    /* 2. rederive what was deleted and is not asserted, from what is left; what lower strata
     * derived again is looked at by this stratum's rules too, which may derive it better */
    u->q_head = u->q_n = 0;
    u->n_waits = 0;
    for (uint32_t x = 0; x < u->n && u->status == KG_OK; x++)
        if (u->e[x].overdeleted && !u->e[x].asserted_new && u->e[x].checked < k) rederive(u, x, k);
    /* With every weight 1 every confidence is 1: what is derived again needs no passing on
     * (step 3); a goal that passed over deleted triples is looked at again when one of them
     * is derived again, until none is. */
    if (u->unit_weights && u->status == KG_OK) s_wake(u, k);
    if (u->status != KG_OK) return u->status;
    /* 3. insert: from every triple added or raised so far (positive atoms) and from every
     * triple deleted for good (NOT atoms), over the new state */
    u->q_head = u->q_n = 0;
    for (uint32_t x = 0; x < u->n; x++)
        if (u->unit_weights ? u->e[x].state == ST_ADD && !u->e[x].in_old
                            : u->e[x].state == ST_ADD || (u->e[x].asserted_new && !u->e[x].asserted_old))
            push(u, x);
    for (uint32_t x = 0; x < u->n && u->status == KG_OK; x++)
        if (u->e[x].state == ST_DEL) {
            RsFact f = u->e[x].f;
            run_rules_from(u, k, &f, 0, VIEW_NEW, insert_found);
        }
    /* the rules new to the program, over everything */
    for (size_t i = 0; u->new_rules && i < u->prog->n_rules && u->status == KG_OK; i++)
        if (u->new_rules[i] && rule_in(u, i, k, 0)) run_full(u, &u->rules[i], VIEW_NEW, insert_found);
    for (; u->q_head < u->q_n && u->status == KG_OK; u->q_head++) {
        RsFact f = u->e[u->queue[u->q_head]].f;
        run_rules_from(u, k, &f, 1, VIEW_NEW, insert_found);
    }
    return u->status;
}

/* ---------------------------------------------------------------- writing the result */

/* The quad to name premise triple f by in a derivation: an asserted quad of it after the
 * update (the default graph's, else the first graph's), else its default-graph quad. */
static KgStatus premise_quad(Up *u, const RsFact *f, KgQuad *out)
{
    *out = (KgQuad){f->s, f->p, f->o, KG_DEFAULT_GRAPH};
    uint32_t x = find(u, f);
    if (x != NO_ENTRY && u->e[x].state == ST_ADD && !u->e[x].asserted_new) return KG_OK;
    size_t n;
    KgStatus s = held_quads(u, f, &n);
    if (s != KG_OK) return s;
    int have = 0;
    for (size_t i = 0; i < n; i++) {
        const KgQuad *q = &u->held[i].q;
        if (!(u->held[i].mark & KG_ASSERTED) || retracted(u, q)) continue;
        if (!have || q->g < out->g) *out = *q;
        have = 1;
    }
    /* the quads asserted by this update: (s, p, o, g) sorted, so f's are together */
    KgQuad lo = {f->s, f->p, f->o, 0};
    size_t i = 0, hi = u->n_added;
    while (i < hi) {
        size_t mid = i + (hi - i) / 2;
        if (compare_quad(&u->added[mid], &lo) < 0) i = mid + 1;
        else hi = mid;
    }
    for (; i < u->n_added && u->added[i].s == f->s && u->added[i].p == f->p && u->added[i].o == f->o; i++) {
        if (!have || u->added[i].g < out->g) *out = u->added[i];
        have = 1;
    }
    return KG_OK;
}

/* Whether entry x's derivation differs from the one the store recorded (rule, premises,
 * confidence): only then is it written. */
static KgStatus derivation_changed(Up *u, uint32_t x, const KgQuad *prem, size_t n, int *changed)
{
    const Entry *en = &u->e[x];
    const char *rule = u->rules[en->rule_plus1 - 1].rule->label;
    *changed = 1;
    if (!en->in_old) return KG_OK;
    SvRecorded old;
    int found = 0;
    KgStatus s = sv_recorded(u->view, &en->f, &old, &found, u->err);
    if (s != KG_OK) return u->status = s;
    if (found && old.confidence != u->e[x].conf) u->st->n_reconfidenced++;
    if (found && old.confidence == u->e[x].conf && old.n_premises == n && strcmp(old.rule, rule) == 0 &&
        (!n || memcmp(old.premises, prem, n * sizeof *prem) == 0))
        *changed = 0;
    return KG_OK;
}

/* Writes the result: first everything is worked out from the view of the store as it was
 * (the premises' quads, which derivations changed), then the store is written. */
static KgStatus write_result(Up *u)
{
    KgStatus s = KG_OK;
    /* 1. what to write: a derivation for each changed entry, premises at u->prems' places */
    KgQuad *prem_quads = kg_malloc((u->n_prems ? u->n_prems : 1) * sizeof *prem_quads);
    uint8_t *write = kg_calloc(u->n ? u->n : 1, 1);
    unsigned *marks = kg_calloc(u->n_added ? u->n_added : 1, sizeof *marks);
    if (!prem_quads || !write || !marks) s = nomem(u);
    for (size_t i = 0; i < u->n_added && s == KG_OK; i++) {
        size_t n;
        RsFact f = {u->added[i].s, u->added[i].p, u->added[i].o};
        s = held_quads(u, &f, &n);
        for (size_t k = 0; k < n && s == KG_OK; k++)
            if (u->held[k].q.g == u->added[i].g) marks[i] = u->held[k].mark;
    }
    for (uint32_t x = 0; x < u->n && s == KG_OK; x++) {
        const Entry *en = &u->e[x];
        if (en->asserted_new || en->state != ST_ADD) continue;
        if (rs_term_kind(&u->eng, en->f.s) == KG_TERM_LITERAL) continue; /* not RDF: kept out, as rs_reason does */
        KgQuad *prem = prem_quads + en->prem_at;
        for (size_t i = 0; i < en->n_prem && s == KG_OK; i++) s = premise_quad(u, &u->prems[en->prem_at + i], &prem[i]);
        int changed = 1;
        if (s == KG_OK) s = derivation_changed(u, x, prem, en->n_prem, &changed);
        write[x] = (uint8_t)changed;
    }
    /* 2. the store */
    for (size_t i = 0; i < u->n_retract && s == KG_OK; i++) {
        int had = 0;
        s = kg_quad_unmark(u->store, &u->retract[i], KG_ASSERTED, &had, u->err);
        u->st->n_retracted += (uint64_t)had;
    }
    for (size_t i = 0; i < u->n_added && s == KG_OK; i++) {
        if (marks[i] & KG_ASSERTED) continue;
        s = kg_quad_add(u->store, &u->added[i], KG_ASSERTED, NULL, u->err);
        u->st->n_asserted++;
    }
    for (uint32_t x = 0; x < u->n && s == KG_OK; x++) {
        const Entry *en = &u->e[x];
        KgQuad q = {en->f.s, en->f.p, en->f.o, KG_DEFAULT_GRAPH};
        if (en->asserted_new) {
            if (!en->added) continue;
            /* asserted: from scratch it would carry no inferred mark */
            int had = 0;
            s = kg_quad_unmark(u->store, &q, KG_INFERRED, &had, u->err);
            continue;
        }
        if (en->state == ST_DEL) {
            int had = 0;
            s = kg_quad_unmark(u->store, &q, KG_INFERRED, &had, u->err);
            u->st->n_deleted += (uint64_t)had;
            continue;
        }
        if (!write[x]) continue;
        int is_new = 0;
        /* a retraction takes only asserted marks away: an inferred quad stays one */
        if (!en->inferred_old && (s = kg_quad_add(u->store, &q, KG_INFERRED, &is_new, u->err)) != KG_OK) break;
        if (!en->in_old || is_new) u->st->n_inserted++;
        KgDerivation d = {u->rules[en->rule_plus1 - 1].rule->label, en->conf, prem_quads + en->prem_at, en->n_prem};
        s = kg_derivation_put(u->store, &q, &d, u->err);
    }
    kg_free(prem_quads), kg_free(write), kg_free(marks);
    return s;
}

/* ---------------------------------------------------------------- rs_update */

static KgStatus update(KgStore *store, RsProgram *p, const KgQuad *add, size_t n_add, const KgQuad *retract,
                       size_t n_retract, const RsProgramChange *change, const RsOptions *opt, RsUpdateStats *stats,
                       KgError *err)
{
    RsUpdateStats st = {0};
    double t0 = kg_now();
    Up u = {.store = store, .prog = p, .err = err, .n_retract = n_retract, .st = &st};
    u.eng = (Engine){.store = store, .prog = p, .err = err};
    if ((n_retract && !(u.retract = kg_malloc(n_retract * sizeof *u.retract))) ||
        (n_add && !(u.added = kg_malloc(n_add * sizeof *u.added))) || sv_new(store, opt ? opt->update_view_rows : 0, opt ? opt->update_subject_quads : 0, &u.view, err) != KG_OK) {
        kg_free(u.retract), kg_free(u.added), sv_free(u.view);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    }
    if (n_retract) {
        memcpy(u.retract, retract, n_retract * sizeof *u.retract);
        qsort(u.retract, n_retract, sizeof *u.retract, compare_quad);
    }
    if (n_add) { /* sorted, once each */
        memcpy(u.added, add, n_add * sizeof *u.added);
        qsort(u.added, n_add, sizeof *u.added, compare_quad);
        for (size_t i = 0; i < n_add; i++)
            if (!u.n_added || compare_quad(&u.added[u.n_added - 1], &u.added[i]) != 0) u.added[u.n_added++] = u.added[i];
    }
    int own_transaction = !kg_store_in_transaction(store);
    KgStatus s = own_transaction ? kg_store_begin(store, err) : KG_OK;
    if (s != KG_OK) {
        kg_free(u.retract), kg_free(u.added), sv_free(u.view);
        return s;
    }
    u.rules = kg_calloc(p->n_rules ? p->n_rules : 1, sizeof *u.rules);
    u.join = kg_calloc(1, sizeof *u.join);
    u.new_per_rule = kg_calloc(p->n_rules ? p->n_rules : 1, sizeof *u.new_per_rule);
    if (!u.rules || !u.join || !u.new_per_rule) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
    rs_limits_start(&u.limits, opt, t0);
    for (size_t i = 0; i < p->n_rules && s == KG_OK; i++) s = rs_engine_compile_heads(&u.eng, &p->rules[i], &u.rules[i], 1, err);
    for (size_t i = 0; i < p->n_rules && s == KG_OK; i++)
        if ((s = rs_engine_compile_rule(&u.eng, &p->rules[i], &u.rules[i], err)) == KG_ERR_NOMEM)
            kg_error_set(err, s, "out of memory compiling the rules");
    if (s == KG_OK) s = index_atoms(&u);
    if (s == KG_OK) s = plan_goals(&u);
    u.unit_weights = 1;
    for (size_t i = 0; i < p->n_rules; i++) u.unit_weights &= p->rules[i].weight >= 1;
    const RsProgram *dropped = change ? change->dropped : NULL;
    if (change) u.new_rules = change->new_rules;
    if (s == KG_OK && dropped && dropped->n_rules) {
        u.dropped = kg_calloc(dropped->n_rules, sizeof *u.dropped);
        if (!u.dropped) s = kg_error_set(err, KG_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < dropped->n_rules && s == KG_OK; i++) {
            u.n_dropped = i + 1;
            s = rs_engine_compile_heads(&u.eng, &dropped->rules[i], &u.dropped[i], 1, err);
            if (s == KG_OK) s = rs_engine_compile_rule(&u.eng, &dropped->rules[i], &u.dropped[i], err);
        }
    }
    /* the retracted quads must be asserted; the changed triples enter the overlay */
    for (size_t i = 0; i < n_retract && s == KG_OK; i++) {
        unsigned marks = 0;
        size_t n;
        RsFact f = {retract[i].s, retract[i].p, retract[i].o};
        s = held_quads(&u, &f, &n);
        for (size_t k = 0; k < n && s == KG_OK; k++)
            if (u.held[k].q.g == retract[i].g) marks = u.held[k].mark;
        if (s == KG_OK && !(marks & KG_ASSERTED)) {
            KgBuf b = {0};
            const KgQuad *q = &retract[i];
            kg_term_write_id(store, q->s, 1, &b, NULL), kg_buf_puts(&b, " ");
            kg_term_write_id(store, q->p, 1, &b, NULL), kg_buf_puts(&b, " ");
            kg_term_write_id(store, q->o, 1, &b, NULL);
            s = kg_error_set(err, KG_ERR_ARG, "%s is not asserted%s", kg_buf_cstr(&b) ? kg_buf_cstr(&b) : "",
                             marks & KG_INFERRED ? " (it is inferred)" : " (the store does not hold it)");
            kg_buf_free(&b);
        }
    }
    for (size_t i = 0; i < n_retract && s == KG_OK; i++) {
        RsFact f = {retract[i].s, retract[i].p, retract[i].o};
        uint32_t x = entry(&u, &f);
        if (x == NO_ENTRY || know(&u, x) != KG_OK) s = u.status;
    }
    for (size_t i = 0; i < n_add && s == KG_OK; i++) {
        RsFact f = {add[i].s, add[i].p, add[i].o};
        uint32_t x = entry(&u, &f);
        if (x == NO_ENTRY || know(&u, x) != KG_OK) {
            s = u.status;
            break;
        }
        Entry *en = &u.e[x];
        en->asserted_new = 1;
        en->added = 1;
        if (!en->in_old) {
            en->state = ST_ADD;
            en->conf = 1;
            if (chain_added(&u, x) != KG_OK) s = u.status;
        }
    }
    /* a triple no longer asserted anywhere is deleted first, then rederived if it can be */
    for (uint32_t x = 0; x < u.n && s == KG_OK; x++) {
        Entry *en = &u.e[x];
        if (en->asserted_old && !en->asserted_new) {
            en->state = ST_DEL;
            en->overdeleted = 1;
            st.n_overdeleted++;
        }
    }
    /* A triple that stays but whose quads change (a retracted quad of a triple asserted in
     * another graph too; an inferred triple now asserted in a named graph, whose default-graph
     * copy goes) may be named as a premise by a quad that goes: what was derived from it is
     * derived again, to name a quad that stays. */
    for (size_t i = 0; i < n_retract && s == KG_OK; i++) {
        RsFact f = {retract[i].s, retract[i].p, retract[i].o};
        u.e[find(&u, &f)].overdeleted = 1;
    }
    for (size_t i = 0; i < n_add && s == KG_OK; i++) {
        RsFact f = {add[i].s, add[i].p, add[i].o};
        Entry *en = &u.e[find(&u, &f)];
        if (add[i].g != KG_DEFAULT_GRAPH && en->in_old && !en->asserted_old) en->overdeleted = 1;
    }
    /* what the dropped rules derived loses that derivation */
    for (size_t i = 0; i < u.n_dropped && s == KG_OK; i++) {
        run_full(&u, &u.dropped[i], VIEW_OLD, overdelete_found);
        s = u.status;
    }
    for (int k = 0; k < p->n_strata && s == KG_OK; k++) {
        if (kg_interrupted()) s = kg_error_set(err, KG_ERR_INTERRUPTED, "update interrupted; the store is as it was");
        if (s == KG_OK) s = stratum(&u, k);
    }
    if (s == KG_OK && kg_interrupted()) s = kg_error_set(err, KG_ERR_INTERRUPTED, "update interrupted; the store is as it was");
    if (s == KG_OK) s = write_result(&u);
    if (s == KG_OK && own_transaction) s = kg_store_commit(store, err);
    if (s != KG_OK && own_transaction) kg_store_rollback(store);
    for (size_t i = 0; u.rules && i < p->n_rules; i++)
        if (u.rules[i].rule) rs_engine_free_compiled(&u.rules[i]);
    for (size_t i = 0; i < u.n_dropped; i++)
        if (u.dropped[i].rule) rs_engine_free_compiled(&u.dropped[i]);
    kg_free(u.dropped);
    kg_free(u.atoms[0]), kg_free(u.atoms[1]), kg_free(u.goal_plans), kg_free(u.goal_plan_at), kg_free(u.new_per_rule), kg_free(u.added), sv_free(u.view), kg_free(u.held), kg_free(u.waits), kg_free(u.retract);
    kg_free(u.join), kg_free(u.rules), kg_free(u.e), kg_free(u.slots), kg_free(u.prems), kg_free(u.queue);
    kg_free(u.head_s), kg_free(u.head_p), kg_free(u.head_o);
    kg_free(u.eng.kinds);
    st.seconds = kg_now() - t0;
    if (stats) *stats = st;
    return s;
}

KgStatus rs_update(KgStore *store, RsProgram *p, const KgQuad *add, size_t n_add, const KgQuad *retract,
                   size_t n_retract, const RsOptions *opt, RsUpdateStats *stats, KgError *err)
{
    return update(store, p, add, n_add, retract, n_retract, NULL, opt, stats, err);
}

KgStatus rs_update_program(KgStore *store, RsProgram *p, const RsProgramChange *change, const RsOptions *opt,
                           RsUpdateStats *stats, KgError *err)
{
    return update(store, p, NULL, 0, NULL, 0, change, opt, stats, err);
}
