/* reasoner/engine.h: what the parts of one reasoning run share: the compiled rules, the fact
 * table with each fact's confidence and recorded derivation, and the join state. engine.c
 * runs the fixpoint, equality.c handles owl:sameAs by representatives, write_back.c writes
 * the derived triples into the store. Nothing outside reasoner/ sees this. */
#ifndef NOUS_RS_ENGINE_H
#define NOUS_RS_ENGINE_H

#include "facts.h"

#define MAX_BODY 64

/* rule_of[f] for a fact equality rewrote from another (its one premise): see equality.c */
#define RS_REWRITTEN UINT32_MAX

/* A FILTER the engine tests itself (fast_filter.c): tests joined by &&. */
enum { RS_TEST_KIND, RS_TEST_DIFFERENT };
typedef struct {
    uint8_t op;     /* RS_TEST_KIND: the kind of ?a is `kind` (!= when negate); DIFFERENT: ?a != ?b */
    uint8_t negate;
    uint32_t a, b;  /* variables */
    uint8_t kind;
} RsTest;
typedef struct {
    RsTest tests[8];
    size_t n; /* 0: not a fast filter */
} RsFastFilter;

/* A rule ready to run: constants as ids, and a join order per delta atom. */
typedef struct {
    const RsRule *rule;
    KgTermId (*head_ids)[3]; /* per head: the constant's id in each position (0: a variable) */
    KgTermId (*body_ids)[3]; /* per body atom */
    int body_absent;          /* a positive atom's constant is not in the store: never fires */
    int skipped;              /* an equality axiom the engine handles itself */
    size_t n_pos;             /* positive triple atoms */
    size_t *pos_atoms;        /* their body indexes */
    size_t *plans;            /* n_pos plans of n_body atom indexes each */
    KgExpr **exprs;           /* per body atom: FILTER and BIND expressions */
    RsFastFilter *fast;       /* per body atom: the FILTER as tests on ids, when it is one */
} Compiled;

/* The limits of one reasoning or update (RsOptions.max_derived, timeout): the triples new to
 * the store derived so far against the most allowed, and the kg_now() past which it stops. */
typedef struct {
    uint64_t n_new, max_derived;
    double deadline, timeout; /* deadline 0: no timeout */
} RsLimits;

typedef struct RsEquality RsEquality;
typedef struct RsKinds RsKinds;

/* A fact a rule derived in this round, added to the table at the round's end (rs_engine_flush):
 * in a batch, the table's cache misses can be fetched ahead. */
typedef struct {
    RsFact f;
    double conf;
    uint32_t rule_plus1;
    uint32_t prem_at; /* its premises: pending_prems[prem_at ..] */
    uint32_t n_prem;
} RsPending;

typedef struct {
    KgStore *store;
    RsProgram *prog;
    RsFacts db;
    double *conf;        /* per fact */
    uint32_t *rule_of;   /* per fact: rule index + 1, 0 for a fact from the store, RS_REWRITTEN */
    uint32_t *prem_start;/* per fact: where its premises start in `prems` */
    uint8_t *n_prem;
    uint32_t *prems;
    size_t n_prems, cap_prems, cap_meta;
    Compiled *rules;
    uint64_t *per_rule;
    RsEquality *eq;      /* NULL unless owl:sameAs is handled by representatives */
    RsKinds *kinds;      /* recently seen terms' kinds (rs_term_kind) */
    size_t n_loaded;     /* facts 0..n_loaded-1 came from the store */
    KgQuad *graphs;      /* per loaded fact: the quad it was read as (its graph) */
    uint32_t *better;    /* derived facts whose confidence rose since their dependents were */
    size_t n_better, cap_better;
    const uint32_t *conf_delta; /* during a confidence pass: the facts that rose, the delta */
    size_t n_conf_delta;
    uint32_t *delta_sorted; /* the round's delta sorted by predicate (sort_delta) */
    size_t n_delta_sorted, cap_delta_sorted;
    RsPending *pending;  /* derived this round, not in the table yet */
    size_t n_pending, cap_pending;
    uint32_t *pending_prems;
    size_t n_pending_prems, cap_pending_prems;
    /* the current evaluation */
    const Compiled *cr;
    const size_t *plan;
    size_t delta_atom;
    uint32_t old_end, delta_start, delta_end;
    KgTermId vals[256];
    int bound[256];
    uint32_t premise[MAX_BODY];
    uint64_t n_steps;
    RsLimits limits; /* rs_reason's: n_new counts the facts new to the store */
    /* goal-directed answering (rs_querier_answers): a body match hands the value of the head's
     * other position (answer_term, or the constant answer_const) to answer() instead of
     * deriving a fact, and a grounding's variables must take different values (object
     * identity) */
    void (*answer)(void *ctx, KgTermId value);
    void *answer_ctx;
    const RsTerm *answer_term;
    KgTermId answer_const;
    /* and, since only distinct answers matter then, a join step whose live variables (bound
     * and still read later: memo_live[step], a bit per variable) have values it has already
     * explored memo_visits[step] times is skipped: a chain of atoms is walked about once per
     * distinct intermediate value, as a breadth-first search would. More than one visit is
     * allowed where object identity makes the values of earlier, no longer read variables
     * matter (X-A-B-Y: B reached from A1 cannot answer A1, from A2 it can). Seen states are
     * 64-bit hashes, tagged with the call, with their visits. */
    const uint64_t *memo_live;
    const uint8_t *memo_visits;
    uint8_t *memo_count;
    uint64_t *memo_keys;
    uint32_t *memo_gen;
    size_t memo_cap, memo_n;
    uint32_t memo_call;
    KgStatus status;
    KgError *err;
} Engine;

/* ---- engine.c: compiling rules and joining, shared with query.c */

/* The limits opt asks for (NULL: the defaults), for work that started at kg_now() t0. */
void rs_limits_start(RsLimits *l, const RsOptions *opt, double t0);
/* KG_ERR_LIMIT when l's work has derived more than max_derived new triples or passed its
 * deadline, with a message naming the limit, `what` stopped ("reasoning", "the update") and the
 * rule that derived the most (per_rule: counts per rule of p, may be NULL); else KG_OK. */
KgStatus rs_limits_check(const RsLimits *l, const char *what, const RsProgram *p, const uint64_t *per_rule,
                         KgError *err);
/* rs_limits_check for e (its per_rule, its program), into e->status; returns e->status. */
KgStatus rs_engine_check_limits(Engine *e, const char *what);

/* A rule's head constants as ids: interned (the terms the rules may derive), or, when only
 * answering queries, looked up (0 when absent). */
KgStatus rs_engine_compile_heads(Engine *e, const RsRule *r, Compiled *c, int intern, KgError *err);
/* The body's constants as ids, its expressions, and a join order per positive atom. */
KgStatus rs_engine_compile_rule(Engine *e, const RsRule *r, Compiled *c, KgError *err);
void rs_engine_free_compiled(Compiled *c);
/* Frees what an engine owns (compiled rules, facts, derivations, scratch, the join memo), all
 * but per_rule, which reasoning hands on as statistics. */
void rs_engine_release(Engine *e);
/* Completes a join order: plan[0 .. n) placed (used, their variables in bound), the rest
 * greedily (FILTER, BIND, NOT as soon as ready; else the atom with most positions bound). */
void rs_engine_order_rest(const Compiled *c, int *bound, char *used, size_t *plan, size_t n);
/* Joins e->cr's body from plan step `step` on, with e->vals / e->bound as bound so far. */
void rs_engine_join(Engine *e, size_t step);
/* Reads every quad of the store as a fact; graphs[f] the first quad read as fact f,
 * asserted[f] whether any of its quads is asserted. */
KgStatus rs_engine_load_facts(Engine *e, KgQuad **graphs, uint8_t **asserted, KgError *err);

/* Adds a fact (in canonical form when equality is on) with its derivation, or raises the
 * confidence of the fact already there (max over derivations). KG_ERR_NOMEM only. */
KgStatus rs_engine_add_fact(Engine *e, const RsFact *f, uint32_t rule_of, const uint32_t *prem,
                            size_t n_prem, double conf);

/* The kind of term id (KG_TERM_IRI, _BLANK, _LITERAL), -1 when the store cannot say. */
int rs_term_kind(Engine *e, KgTermId id);

/* ---- fast_filter.c */

/* Compiles FILTER atom a of rule r into tests on ids when it is made only of isLiteral, isIRI,
 * isURI, isBlank (negated or not) and ?a != ?b joined by &&: 1 then, else 0. */
int rs_fast_filter_compile(const RsRule *r, const RsAtom *a, RsFastFilter *out);
/* 1 true, 0 false, -1 undecided: evaluate the expression itself. */
int rs_fast_filter_test(Engine *e, const RsFastFilter *f);

/* ---- equality.c: owl:sameAs by representatives */

/* Turns equality handling on: owl:sameAs facts merge their terms from now on. */
KgStatus rs_eq_start(Engine *e, KgError *err);
void rs_eq_free(Engine *e);
/* The representative of term t (t itself when equality is off or t is merged with nothing). */
KgTermId rs_eq_find(const Engine *e, KgTermId t);
/* Called for each new fact: an owl:sameAs fact between two terms is queued for merging. */
KgStatus rs_eq_note(Engine *e, uint32_t fact);
/* Merges what the queued owl:sameAs facts say is equal: every fact naming a merged term dies
 * and its rewritten form is added (a new fact, so the next round's delta); the rules'
 * constants are rewritten too. *n_merged gets how many terms stopped being representatives. */
KgStatus rs_eq_merge(Engine *e, size_t *n_merged);

/* Counts for the report. */
typedef struct {
    uint64_t n_terms, n_classes; /* terms in classes of two or more, and those classes */
    uint64_t n_rewritten;        /* facts rewritten to representatives in memory */
} RsEqCounts;
void rs_eq_counts(const Engine *e, RsEqCounts *out);

/* Writing back: `put` writes one inferred triple with its derivation (ctx is write_back's). */
typedef KgStatus (*RsPutFn)(void *ctx, const KgQuad *q, const char *rule, double conf,
                            const KgQuad *prem, size_t n_prem, KgError *err);
/* The triples equality implies beyond the fact table: each live fact with every member of its
 * terms' classes substituted, and owl:sameAs between every two members of a class, each with
 * a derivation (eq-rep-*, eq-sym, eq-trans) whose premises are in the store once all is written. */
KgStatus rs_eq_write(Engine *e, RsPutFn put, void *ctx, KgError *err);
/* The derivation of fact f, rewritten from another (rule_of[f] == RS_REWRITTEN): that fact and
 * the owl:sameAs triples between the terms that differ (at most 4 premises), and the rule's
 * name (eq-rep-s, eq-rep-so, ...). */
void rs_eq_rewritten_derivation(const Engine *e, uint32_t f, KgQuad *prem, size_t *n_prem,
                                const char **rule);

/* ---- write_back.c */

/* The quad fact f stands for: as read from the store (its graph) or, derived, in the default
 * graph. */
KgQuad rs_fact_quad(const Engine *e, uint32_t f);
/* Writes the derived facts (n_loaded on) and what equality implies into the store as
 * inferred, each with its derivation; *n_written gets how many triples were written. */
KgStatus rs_write_back(Engine *e, uint64_t *n_written, KgError *err);

#endif
