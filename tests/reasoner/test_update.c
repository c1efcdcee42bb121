/* tests/reasoner/test_update.c: incremental maintenance (rs_update, reasoner/update.c) against
 * the one definition of right that needs no second implementation: rs_reason from scratch over
 * the same asserted quads. The property test of issue 9 generates random stratified programs
 * (recursion, negation over two strata, weights, rules deriving into asserted predicates),
 * random knowledge bases and random sequences of additions and retractions, and after every
 * step compares the maintained store with a fresh one reasoned from scratch, quad for quad,
 * mark for mark and confidence for confidence, and checks that every recorded derivation
 * explains its quad back to asserted quads. The same is done for changes of program
 * (rs_update_program): a random program is split in parts, reasoned under one, and parts are
 * added and dropped, with changes of data in between. A third of the random cases let
 * rs_update keep only a few rows of the store in memory (RsOptions.update_view_rows), so its
 * lookups also go to the store directly (reasoner/store_view.c's way out). Hand-written cases
 * pin the semantics; both the maintained store and the one reasoned from scratch must agree
 * with them.
 *
 * NOUS_UPDATE_SEEDS=N runs N random cases instead of the default; NOUS_UPDATE_SEED=S runs only
 * case S (the one a failure names). */
#include "../kg/helpers.h"
#include "kg/rng.h"
#include "reasoner/rs.h"

#include <math.h>
#include <stdarg.h>

#define EX "http://example.org/"
#define PREFIX "@prefix ex: <" EX "> .\n"
#define RULES_NAME "update.dl" /* every program here is read under this name */
#define CONF_EPS 1e-9
/* Random cases run by default: about 3 seconds in the plain build. Under ASan, where unwinding
 * the stack on every malloc (the Makefile's fast_unwind_on_malloc=0) makes a case some 40 times
 * slower, fewer. */
#ifdef __SANITIZE_ADDRESS__
#define DEFAULT_SEEDS 12
#else
#define DEFAULT_SEEDS 100
#endif

/* ================================================================ snapshots of a store */

/* One quad of a store: its ids (in that store), its mark, the recorded confidence (for an
 * inferred quad; NAN when none is recorded) and its text, which names it in any store. */
typedef struct {
    KgQuad q;
    unsigned mark;
    double conf;
    char *key;
} Row;

typedef struct {
    Row *rows;      /* sorted by key */
    size_t n;
    Row **by_quad;  /* the same rows sorted by ids, to find a premise */
} Snapshot;

static void append_term(KgStore *st, KgTermId id, KgBuf *out)
{
    KgError err = {0};
    cr_assert_eq(kg_term_write_id(st, id, 0, out, &err), KG_OK, "writing term %llu: %s",
                 (unsigned long long)id, err.msg);
}

/* "<s> <p> <o>", and " <g>" for a named graph; caller frees. */
static char *quad_text(KgStore *st, const KgQuad *q)
{
    KgBuf b = {0};
    append_term(st, q->s, &b);
    kg_buf_puts(&b, " ");
    append_term(st, q->p, &b);
    kg_buf_puts(&b, " ");
    append_term(st, q->o, &b);
    if (q->g != KG_DEFAULT_GRAPH) {
        kg_buf_puts(&b, " ");
        append_term(st, q->g, &b);
    }
    char *s = strdup(kg_buf_cstr(&b));
    cr_assert_not_null(s);
    kg_buf_free(&b);
    return s;
}

static int cmp_quad(const KgQuad *a, const KgQuad *b)
{
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->o != b->o) return a->o < b->o ? -1 : 1;
    if (a->g != b->g) return a->g < b->g ? -1 : 1;
    return 0;
}

static int cmp_row_key(const void *a, const void *b)
{
    return strcmp(((const Row *)a)->key, ((const Row *)b)->key);
}

static int cmp_row_quad(const void *a, const void *b)
{
    return cmp_quad(&(*(Row *const *)a)->q, &(*(Row *const *)b)->q);
}

static Snapshot snapshot_take(KgStore *st)
{
    Snapshot sn = {0};
    size_t cap = 0;
    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    KgError err = {0};
    unsigned mark;
    cr_assert_eq(kg_match_new(st, &pat, KG_ASSERTED | KG_INFERRED, &it, &err), KG_OK, "%s",
                 err.msg);
    KgStatus s;
    while ((s = kg_iter_next(it, &q, &mark, &err)) == KG_OK) {
        if (sn.n == cap) {
            cap = cap ? 2 * cap : 256;
            sn.rows = realloc(sn.rows, cap * sizeof *sn.rows);
            cr_assert_not_null(sn.rows);
        }
        sn.rows[sn.n++] = (Row){q, mark, 1.0, quad_text(st, &q)};
    }
    cr_assert_eq(s, KG_DONE, "%s", err.msg);
    kg_iter_free(it);
    for (size_t i = 0; i < sn.n; i++) {
        if (!(sn.rows[i].mark & KG_INFERRED)) continue;
        KgDerivation d;
        s = kg_derivation_get(st, &sn.rows[i].q, &d, &err);
        cr_assert(s == KG_OK || s == KG_ERR_NOT_FOUND, "kg_derivation_get: %s", err.msg);
        sn.rows[i].conf = s == KG_OK ? d.confidence : NAN;
    }
    if (sn.n) qsort(sn.rows, sn.n, sizeof *sn.rows, cmp_row_key);
    sn.by_quad = malloc((sn.n ? sn.n : 1) * sizeof *sn.by_quad);
    cr_assert_not_null(sn.by_quad);
    for (size_t i = 0; i < sn.n; i++) sn.by_quad[i] = &sn.rows[i];
    if (sn.n) qsort(sn.by_quad, sn.n, sizeof *sn.by_quad, cmp_row_quad);
    return sn;
}

static void snapshot_free(Snapshot *sn)
{
    for (size_t i = 0; i < sn->n; i++) free(sn->rows[i].key);
    free(sn->rows);
    free(sn->by_quad);
    memset(sn, 0, sizeof *sn);
}

static const Row *snapshot_find(const Snapshot *sn, const KgQuad *q)
{
    size_t lo = 0, hi = sn->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_quad(&sn->by_quad[mid]->q, q);
        if (c == 0) return sn->by_quad[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static const char *mark_name(unsigned mark)
{
    static const char *const names[4] = {"absent", "asserted", "inferred", "asserted and inferred"};
    return names[mark & 3];
}

/* printf into a new string; caller frees. */
static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* The first way `got` differs from `want` (quads by text, marks, the confidences of inferred
 * quads within CONF_EPS), as a sentence; NULL when they are the same. Caller frees. */
static char *first_difference(const Snapshot *got, const Snapshot *want)
{
    size_t i = 0, j = 0;
    while (i < got->n || j < want->n) {
        int c = i == got->n ? 1 : j == want->n ? -1 : strcmp(got->rows[i].key, want->rows[j].key);
        if (c < 0)
            return format("%s is %s but should be absent", got->rows[i].key,
                          mark_name(got->rows[i].mark));
        if (c > 0)
            return format("%s is absent but should be %s", want->rows[j].key,
                          mark_name(want->rows[j].mark));
        const Row *a = &got->rows[i++], *b = &want->rows[j++];
        if (a->mark != b->mark)
            return format("%s is %s but should be %s", a->key, mark_name(a->mark),
                          mark_name(b->mark));
        if ((a->mark & KG_INFERRED) && !(fabs(a->conf - b->conf) <= CONF_EPS))
            return format("%s has confidence %.12g but should have %.12g", a->key, a->conf,
                          b->conf);
    }
    return NULL;
}

/* ================================================================ explanations */

/* The weight of the rule labelled `label` in p; -1 when p has no such rule. */
static double weight_of_label(const RsProgram *p, const char *label)
{
    for (size_t i = 0; i < rs_program_n_rules(p); i++)
        if (strcmp(rs_rule_label(p, i), label) == 0) return rs_rule_weight(p, i);
    return -1;
}

enum { WHITE, GREY, BLACK };

/* Follows the premises of inferred row r depth first; the first cycle found, as text, or NULL. */
static char *find_cycle(const Snapshot *sn, size_t r, const size_t *start, const size_t *prem,
                        unsigned char *colour)
{
    colour[r] = GREY;
    for (size_t k = start[r]; k < start[r + 1]; k++) {
        size_t t = prem[k];
        if (colour[t] == GREY)
            return format("following derivations from %s comes back to %s: a cycle",
                          sn->rows[r].key, sn->rows[t].key);
        if (colour[t] == WHITE) {
            char *why = find_cycle(sn, t, start, prem, colour);
            if (why) return why;
        }
    }
    colour[r] = BLACK;
    return NULL;
}

/* What `explain` relies on: every inferred quad has a derivation by a rule of p whose premises
 * are in the store and whose confidence is the rule's weight times theirs (1 for an asserted
 * premise), following derivations ends at asserted quads without a cycle, and a quad that is
 * only asserted has no derivation recorded (kg_derivation_get's contract). The first problem
 * as a sentence, NULL when there is none; caller frees. */
static char *explanation_problem(KgStore *st, const Snapshot *sn, const RsProgram *p)
{
    size_t *start = calloc(sn->n + 1, sizeof *start);
    size_t *prem = NULL, n_prem = 0, cap_prem = 0;
    unsigned char *colour = calloc(sn->n ? sn->n : 1, 1);
    cr_assert(start && colour);
    char *why = NULL;
    KgError err = {0};
    for (size_t i = 0; i < sn->n && !why; i++) {
        const Row *r = &sn->rows[i];
        start[i] = n_prem;
        KgDerivation d;
        KgStatus s = kg_derivation_get(st, &r->q, &d, &err);
        if (!(r->mark & KG_INFERRED)) {
            if (s != KG_ERR_NOT_FOUND)
                why = format("%s is only asserted but has a derivation recorded (%s)", r->key,
                             s == KG_OK ? d.rule : kg_status_name(s));
            colour[i] = BLACK; /* an asserted quad ends every explanation */
            continue;
        }
        if (s != KG_OK) {
            why = format("%s is inferred but has no derivation (%s)", r->key, kg_status_name(s));
            break;
        }
        double w = weight_of_label(p, d.rule);
        if (w < 0) {
            why = format("%s is derived by \"%s\", which is no rule of the program", r->key,
                         d.rule);
            break;
        }
        if (d.n_premises == 0) {
            why = format("%s has a derivation by %s without premises", r->key, d.rule);
            break;
        }
        double product = w;
        for (size_t k = 0; k < d.n_premises && !why; k++) {
            const Row *pr = snapshot_find(sn, &d.premises[k]);
            if (!pr) {
                char *t = quad_text(st, &d.premises[k]);
                why = format("%s is derived by %s from %s, which is not in the store", r->key,
                             d.rule, t);
                free(t);
                break;
            }
            product *= (pr->mark & KG_ASSERTED) ? 1.0 : pr->conf;
            if (n_prem == cap_prem) {
                cap_prem = cap_prem ? 2 * cap_prem : 256;
                prem = realloc(prem, cap_prem * sizeof *prem);
                cr_assert_not_null(prem);
            }
            // an asserted premise is BLACK: the walk stops there
            prem[n_prem++] = (size_t)(pr - sn->rows);
        }
        if (!why && !(fabs(product - d.confidence) <= CONF_EPS))
            why = format("%s has confidence %.12g, but its derivation by %s gives %.12g", r->key,
                         d.confidence, d.rule, product);
    }
    start[sn->n] = n_prem;
    for (size_t i = 0; i < sn->n && !why; i++)
        if (colour[i] == WHITE) why = find_cycle(sn, i, start, prem, colour);
    free(start);
    free(prem);
    free(colour);
    return why;
}

/* ================================================================ reasoning from scratch */

static KgTermId copy_term(KgStore *from, KgStore *to, KgTermId id)
{
    KgTerm t;
    KgTermId out = 0;
    KgError err = {0};
    cr_assert_eq(kg_dict_get(from, id, &t, &err), KG_OK, "%s", err.msg);
    cr_assert_eq(kg_dict_intern(to, &t, &out, &err), KG_OK, "%s", err.msg);
    return out;
}

/* Rule text read under a name: the name is what the labels of its rules start with. */
typedef struct {
    const char *name, *text;
} RuleText;

/* The program of parts[0 .. n), in that order (rule labels "NAME:LINE"). */
static RsProgram *program_of(KgStore *st, const RuleText *parts, size_t n)
{
    RsProgram *p = NULL;
    KgError err = {0};
    cr_assert_eq(rs_program_new(st, &p, &err), KG_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++) {
        const RuleText *t = &parts[i];
        KgStatus s = rs_program_add_text(p, t->name, t->text, strlen(t->text), &err);
        char where[400];
        kg_error_format(&err, where, sizeof where);
        cr_assert_eq(s, KG_OK, "the rules do not load: %s\n%s", where, parts[i].text);
    }
    return p;
}

static RsProgram *program_ok(KgStore *st, const char *rules)
{
    RuleText t = {RULES_NAME, rules};
    return program_of(st, &t, 1);
}

static void reason_ok(KgStore *st, RsProgram *p)
{
    KgError err = {0};
    KgStatus s = rs_reason(st, p, NULL, NULL, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "rs_reason: %s", where);
}

/* A fresh in-memory store holding the asserted quads of `st` (terms copied by their text, so
 * that ids differ) and reasoned from scratch under the program of parts[0 .. n). Caller
 * closes it. */
static KgStore *reason_from_scratch_of(KgStore *st, const RuleText *parts, size_t n)
{
    KgStore *fresh = open_store(":memory:");
    KgError err = {0};
    cr_assert_eq(kg_store_begin(fresh, &err), KG_OK, "%s", err.msg);
    KgQuad pat = {KG_ANY, KG_ANY, KG_ANY, KG_ANY_GRAPH}, q;
    KgIter *it = NULL;
    cr_assert_eq(kg_match_new(st, &pat, KG_ASSERTED, &it, &err), KG_OK, "%s", err.msg);
    KgStatus s;
    while ((s = kg_iter_next(it, &q, NULL, &err)) == KG_OK) {
        KgQuad c = {copy_term(st, fresh, q.s), copy_term(st, fresh, q.p), copy_term(st, fresh, q.o),
                    q.g == KG_DEFAULT_GRAPH ? KG_DEFAULT_GRAPH : copy_term(st, fresh, q.g)};
        cr_assert_eq(kg_quad_add(fresh, &c, KG_ASSERTED, NULL, &err), KG_OK, "%s", err.msg);
    }
    cr_assert_eq(s, KG_DONE, "%s", err.msg);
    kg_iter_free(it);
    cr_assert_eq(kg_store_commit(fresh, &err), KG_OK, "%s", err.msg);
    RsProgram *p = program_of(fresh, parts, n);
    reason_ok(fresh, p);
    rs_program_free(p);
    return fresh;
}

static KgStore *reason_from_scratch(KgStore *st, const char *rules)
{
    RuleText t = {RULES_NAME, rules};
    return reason_from_scratch_of(st, &t, 1);
}

/* Fails, saying what and `context`, unless the store explains itself by the rules of p and
 * equals the store reasoned from scratch over its asserted quads under the program of
 * parts[0 .. n) (p's rules, with the same labels); that store is returned (caller closes it). */
static KgStore *assert_same_as_from_scratch_of(KgStore *st, const RsProgram *p,
                                               const RuleText *parts, size_t n, const char *context)
{
    Snapshot got = snapshot_take(st);
    char *why = explanation_problem(st, &got, p);
    cr_assert_null(why, "maintained store: %s\n%s", why, context);
    KgStore *fresh = reason_from_scratch_of(st, parts, n);
    Snapshot want = snapshot_take(fresh);
    why = explanation_problem(fresh, &want, p);
    cr_assert_null(why, "store reasoned from scratch: %s\n%s", why, context);
    why = first_difference(&got, &want);
    cr_assert_null(why, "maintained store against reasoning from scratch: %s\n%s", why, context);
    snapshot_free(&got);
    snapshot_free(&want);
    return fresh;
}

static KgStore *assert_same_as_from_scratch(KgStore *st, const RsProgram *p, const char *rules,
                                            const char *context)
{
    RuleText t = {RULES_NAME, rules};
    return assert_same_as_from_scratch_of(st, p, &t, 1, context);
}

static RsUpdateStats update_ok(KgStore *st, RsProgram *p, const KgQuad *add, size_t n_add,
                               const KgQuad *retract, size_t n_retract)
{
    RsUpdateStats stats;
    KgError err = {0};
    KgStatus s = rs_update(st, p, add, n_add, retract, n_retract, NULL, &stats, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "rs_update: %s (%s)", where, kg_status_name(s));
    return stats;
}

/* ================================================================ random cases */

/* The vocabulary of random programs, in layers that keep every program stratifiable: a rule
 * with a head of level L reads positively predicates of level <= max(L, 1) and negates only
 * predicates of level < L (levels 2 and 3 only). Level 0 is what the data asserts; rules
 * deriving into it make predicates both asserted and derived. Unary ones are classes (C[?x]
 * is [?x, rdf:type, C]). */
typedef struct {
    const char *name;
    int unary;
    int level;
} Pred;

static const Pred preds[] = {
    {"e0", 0, 0}, {"e1", 0, 0}, {"e2", 0, 0}, {"e3", 0, 0}, {"C0", 1, 0}, {"C1", 1, 0},
    {"d0", 0, 1}, {"d1", 0, 1}, {"d2", 0, 1}, {"D0", 1, 1},
    {"n0", 0, 2}, {"N0", 1, 2},
    {"n1", 0, 3},
};
enum { N_PREDS = sizeof preds / sizeof preds[0], MAX_ENTITIES = 12, MAX_CHANGE = 3 };

typedef struct {
    KgRng rng;
    int n_entities;
    int named_graphs; /* some quads of this case go in named graphs */
    int unit_weights; /* every rule has weight 1 (rs_update then takes a shortcut) */
    RsOptions opt;    /* rs_update's: how much of the store it keeps in memory */
    char note[128];   /* named graphs, the memory rs_update may keep */
    KgBuf rules;
    /* ids in the maintained store */
    KgTermId entity[MAX_ENTITIES], pred[N_PREDS], type, graph[2];
} Case;

static uint32_t below(Case *c, uint32_t n)
{
    return kg_rng_below(&c->rng, n);
}

/* A predicate of the given arity with a level in [lo, hi], uniformly; -1 when none. */
static int pick_pred(Case *c, int unary, int lo, int hi)
{
    int ok[N_PREDS], n = 0;
    for (int i = 0; i < N_PREDS; i++)
        if (preds[i].unary == unary && preds[i].level >= lo && preds[i].level <= hi) ok[n++] = i;
    return n ? ok[below(c, (uint32_t)n)] : -1;
}

/* Writes atom `pred` over terms s and o (o unused, "", for a class) into b. */
static void write_atom(KgBuf *b, int pred, const char *s, const char *o)
{
    if (preds[pred].unary) kg_buf_printf(b, "ex:%s[%s]", preds[pred].name, s);
    else kg_buf_printf(b, "ex:%s[%s, %s]", preds[pred].name, s, o);
}

/* The shapes of rules: the head's terms and one or two body atoms, each over a binary
 * predicate ('P', 'Q') or a class ('C'); "K" stands for a constant entity. n_bound: how many of
 * ?x, ?y, ?z the body binds, for NOT atoms to use. */
typedef struct {
    const char *head[2];
    struct {
        char pred;
        const char *s, *o;
    } body[2];
    int n_body, n_bound;
} Shape;

static const Shape class_shapes[] = {
    {{"?x", ""}, {{'C', "?x", ""}}, 1, 1},
    {{"?x", ""}, {{'P', "?x", "?y"}}, 1, 2},
    {{"?y", ""}, {{'P', "?x", "?y"}}, 1, 2},
    {{"?x", ""}, {{'P', "?x", "?y"}, {'C', "?y", ""}}, 2, 2},
};

static const Shape binary_shapes[] = {
    {{"?x", "?y"}, {{'P', "?x", "?y"}}, 1, 2},                    /* a copy */
    {{"?x", "?y"}, {{'P', "?y", "?x"}}, 1, 2},                    /* the inverse */
    {{"?x", "?z"}, {{'P', "?x", "?y"}, {'Q', "?y", "?z"}}, 2, 3}, /* a chain */
    {{"?x", "?z"}, {{'P', "?x", "?y"}, {'Q', "?z", "?y"}}, 2, 3}, /* a shared object */
    {{"?x", "?y"}, {{'P', "?x", "?y"}, {'C', "?y", ""}}, 2, 2},   /* guarded by a class */
    {{"?x", "K"}, {{'C', "?x", ""}}, 1, 1},                       /* a constant in the head */
    {{"?x", "?y"}, {{'P', "?x", "?y"}, {'Q', "?y", "K"}}, 2, 2},  /* a constant in the body */
};
enum { SHAPE_INVERSE = 1, SHAPE_CHAIN = 2 };

static const char *shape_term(const char *t, const char *konst)
{
    return strcmp(t, "K") == 0 ? konst : t;
}

/* The level an exit rule for a head of `level` starts from, so that every derived predicate
 * is fed from below: asserted predicates feed level 1, level 1 feeds rules deriving into
 * asserted predicates, and negating rules read any lower level. */
static int exit_level(Case *c, int level)
{
    return level == 0 ? 1 : level == 1 ? 0 : (int)below(c, (uint32_t)level);
}

/* One rule for `head`, on one line: an exit rule, whose first atom reads a lower level, or a
 * recursive one (symmetric or transitive, or a chain through another predicate). Rules of
 * levels 2 and 3 may negate lower levels. */
static void write_rule(Case *c, int head, int recursive)
{
    static const char *const weights[] = {"0.9", "0.8", "0.5"};
    KgBuf *b = &c->rules;
    int unary = preds[head].unary, level = preds[head].level;
    int pos_hi = level < 1 ? 1 : level;
    if (below(c, 2) && !c->unit_weights) kg_buf_printf(b, "%s :: ", weights[below(c, 3)]);
    const Shape *sh;
    int first; /* the first body atom's predicate */
    if (recursive) {
        sh = &binary_shapes[below(c, 3) == 0 ? SHAPE_INVERSE : SHAPE_CHAIN];
        first = head;
    } else {
        sh = unary ? &class_shapes[below(c, 4)] : &binary_shapes[below(c, 7)];
        int lv = exit_level(c, level);
        first = pick_pred(c, sh->body[0].pred == 'C', lv, lv);
    }
    int q = recursive && below(c, 2) ? head : pick_pred(c, 0, 0, pos_hi);
    int cls = pick_pred(c, 1, 0, pos_hi);
    char konst[16];
    snprintf(konst, sizeof konst, "ex:a%u", below(c, (uint32_t)c->n_entities));
    write_atom(b, head, shape_term(sh->head[0], konst), shape_term(sh->head[1], konst));
    kg_buf_puts(b, " :- ");
    for (int i = 0; i < sh->n_body; i++) {
        char which = sh->body[i].pred;
        if (i) kg_buf_puts(b, ", ");
        write_atom(b, i == 0 ? first : which == 'Q' ? q : cls, shape_term(sh->body[i].s, konst),
                   shape_term(sh->body[i].o, konst));
    }
    /* negation, of lower levels only; a variable found in one NOT atom alone is existential */
    static const char *const bound[3] = {"?x", "?y", "?z"};
    if (level >= 2 && below(c, 4) != 0) {
        int n_not = 1 + (below(c, 3) == 0);
        for (int k = 0; k < n_not; k++) {
            const char *x = bound[below(c, (uint32_t)sh->n_bound)];
            const char *y = bound[below(c, (uint32_t)sh->n_bound)];
            const char *fresh = k == 0 ? "?w0" : "?w1";
            int lv = (int)below(c, (uint32_t)level);
            uint32_t form = below(c, 20);
            kg_buf_puts(b, ", NOT ");
            if (form < 7) write_atom(b, pick_pred(c, 1, lv, lv), x, "");
            else if (form < 15) write_atom(b, pick_pred(c, 0, lv, lv), x, y);
            else if (form < 18) write_atom(b, pick_pred(c, 0, lv, lv), x, fresh);
            else write_atom(b, pick_pred(c, 0, lv, lv), fresh, x);
        }
    }
    kg_buf_puts(b, " .\n");
}

/* The program of case c: 4 to 10 rules. Each head chosen gets an exit rule, often a recursive
 * rule and now and then a second exit rule with its own weight (so that the maximum over
 * proofs matters). */
static void write_program(Case *c)
{
    kg_buf_puts(&c->rules, PREFIX);
    int n_rules = 4 + (int)below(c, 7), written = 0;
    while (written < n_rules) {
        uint32_t r = below(c, 20);
        int level = r < 4 ? 0 : r < 12 ? 1 : r < 17 ? 2 : 3;
        int head = pick_pred(c, below(c, 3) == 0, level, level);
        if (head < 0) head = pick_pred(c, 0, level, level);
        write_rule(c, head, 0);
        written++;
        if (written < n_rules && !preds[head].unary && below(c, 2)) {
            write_rule(c, head, 1);
            written++;
        }
        if (written < n_rules && below(c, 4) == 0) {
            write_rule(c, head, 0);
            written++;
        }
    }
}

static KgTermId intern_iri(KgStore *st, const char *iri)
{
    KgTerm t = {KG_TERM_IRI, iri, strlen(iri), NULL, NULL};
    KgTermId id = 0;
    KgError err = {0};
    cr_assert_eq(kg_dict_intern(st, &t, &id, &err), KG_OK, "%s", err.msg);
    return id;
}

/* A random quad: mostly over the asserted predicates (base_pct percent), else over derived ones. */
static KgQuad random_quad(Case *c, uint32_t base_pct)
{
    int pred = below(c, 100) < base_pct ? pick_pred(c, (int)below(c, 3) == 0, 0, 0)
                                        : pick_pred(c, (int)below(c, 4) == 0, 1, 3);
    KgTermId s = c->entity[below(c, (uint32_t)c->n_entities)];
    KgTermId o = c->entity[below(c, (uint32_t)c->n_entities)];
    KgQuad q = preds[pred].unary ? (KgQuad){s, c->type, c->pred[pred], KG_DEFAULT_GRAPH}
                                 : (KgQuad){s, c->pred[pred], o, KG_DEFAULT_GRAPH};
    if (c->named_graphs && below(c, 6) == 0) q.g = c->graph[below(c, 2)];
    return q;
}

/* Case `seed`'s program, and its knowledge base asserted into st (its vocabulary interned). */
static void case_init(Case *c, uint64_t seed, KgStore *st)
{
    memset(c, 0, sizeof *c);
    kg_rng_seed(&c->rng, seed);
    c->n_entities = 6 + (int)below(c, MAX_ENTITIES - 5);
    c->named_graphs = below(c, 10) < 3;
    c->unit_weights = below(c, 4) == 0;
    /* a third of the cases let rs_update keep little of the store in memory (without a draw
     * from the case's generator), so that many of its lookups go to the store */
    if (seed % 3 == 2) {
        c->opt.update_view_rows = 1 + seed % 40;
        c->opt.update_subject_quads = 1 + seed / 3 % 4;
    }
    snprintf(c->note, sizeof c->note, "%s", c->named_graphs ? " (with named graphs)" : "");
    if (c->opt.update_view_rows)
        snprintf(c->note + strlen(c->note), sizeof c->note - strlen(c->note),
                 " (rs_update keeps at most %zu rows, subjects of at most %zu quads)", c->opt.update_view_rows,
                 c->opt.update_subject_quads);
    write_program(c);
    KgError err = {0};
    cr_assert_eq(kg_store_begin(st, &err), KG_OK, "%s", err.msg);
    char iri[64];
    for (int i = 0; i < c->n_entities; i++) {
        snprintf(iri, sizeof iri, EX "a%d", i);
        c->entity[i] = intern_iri(st, iri);
    }
    for (int i = 0; i < N_PREDS; i++) {
        snprintf(iri, sizeof iri, EX "%s", preds[i].name);
        c->pred[i] = intern_iri(st, iri);
    }
    c->type = intern_iri(st, KG_RDF_TYPE);
    c->graph[0] = intern_iri(st, EX "g0");
    c->graph[1] = intern_iri(st, EX "g1");
    int n_triples = 20 + (int)below(c, 41);
    for (int i = 0; i < n_triples; i++) {
        KgQuad q = random_quad(c, 75);
        cr_assert_eq(kg_quad_add(st, &q, KG_ASSERTED, NULL, &err), KG_OK, "%s", err.msg);
    }
    cr_assert_eq(kg_store_commit(st, &err), KG_OK, "%s", err.msg);
}

static int quad_in(const KgQuad *q, const KgQuad *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cmp_quad(q, &list[i]) == 0) return 1;
    return 0;
}

/* A random row of sn whose mark is exactly `mark`; NULL when there is none. */
static const Row *random_row(Case *c, const Snapshot *sn, unsigned mark)
{
    size_t n = 0;
    for (size_t i = 0; i < sn->n; i++) n += sn->rows[i].mark == mark;
    if (!n) return NULL;
    size_t k = below(c, (uint32_t)n);
    for (size_t i = 0; i < sn->n; i++)
        if (sn->rows[i].mark == mark && k-- == 0) return &sn->rows[i];
    return NULL;
}

/* One step's changes: 1 to 3 additions (new quads, inferred ones, asserted ones, the same
 * triple in a named graph) and/or 1 to 3 retractions of asserted quads; rarely nothing. */
static void random_changes(Case *c, const Snapshot *sn, KgQuad *add, size_t *n_add, KgQuad *retract,
                           size_t *n_retract)
{
    *n_add = *n_retract = 0;
    uint32_t kind = below(c, 20); /* 0: nothing, 1-7: add, 8-14: retract, 15-19: both */
    if (kind == 0) return;
    if (kind <= 7 || kind >= 15) {
        size_t want = 1 + below(c, MAX_CHANGE);
        for (size_t k = 0; k < want; k++) {
            uint32_t r = below(c, 10);
            const Row *row = r < 3   ? random_row(c, sn, KG_INFERRED)
                             : r < 4 ? random_row(c, sn, KG_ASSERTED)
                                     : NULL;
            KgQuad q = row ? row->q : random_quad(c, 60);
            if (row && r < 3 && c->named_graphs && below(c, 3) == 0) q.g = c->graph[below(c, 2)];
            if (!quad_in(&q, add, *n_add)) add[(*n_add)++] = q;
        }
    }
    if (kind >= 8) {
        size_t want = 1 + below(c, MAX_CHANGE);
        for (size_t k = 0; k < want; k++) {
            const Row *row = random_row(c, sn, KG_ASSERTED);
            if (row && !quad_in(&row->q, add, *n_add) && !quad_in(&row->q, retract, *n_retract))
                retract[(*n_retract)++] = row->q;
        }
    }
}

static void append_quads(KgStore *st, KgBuf *b, const char *what, const KgQuad *q, size_t n)
{
    kg_buf_printf(b, "%s:%s\n", what, n ? "" : " nothing");
    for (size_t i = 0; i < n; i++) {
        char *t = quad_text(st, &q[i]);
        kg_buf_printf(b, "    %s\n", t);
        free(t);
    }
}

/* Quads that were inferred at some step, sorted, so that one removed since can be asked for a
 * derivation it must no longer have. */
typedef struct {
    KgQuad *q;
    size_t n, cap;
} QuadSet;

static int cmp_quad_void(const void *a, const void *b)
{
    return cmp_quad(a, b);
}

static void remember_inferred(QuadSet *set, const Snapshot *sn)
{
    for (size_t i = 0; i < sn->n; i++) {
        if (!(sn->rows[i].mark & KG_INFERRED)) continue;
        if (set->n == set->cap) {
            set->cap = set->cap ? 2 * set->cap : 256;
            set->q = realloc(set->q, set->cap * sizeof *set->q);
            cr_assert_not_null(set->q);
        }
        set->q[set->n++] = sn->rows[i].q;
    }
    if (!set->n) return;
    qsort(set->q, set->n, sizeof *set->q, cmp_quad_void);
    size_t n = 1;
    for (size_t i = 1; i < set->n; i++)
        if (cmp_quad(&set->q[i], &set->q[n - 1]) != 0) set->q[n++] = set->q[i];
    set->n = n;
}

/* A quad rs_update deleted must not keep its derivation: explain would show a ghost. */
static void assert_no_ghost_derivations(KgStore *st, const QuadSet *set, const Snapshot *sn,
                                        const char *context)
{
    for (size_t i = 0; i < set->n; i++) {
        if (snapshot_find(sn, &set->q[i])) continue;
        KgDerivation d;
        KgError err = {0};
        KgStatus s = kg_derivation_get(st, &set->q[i], &d, &err);
        if (s == KG_ERR_NOT_FOUND) continue;
        char *t = quad_text(st, &set->q[i]);
        cr_assert_fail("%s is no longer in the store but kg_derivation_get gives %s (%s)\n%s", t,
                       kg_status_name(s), s == KG_OK ? d.rule : err.msg, context);
    }
}

static unsigned mark_in(const Snapshot *sn, const KgQuad *q)
{
    const Row *r = snapshot_find(sn, q);
    return r ? r->mark : 0;
}

/* The quads of st after a step: compared with what it was, no ghost derivations left, and
 * remembered; context says what the step was. */
static void after_step(KgStore *st, const RsProgram *p, const RuleText *parts, size_t n_parts,
                       Snapshot *sn, QuadSet *inferred, const char *context)
{
    KgStore *fresh = assert_same_as_from_scratch_of(st, p, parts, n_parts, context);
    kg_store_close(fresh);
    snapshot_free(sn);
    *sn = snapshot_take(st);
    assert_no_ghost_derivations(st, inferred, sn, context);
    remember_inferred(inferred, sn);
}

/* One random change of data under program p (the program of parts[0 .. n_parts)), checked
 * against reasoning from scratch; context holds what names the case and gets the changes. */
static void data_step(Case *c, KgStore *st, RsProgram *p, const RuleText *parts, size_t n_parts,
                      Snapshot *sn, QuadSet *inferred, KgBuf *context)
{
    KgQuad add[MAX_CHANGE], retract[MAX_CHANGE];
    size_t n_add, n_retract;
    random_changes(c, sn, add, &n_add, retract, &n_retract);
    uint64_t newly_asserted = 0;
    for (size_t i = 0; i < n_add; i++) newly_asserted += !(mark_in(sn, &add[i]) & KG_ASSERTED);
    append_quads(st, context, "this step adds", add, n_add);
    append_quads(st, context, "and retracts", retract, n_retract);
    RsUpdateStats stats;
    KgError err = {0};
    KgStatus s = rs_update(st, p, add, n_add, retract, n_retract, &c->opt, &stats, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "rs_update: %s (%s)\n%s", where, kg_status_name(s),
                 kg_buf_cstr(context));
    cr_assert_eq(stats.n_asserted, newly_asserted, "n_asserted %llu, expected %llu\n%s",
                 (unsigned long long)stats.n_asserted, (unsigned long long)newly_asserted,
                 kg_buf_cstr(context));
    cr_assert_eq(stats.n_retracted, n_retract, "n_retracted %llu, expected %zu\n%s",
                 (unsigned long long)stats.n_retracted, n_retract, kg_buf_cstr(context));
    after_step(st, p, parts, n_parts, sn, inferred, kg_buf_cstr(context));
}

/* Case `seed`: reason, then 8 to 15 random steps, each checked against reasoning from scratch. */
static void run_case(uint64_t seed)
{
    KgStore *st = open_store(":memory:");
    Case c;
    case_init(&c, seed, st);
    const char *rules = kg_buf_cstr(&c.rules);
    RuleText part = {RULES_NAME, rules};
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    KgBuf context = {0};
    kg_buf_printf(&context,
                  "random case %llu%s, after rs_reason (rerun it alone: NOUS_UPDATE_SEED=%llu "
                  "build/plain/unit --filter 'update/random_programs*')\nprogram:\n%s",
                  (unsigned long long)seed, c.note,
                  (unsigned long long)seed, rules);
    QuadSet inferred = {0};
    Snapshot sn = {0};
    after_step(st, p, &part, 1, &sn, &inferred, kg_buf_cstr(&context));
    int n_steps = 8 + (int)below(&c, 8);
    for (int step = 1; step <= n_steps; step++) {
        context.len = 0;
        kg_buf_printf(&context,
                      "random case %llu%s, step %d of %d (rerun it alone: NOUS_UPDATE_SEED=%llu "
                      "build/plain/unit --filter 'update/random_programs*')\nprogram:\n%s",
                      (unsigned long long)seed, c.note, step,
                      n_steps, (unsigned long long)seed, rules);
        data_step(&c, st, p, &part, 1, &sn, &inferred, &context);
    }
    snapshot_free(&sn);
    free(inferred.q);
    kg_buf_free(&context);
    kg_buf_free(&c.rules);
    rs_program_free(p);
    kg_store_close(st);
}

/* ---------------------------------------------------------------- changes of program */

/* A random program split in three parts, read under their own names so that rule labels name
 * the part: A (always in force), B and C (added and dropped). */
enum { PART_A, PART_B, PART_C, N_PARTS };
static const char *const part_names[N_PARTS] = {"a.dl", "b.dl", "c.dl"};

typedef struct {
    KgBuf text[N_PARTS];
    size_t n_rules[N_PARTS];
} Parts;

/* Deals the rules of case c (one a line) out to the parts: about half to A, the rest to B and
 * C. The union of parts is c's program, so any of them together stratify. */
static void split_rules(Case *c, Parts *pt)
{
    memset(pt, 0, sizeof *pt);
    for (int k = 0; k < N_PARTS; k++) kg_buf_puts(&pt->text[k], PREFIX);
    const char *line = kg_buf_cstr(&c->rules);
    cr_assert(strncmp(line, PREFIX, strlen(PREFIX)) == 0);
    line += strlen(PREFIX);
    while (*line) {
        const char *eol = strchr(line, '\n');
        cr_assert_not_null(eol);
        uint32_t r = below(c, 10);
        int k = r < 5 ? PART_A : r < 8 ? PART_B : PART_C;
        kg_buf_append(&pt->text[k], line, (size_t)(eol + 1 - line));
        pt->n_rules[k]++;
        line = eol + 1;
    }
}

/* The parts in force for `mask` (bit k: part k, for B and C; A always), in program order. */
static size_t parts_in(Parts *pt, unsigned mask, RuleText *out)
{
    size_t n = 0;
    for (int k = 0; k < N_PARTS; k++)
        if (k == PART_A || (mask >> k & 1))
            out[n++] = (RuleText){part_names[k], kg_buf_cstr(&pt->text[k])};
    return n;
}

static void describe_mask(KgBuf *b, unsigned mask)
{
    kg_buf_puts(b, "A");
    if (mask >> PART_B & 1) kg_buf_puts(b, "+B");
    if (mask >> PART_C & 1) kg_buf_puts(b, "+C");
}

static void describe_case(KgBuf *b, uint64_t seed, const Case *c, Parts *pt, int step,
                          unsigned mask)
{
    kg_buf_printf(b,
                  "program-change case %llu%s, step %d, program in force ",
                  (unsigned long long)seed, c->note, step);
    describe_mask(b, mask);
    kg_buf_printf(b, " (rerun it alone: NOUS_UPDATE_SEED=%llu build/plain/unit --filter "
                     "'update/random_program_changes*')\n",
                  (unsigned long long)seed);
    for (int k = 0; k < N_PARTS; k++)
        kg_buf_printf(b, "part %c (%s, %zu rules):\n%s", 'A' + k, part_names[k], pt->n_rules[k],
                      kg_buf_cstr(&pt->text[k]) + strlen(PREFIX));
}

/* Case `seed` with its program split in parts: reasoned under A, then B added and dropped
 * again, then a few random changes of program (parts added and dropped at once too), with 0
 * to 2 random changes of data under the program in force between them; every step checked
 * against reasoning from scratch under the program in force. */
static void run_program_case(uint64_t seed)
{
    KgStore *st = open_store(":memory:");
    Case c;
    case_init(&c, seed, st);
    Parts pt;
    split_rules(&c, &pt);
    unsigned mask = 0;
    RuleText parts[N_PARTS];
    size_t n_parts = parts_in(&pt, mask, parts);
    RsProgram *p = program_of(st, parts, n_parts);
    reason_ok(st, p);
    KgBuf context = {0};
    int step = 0;
    describe_case(&context, seed, &c, &pt, step, mask);
    kg_buf_puts(&context, "after rs_reason\n");
    QuadSet inferred = {0};
    Snapshot sn = {0};
    after_step(st, p, parts, n_parts, &sn, &inferred, kg_buf_cstr(&context));
    int n_changes = 2 + (int)below(&c, 4);
    for (int change = 0; change <= n_changes; change++) {
        int n_data = (int)below(&c, 3);
        for (int d = 0; d < n_data; d++) {
            context.len = 0;
            describe_case(&context, seed, &c, &pt, ++step, mask);
            data_step(&c, st, p, parts, n_parts, &sn, &inferred, &context);
        }
        if (change == n_changes) break;
        /* the next program: B, then A alone, then anything else */
        unsigned next = change == 0 ? 1u << PART_B : change == 1 ? 0 : mask;
        while (next == mask) next = below(&c, 4) << 1;
        context.len = 0;
        describe_case(&context, seed, &c, &pt, ++step, next);
        kg_buf_puts(&context, "this step changes the program from ");
        describe_mask(&context, mask);
        kg_buf_puts(&context, " to ");
        describe_mask(&context, next);
        kg_buf_puts(&context, "\n");
        RuleText next_parts[N_PARTS], gone[N_PARTS];
        size_t n_next = parts_in(&pt, next, next_parts), n_gone = 0;
        RsProgram *np = program_of(st, next_parts, n_next);
        size_t n_rules = rs_program_n_rules(np), at = 0, n_new = 0;
        uint8_t *new_rules = calloc(n_rules ? n_rules : 1, 1);
        cr_assert_not_null(new_rules);
        for (int k = 0; k < N_PARTS; k++) {
            int was = k == PART_A || (mask >> k & 1), is = k == PART_A || (next >> k & 1);
            if (is) {
                for (size_t i = 0; i < pt.n_rules[k]; i++) new_rules[at + i] = !was;
                at += pt.n_rules[k];
                n_new += was ? 0 : pt.n_rules[k];
            }
            if (was && !is) gone[n_gone++] = (RuleText){part_names[k], kg_buf_cstr(&pt.text[k])};
        }
        cr_assert_eq(at, n_rules, "%zu rules, but the parts have %zu\n%s", n_rules, at,
                     kg_buf_cstr(&context));
        RsProgram *dropped = n_gone ? program_of(st, gone, n_gone) : NULL;
        RsProgramChange ch = {n_new ? new_rules : NULL, dropped};
        RsUpdateStats stats;
        KgError err = {0};
        KgStatus s = rs_update_program(st, np, &ch, &c.opt, &stats, &err);
        char where[400];
        kg_error_format(&err, where, sizeof where);
        cr_assert_eq(s, KG_OK, "rs_update_program: %s (%s)\n%s", where, kg_status_name(s),
                     kg_buf_cstr(&context));
        cr_assert(stats.n_asserted == 0 && stats.n_retracted == 0,
                  "a change of program asserts %llu and retracts %llu quads\n%s",
                  (unsigned long long)stats.n_asserted, (unsigned long long)stats.n_retracted,
                  kg_buf_cstr(&context));
        free(new_rules);
        if (dropped) rs_program_free(dropped);
        rs_program_free(p);
        p = np;
        mask = next;
        n_parts = parts_in(&pt, mask, parts);
        after_step(st, p, parts, n_parts, &sn, &inferred, kg_buf_cstr(&context));
    }
    snapshot_free(&sn);
    free(inferred.q);
    kg_buf_free(&context);
    for (int k = 0; k < N_PARTS; k++) kg_buf_free(&pt.text[k]);
    kg_buf_free(&c.rules);
    rs_program_free(p);
    kg_store_close(st);
}

static uint64_t env_number(const char *name, uint64_t otherwise)
{
    const char *v = getenv(name);
    if (!v || !*v) return otherwise;
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    cr_assert(*end == '\0', "%s=%s is not a number", name, v);
    return n;
}

Test(update, random_programs_and_changes_match_reasoning_from_scratch_after_every_step)
{
    const char *one = getenv("NOUS_UPDATE_SEED");
    if (one && *one) {
        run_case(env_number("NOUS_UPDATE_SEED", 0));
        return;
    }
    uint64_t n = env_number("NOUS_UPDATE_SEEDS", DEFAULT_SEEDS);
    for (uint64_t seed = 1; seed <= n; seed++) run_case(seed);
}

Test(update, random_program_changes_match_reasoning_from_scratch_after_every_step)
{
    const char *one = getenv("NOUS_UPDATE_SEED");
    if (one && *one) {
        run_program_case(env_number("NOUS_UPDATE_SEED", 0));
        return;
    }
    uint64_t n = env_number("NOUS_UPDATE_SEEDS", DEFAULT_SEEDS);
    for (uint64_t seed = 1; seed <= n; seed++) run_program_case(seed);
}

/* ================================================================ the checker itself */

/* Fails unless a check reported a problem saying `expected`; frees the report. */
static void assert_reported(char *why, const char *expected)
{
    cr_assert(why && strstr(why, expected), "expected a report saying \"%s\", got: %s", expected,
              why ? why : "none");
    free(why);
}

/* The comparison and the explanation check must see what they are there to see, or the
 * property test proves nothing: a random case reasoned twice from scratch agrees with itself,
 * and each kind of damage done to one copy is reported. */
Test(update, the_checks_accept_reasoning_from_scratch_and_report_each_kind_of_damage)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        KgStore *st = open_store(":memory:");
        Case c;
        case_init(&c, seed, st);
        const char *rules = kg_buf_cstr(&c.rules);
        RsProgram *p = program_ok(st, rules);
        reason_ok(st, p);
        KgStore *fresh = assert_same_as_from_scratch(st, p, rules, rules);
        kg_store_close(fresh);
        rs_program_free(p);
        kg_buf_free(&c.rules);
        kg_store_close(st);
    }

    const char *rules = PREFIX "0.5 :: [?x, ex:r, ?y] :- [?x, ex:p, ?y] .\n"
                               "[?x, ex:t, ?y] :- [?x, ex:r, ?y] .\n";
    KgStore *st = open_store(":memory:");
    KgLoadOptions opt = {.format = KG_FMT_TURTLE};
    load_ok(st, "data.ttl", PREFIX "ex:a ex:p ex:b . ex:b ex:p ex:c .\n", &opt);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    KgStore *fresh = reason_from_scratch(st, rules);
    Snapshot want = snapshot_take(fresh);
    KgTermId a = iri_id(st, EX "a"), b = iri_id(st, EX "b"), c = iri_id(st, EX "c");
    KgTermId r = iri_id(st, EX "r"), t = iri_id(st, EX "t");
    KgQuad rab = {a, r, b, KG_DEFAULT_GRAPH}, tab = {a, t, b, KG_DEFAULT_GRAPH};
    KgQuad tbc = {b, t, c, KG_DEFAULT_GRAPH}, tba = {b, t, a, KG_DEFAULT_GRAPH};
    KgQuad tca = {c, t, a, KG_DEFAULT_GRAPH}, tcb = {c, t, b, KG_DEFAULT_GRAPH};
    KgError err = {0};
    Snapshot got;
    char *why;

    /* a changed confidence, and a derivation that no longer multiplies out */
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    KgDerivation d = {RULES_NAME ":3", 0.4, &rab, 1};
    cr_assert_eq(kg_derivation_put(st, &tab, &d, &err), KG_OK, "%s", err.msg);
    got = snapshot_take(st);
    assert_reported(first_difference(&got, &want), "confidence 0.4 but should have 0.5");
    assert_reported(explanation_problem(st, &got, p),
                    "its derivation by " RULES_NAME ":3 gives 0.5");
    snapshot_free(&got);
    kg_store_rollback(st);

    /* an extra quad (and, the other way round, a missing one), a premise that is not in the
     * store, an unknown rule */
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    cr_assert_eq(kg_quad_add(st, &tca, KG_INFERRED, NULL, &err), KG_OK);
    d = (KgDerivation){RULES_NAME ":3", 1, &tba, 1};
    cr_assert_eq(kg_derivation_put(st, &tca, &d, &err), KG_OK);
    got = snapshot_take(st);
    assert_reported(first_difference(&got, &want),
                    "<" EX "c> <" EX "t> <" EX "a> is inferred but should be absent");
    assert_reported(first_difference(&want, &got),
                    "<" EX "c> <" EX "t> <" EX "a> is absent but should be inferred");
    assert_reported(explanation_problem(st, &got, p), "which is not in the store");
    snapshot_free(&got);
    d.rule = "elsewhere.dl:1";
    cr_assert_eq(kg_derivation_put(st, &tca, &d, &err), KG_OK);
    got = snapshot_take(st);
    assert_reported(explanation_problem(st, &got, p), "which is no rule of the program");
    snapshot_free(&got);
    kg_store_rollback(st);

    /* a mark, a derivation on an asserted quad, a cycle */
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    cr_assert_eq(kg_quad_add(st, &tab, KG_ASSERTED, NULL, &err), KG_OK);
    got = snapshot_take(st);
    assert_reported(first_difference(&got, &want),
                    "is asserted and inferred but should be inferred");
    assert_reported(first_difference(&want, &got),
                    "is inferred but should be asserted and inferred");
    snapshot_free(&got);
    kg_store_rollback(st);
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    KgQuad pab = {a, iri_id(st, EX "p"), b, KG_DEFAULT_GRAPH};
    d = (KgDerivation){RULES_NAME ":2", 0.5, &rab, 1};
    cr_assert_eq(kg_derivation_put(st, &pab, &d, &err), KG_OK);
    got = snapshot_take(st);
    assert_reported(explanation_problem(st, &got, p),
                    "is only asserted but has a derivation recorded");
    snapshot_free(&got);
    kg_store_rollback(st);
    cr_assert_eq(kg_store_begin(st, &err), KG_OK);
    cr_assert_eq(kg_quad_add(st, &tcb, KG_INFERRED, NULL, &err), KG_OK);
    /* t(b, c) and t(c, b) each derived from the other: the confidences multiply out */
    d = (KgDerivation){RULES_NAME ":3", 1, &tcb, 1};
    cr_assert_eq(kg_derivation_put(st, &tbc, &d, &err), KG_OK);
    d.premises = &tbc;
    cr_assert_eq(kg_derivation_put(st, &tcb, &d, &err), KG_OK);
    got = snapshot_take(st);
    assert_reported(explanation_problem(st, &got, p), "a cycle");
    snapshot_free(&got);
    kg_store_rollback(st);

    /* and, untouched, the store is the same as from scratch */
    got = snapshot_take(st);
    why = first_difference(&got, &want);
    cr_assert_null(why, "%s", why);
    snapshot_free(&got);
    snapshot_free(&want);
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

/* ================================================================ hand-written cases */

static KgStore *store_with(const char *doc, KgFormat format)
{
    KgStore *st = open_store(":memory:");
    KgLoadOptions opt = {.format = format};
    load_ok(st, "data", doc, &opt);
    return st;
}

/* The IRI the hand-written cases mean by `local` in position k (0 s, 1 p, 2 o, 3 g): ex:local,
 * or rdf:type for "a" as a predicate. */
static const char *case_iri(char *buf, size_t n, int k, const char *local)
{
    if (k == 1 && strcmp(local, "a") == 0) return KG_RDF_TYPE;
    snprintf(buf, n, EX "%s", local);
    return buf;
}

/* The quad (ex:s, ex:p, ex:o) in graph ex:g (NULL: the default graph) of st; all ids 0 when
 * the store lacks one of the terms. */
static KgQuad quad_in_graph(KgStore *st, const char *s, const char *p, const char *o, const char *g)
{
    const char *local[4] = {s, p, o, g};
    KgTermId id[4] = {0};
    char iri[128];
    for (int k = 0; k < 4; k++)
        if (local[k] && kg_dict_lookup_iri(st, case_iri(iri, sizeof iri, k, local[k]), &id[k],
                                           NULL) != KG_OK)
            return (KgQuad){0, 0, 0, 0};
    return (KgQuad){id[0], id[1], id[2], id[3]};
}

static KgQuad quad_of(KgStore *st, const char *s, const char *p, const char *o)
{
    return quad_in_graph(st, s, p, o, NULL);
}

/* The quad (ex:s, ex:p, ex:o) in the default graph, its terms added to st when new. */
static KgQuad new_quad(KgStore *st, const char *s, const char *p, const char *o)
{
    const char *local[3] = {s, p, o};
    KgTermId id[3];
    char iri[128];
    KgError err = {0};
    cr_assert_eq(kg_store_begin(st, &err), KG_OK, "%s", err.msg);
    for (int k = 0; k < 3; k++) id[k] = intern_iri(st, case_iri(iri, sizeof iri, k, local[k]));
    cr_assert_eq(kg_store_commit(st, &err), KG_OK, "%s", err.msg);
    return (KgQuad){id[0], id[1], id[2], KG_DEFAULT_GRAPH};
}

static unsigned mark_of_quad(KgStore *st, KgQuad q)
{
    if (!q.s || !q.p || !q.o) return 0;
    KgIter *it = NULL;
    KgError err = {0};
    cr_assert_eq(kg_match_new(st, &q, KG_ASSERTED | KG_INFERRED, &it, &err), KG_OK);
    unsigned mark = 0;
    KgQuad found;
    if (kg_iter_next(it, &found, &mark, &err) != KG_OK) mark = 0;
    kg_iter_free(it);
    return mark;
}

static unsigned mark_of(KgStore *st, const char *s, const char *p, const char *o)
{
    return mark_of_quad(st, quad_of(st, s, p, o));
}

/* The recorded derivation of (ex:s, ex:p, ex:o) in the default graph; fails without one. */
static KgDerivation derivation_of(KgStore *st, const char *s, const char *p, const char *o)
{
    KgQuad q = quad_of(st, s, p, o);
    KgDerivation d;
    KgError err = {0};
    cr_assert_eq(kg_derivation_get(st, &q, &d, &err), KG_OK, "no derivation of ex:%s ex:%s ex:%s",
                 s, p, o);
    return d;
}

static int is_quad(KgStore *st, const KgQuad *q, const char *s, const char *p, const char *o)
{
    KgQuad want = quad_of(st, s, p, o);
    return cmp_quad(q, &want) == 0;
}

static const char *const path_rules =
    PREFIX "[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .\n"
           "[?x, ex:path, ?z] :- [?x, ex:edge, ?y], [?y, ex:path, ?z] .\n";

Test(update, retracting_a_middle_edge_removes_exactly_the_paths_that_needed_it)
{
    KgStore *st = store_with(PREFIX "ex:a ex:edge ex:b . ex:b ex:edge ex:c . ex:c ex:edge ex:d .\n"
                                    "ex:a ex:edge ex:x . ex:x ex:edge ex:c .\n",
                             KG_FMT_TURTLE);
    RsProgram *p = program_ok(st, path_rules);
    reason_ok(st, p);
    cr_assert_eq(count_matches(st, KG_ANY, iri_id(st, EX "path"), KG_ANY, KG_ANY_GRAPH), 9);
    KgQuad bc = quad_of(st, "b", "edge", "c");
    RsUpdateStats stats = update_ok(st, p, NULL, 0, &bc, 1);
    cr_assert_eq(stats.n_retracted, 1);
    cr_assert_eq(stats.n_asserted, 0);
    KgStore *fresh = assert_same_as_from_scratch(st, p, path_rules, "middle edge");
    static const char *const kept[][2] = {{"a", "b"}, {"a", "x"}, {"a", "c"}, {"a", "d"},
                                          {"x", "c"}, {"x", "d"}, {"c", "d"}};
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(count_matches(s, KG_ANY, iri_id(s, EX "path"), KG_ANY, KG_ANY_GRAPH), 7);
        for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++)
            cr_assert_eq(mark_of(s, kept[i][0], "path", kept[i][1]), KG_INFERRED, "path %s %s",
                         kept[i][0], kept[i][1]);
        cr_assert_eq(mark_of(s, "b", "path", "c"), 0, "b reaches c only by the retracted edge");
        cr_assert_eq(mark_of(s, "b", "path", "d"), 0);
        cr_assert_eq(mark_of(s, "b", "edge", "c"), 0);
    }
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

Test(update, a_fact_derived_two_ways_survives_losing_one_and_names_the_other)
{
    const char *rules = PREFIX "[?x, ex:knows, ?y] :- [?x, ex:friend, ?y] .\n"
                               "[?x, ex:knows, ?y] :- [?x, ex:colleague, ?y] .\n";
    KgStore *st =
        store_with(PREFIX "ex:ann ex:friend ex:bob ; ex:colleague ex:bob .\n", KG_FMT_TURTLE);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    KgDerivation d = derivation_of(st, "ann", "knows", "bob");
    cr_assert_eq(d.n_premises, 1);
    KgQuad first = d.premises[0];
    int by_friend = strcmp(d.rule, RULES_NAME ":2") == 0;
    cr_assert(by_friend || strcmp(d.rule, RULES_NAME ":3") == 0, "%s", d.rule);
    const char *other_rule = by_friend ? RULES_NAME ":3" : RULES_NAME ":2";
    const char *other_pred = by_friend ? "colleague" : "friend";
    update_ok(st, p, NULL, 0, &first, 1);
    KgStore *fresh = assert_same_as_from_scratch(st, p, rules, "two ways");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "ann", "knows", "bob"), KG_INFERRED);
        d = derivation_of(s, "ann", "knows", "bob");
        cr_assert_str_eq(d.rule, other_rule);
        cr_assert_eq(d.n_premises, 1);
        cr_assert(is_quad(s, &d.premises[0], "ann", other_pred, "bob"));
    }
    kg_store_close(fresh);
    /* and without the other way, it goes */
    KgQuad second = quad_of(st, "ann", other_pred, "bob");
    update_ok(st, p, NULL, 0, &second, 1);
    fresh = assert_same_as_from_scratch(st, p, rules, "two ways, both gone");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "ann", "knows", "bob"), 0);
    }
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

Test(update, losing_the_better_proof_lowers_the_confidence_and_regaining_it_raises_it)
{
    const char *rules = PREFIX "0.8 :: [?x, ex:likely, ?y] :- [?x, ex:p, ?y] .\n"
                               "0.5 :: [?x, ex:likely, ?y] :- [?x, ex:q, ?y] .\n"
                               "0.9 :: [?x, ex:t, ?y] :- [?x, ex:likely, ?y] .\n";
    KgStore *st = store_with(PREFIX "ex:a ex:p ex:b ; ex:q ex:b .\n", KG_FMT_TURTLE);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    cr_assert_float_eq(derivation_of(st, "a", "likely", "b").confidence, 0.8, CONF_EPS);
    KgQuad pab = quad_of(st, "a", "p", "b");
    update_ok(st, p, NULL, 0, &pab, 1);
    KgStore *fresh = assert_same_as_from_scratch(st, p, rules, "weights, retracted");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        KgDerivation d = derivation_of(s, "a", "likely", "b");
        cr_assert_float_eq(d.confidence, 0.5, CONF_EPS);
        cr_assert_str_eq(d.rule, RULES_NAME ":3");
        cr_assert_float_eq(derivation_of(s, "a", "t", "b").confidence, 0.45, CONF_EPS,
                           "what was derived from it follows");
    }
    kg_store_close(fresh);
    update_ok(st, p, &pab, 1, NULL, 0);
    fresh = assert_same_as_from_scratch(st, p, rules, "weights, added back");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        KgDerivation d = derivation_of(s, "a", "likely", "b");
        cr_assert_float_eq(d.confidence, 0.8, CONF_EPS);
        cr_assert_str_eq(d.rule, RULES_NAME ":2");
        cr_assert_float_eq(derivation_of(s, "a", "t", "b").confidence, 0.72, CONF_EPS);
    }
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

Test(update, a_negated_fact_appearing_removes_a_conclusion_and_its_retraction_restores_it)
{
    const char *rules = PREFIX "ex:Busy[?x] :- ex:works[?x, ?y] .\n"
                               "ex:Free[?x] :- ex:Person[?x], NOT ex:Busy[?x] .\n";
    KgStore *st = store_with(
        PREFIX "ex:ann a ex:Person . ex:bob a ex:Person ; ex:works ex:acme .\n", KG_FMT_TURTLE);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    cr_assert_eq(mark_of(st, "ann", "a", "Free"), KG_INFERRED);
    cr_assert_eq(mark_of(st, "bob", "a", "Free"), 0);
    /* derived in the lower stratum, then asserted directly */
    KgQuad works = new_quad(st, "ann", "works", "acme");
    KgQuad busy = new_quad(st, "ann", "a", "Busy");
    const KgQuad *changes[2] = {&works, &busy};
    for (int k = 0; k < 2; k++) {
        update_ok(st, p, changes[k], 1, NULL, 0);
        const char *what = k ? "Busy asserted" : "works added";
        KgStore *fresh = assert_same_as_from_scratch(st, p, rules, what);
        for (int w = 0; w < 2; w++) {
            KgStore *s = w ? fresh : st;
            cr_assert_eq(mark_of(s, "ann", "a", "Busy"), k ? KG_ASSERTED : KG_INFERRED);
            cr_assert_eq(mark_of(s, "ann", "a", "Free"), 0, "ann is busy now");
            cr_assert_eq(mark_of(s, "bob", "a", "Busy"), KG_INFERRED);
        }
        kg_store_close(fresh);
        update_ok(st, p, NULL, 0, changes[k], 1);
        fresh = assert_same_as_from_scratch(st, p, rules, k ? "Busy retracted" : "works retracted");
        for (int w = 0; w < 2; w++) {
            KgStore *s = w ? fresh : st;
            cr_assert_eq(mark_of(s, "ann", "a", "Busy"), 0);
            cr_assert_eq(mark_of(s, "ann", "a", "Free"), KG_INFERRED, "ann is free again");
        }
        kg_store_close(fresh);
    }
    rs_program_free(p);
    kg_store_close(st);
}

/* From scratch, a triple both asserted and derivable is only asserted (rs_reason writes only
 * what is not in the store), with no derivation: asserting an inferred triple takes its
 * inferred mark away, and retracting it while still derivable gives it back. */
Test(update, asserting_an_inferred_triple_makes_it_only_asserted_retracting_it_inferred_again)
{
    const char *rules = PREFIX "[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .\n"
                               "[?x, ex:path, ?z] :- [?x, ex:path, ?y], [?y, ex:edge, ?z] .\n";
    KgStore *st = store_with(PREFIX "ex:a ex:edge ex:b . ex:b ex:edge ex:c . ex:c ex:edge ex:d .\n",
                             KG_FMT_TURTLE);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    KgQuad ac = quad_of(st, "a", "path", "c"), bc = quad_of(st, "b", "edge", "c");
    cr_assert_eq(mark_of_quad(st, ac), KG_INFERRED);

    RsUpdateStats stats = update_ok(st, p, &ac, 1, NULL, 0);
    cr_assert_eq(stats.n_asserted, 1);
    KgStore *fresh = assert_same_as_from_scratch(st, p, rules, "inferred triple asserted");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "c"), KG_ASSERTED);
        KgDerivation d;
        KgQuad q = quad_of(s, "a", "path", "c");
        cr_assert_eq(kg_derivation_get(s, &q, &d, NULL), KG_ERR_NOT_FOUND);
        cr_assert_eq(mark_of(s, "a", "path", "d"), KG_INFERRED);
    }
    kg_store_close(fresh);

    stats = update_ok(st, p, NULL, 0, &ac, 1);
    cr_assert_eq(stats.n_retracted, 1);
    fresh = assert_same_as_from_scratch(st, p, rules, "asserted triple retracted, still derivable");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "c"), KG_INFERRED);
    }
    kg_store_close(fresh);

    /* asserted again while its only proof goes: it stays, and holds up what follows from it */
    update_ok(st, p, &ac, 1, &bc, 1);
    fresh = assert_same_as_from_scratch(st, p, rules, "asserted while its proof goes");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "c"), KG_ASSERTED);
        cr_assert_eq(mark_of(s, "b", "path", "c"), 0);
        cr_assert_eq(mark_of(s, "b", "path", "d"), 0);
        KgDerivation d = derivation_of(s, "a", "path", "d");
        cr_assert_eq(d.n_premises, 2);
        cr_assert(is_quad(s, &d.premises[0], "a", "path", "c"));
        cr_assert(is_quad(s, &d.premises[1], "c", "edge", "d"));
    }
    kg_store_close(fresh);

    update_ok(st, p, NULL, 0, &ac, 1);
    fresh = assert_same_as_from_scratch(st, p, rules, "retracted with nothing left to derive it");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "c"), 0);
        cr_assert_eq(mark_of(s, "a", "path", "d"), 0);
        cr_assert_eq(mark_of(s, "a", "path", "b"), KG_INFERRED);
    }
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

/* rs_reason reads every graph's triples as one dataset and writes only triples it did not
 * read: a derivable triple asserted in a named graph is not inferred in the default graph. */
Test(update, a_triple_asserted_in_a_named_graph_is_not_inferred_again_in_the_default_graph)
{
    const char *rules = PREFIX "[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .\n"
                               "0.5 :: [?x, ex:reach, ?y] :- [?x, ex:path, ?y] .\n";
    KgStore *st =
        store_with(PREFIX "ex:a ex:edge ex:b .\nex:g { ex:a ex:path ex:b . }\n", KG_FMT_TRIG);
    RsProgram *p = program_ok(st, rules);
    reason_ok(st, p);
    KgQuad named = quad_in_graph(st, "a", "path", "b", "g");
    KgStore *fresh = assert_same_as_from_scratch(st, p, rules, "named graph");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "b"), 0, "not in the default graph");
        cr_assert_eq(mark_of_quad(s, quad_in_graph(s, "a", "path", "b", "g")), KG_ASSERTED);
        KgDerivation d = derivation_of(s, "a", "reach", "b");
        KgQuad premise = quad_in_graph(s, "a", "path", "b", "g");
        cr_assert_eq(cmp_quad(&d.premises[0], &premise), 0, "the premise is ex:g's quad");
    }
    kg_store_close(fresh);

    update_ok(st, p, NULL, 0, &named, 1);
    fresh = assert_same_as_from_scratch(st, p, rules, "named graph quad retracted");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "b"), KG_INFERRED, "now in the default graph");
        cr_assert_eq(mark_of_quad(s, quad_in_graph(s, "a", "path", "b", "g")), 0);
    }
    kg_store_close(fresh);

    update_ok(st, p, &named, 1, NULL, 0);
    fresh = assert_same_as_from_scratch(st, p, rules, "named graph quad asserted again");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "a", "path", "b"), 0);
    }
    kg_store_close(fresh);
    rs_program_free(p);
    kg_store_close(st);
}

Test(update, retracting_a_quad_that_is_not_asserted_fails_and_changes_nothing)
{
    KgStore *st = store_with(PREFIX "ex:a ex:edge ex:b . ex:b ex:edge ex:c .\n"
                                    "ex:g { ex:c ex:edge ex:d . }\n",
                             KG_FMT_TRIG);
    RsProgram *p = program_ok(st, path_rules);
    reason_ok(st, p);
    KgQuad new_edge = new_quad(st, "d", "edge", "e");
    KgError err = {0};
    Snapshot before = snapshot_take(st);
    KgQuad not_asserted[3] = {
        quad_of(st, "a", "path", "c"), /* inferred */
        quad_of(st, "a", "edge", "c"), /* absent */
        quad_of(st, "c", "edge", "d"), /* asserted, but in ex:g */
    };
    for (int k = 0; k < 3; k++) {
        KgQuad retract[2] = {quad_of(st, "a", "edge", "b"), not_asserted[k]};
        memset(&err, 0, sizeof err);
        RsUpdateStats stats;
        KgStatus s = rs_update(st, p, &new_edge, 1, retract, 2, NULL, &stats, &err);
        cr_assert_eq(s, KG_ERR_ARG, "case %d: %s", k, kg_status_name(s));
        cr_assert_eq(err.status, KG_ERR_ARG, "case %d", k);
        const char *named = k == 0 ? "path" : "edge";
        cr_assert(strstr(err.msg, named), "case %d: the message names the quad: %s", k, err.msg);
        Snapshot after = snapshot_take(st);
        char *why = first_difference(&after, &before);
        cr_assert_null(why, "case %d: the store changed: %s", k, why);
        snapshot_free(&after);
    }
    snapshot_free(&before);
    rs_program_free(p);
    kg_store_close(st);
}

Test(update, an_interrupted_update_leaves_the_store_as_it_was)
{
    KgBuf doc = {0};
    kg_buf_puts(&doc, PREFIX);
    for (int i = 0; i < 120; i++) kg_buf_printf(&doc, "ex:n%d ex:edge ex:n%d .\n", i, i + 1);
    KgStore *st = store_with(kg_buf_cstr(&doc), KG_FMT_TURTLE);
    kg_buf_free(&doc);
    RsProgram *p = program_ok(st, path_rules);
    reason_ok(st, p);
    Snapshot before = snapshot_take(st);
    KgQuad first = quad_of(st, "n0", "edge", "n1");
    KgQuad back = quad_of(st, "n120", "edge", "n0");
    KgError err = {0};
    RsUpdateStats stats;
    kg_interrupt_request();
    KgStatus s = rs_update(st, p, &back, 1, &first, 1, NULL, &stats, &err);
    kg_interrupt_clear();
    cr_assert_eq(s, KG_ERR_INTERRUPTED, "rs_update with Ctrl-C pending: %s (%s)", kg_status_name(s),
                 err.msg);
    Snapshot after = snapshot_take(st);
    char *why = first_difference(&after, &before);
    cr_assert_null(why, "the store changed: %s", why);
    snapshot_free(&after);
    snapshot_free(&before);
    rs_program_free(p);
    kg_store_close(st);
}

/* ================================================================ changes of program */

/* rs_update_program to p from the program that was p without its rules marked in new_rules
 * and with dropped's; fails unless it succeeds. */
static RsUpdateStats program_change_ok(KgStore *st, RsProgram *p, const uint8_t *new_rules,
                                       const RsProgram *dropped)
{
    RsUpdateStats stats;
    KgError err = {0};
    RsProgramChange change = {new_rules, dropped};
    KgStatus s = rs_update_program(st, p, &change, NULL, &stats, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "rs_update_program: %s (%s)", where, kg_status_name(s));
    cr_assert_eq(stats.n_asserted, 0);
    cr_assert_eq(stats.n_retracted, 0);
    return stats;
}

static const RuleText closure_parts[2] = {
    {"a.dl", PREFIX "[?x, ex:path, ?y] :- [?x, ex:edge, ?y] .\n"
                    "0.5 :: [?x, ex:path, ?y] :- [?x, ex:shortcut, ?y] .\n"
                    "0.9 :: [?x, ex:reach, ?y] :- [?x, ex:path, ?y] .\n"},
    {"b.dl", PREFIX "[?x, ex:path, ?z] :- [?x, ex:edge, ?y], [?y, ex:path, ?z] .\n"},
};

Test(update, adding_a_transitive_rule_derives_the_closure_dropping_it_takes_back_what_only_it_gave)
{
    KgStore *st = store_with(PREFIX "ex:a ex:edge ex:b . ex:b ex:edge ex:c . ex:c ex:edge ex:d .\n"
                                    "ex:a ex:shortcut ex:c .\n",
                             KG_FMT_TURTLE);
    RsProgram *pa = program_of(st, closure_parts, 1);
    reason_ok(st, pa);
    KgStore *fresh = assert_same_as_from_scratch_of(st, pa, closure_parts, 1, "not recursive");
    kg_store_close(fresh);
    cr_assert_eq(count_matches(st, KG_ANY, iri_id(st, EX "path"), KG_ANY, KG_ANY_GRAPH), 4);
    cr_assert_float_eq(derivation_of(st, "a", "path", "c").confidence, 0.5, CONF_EPS);

    /* the transitive rule added: the closure, and a better proof of a-path-c */
    RsProgram *pab = program_of(st, closure_parts, 2);
    cr_assert_eq(rs_program_n_rules(pab), 4);
    static const uint8_t new_b[4] = {0, 0, 0, 1};
    RsUpdateStats stats = program_change_ok(st, pab, new_b, NULL);
    cr_assert_eq(stats.n_inserted, 4, "path and reach a-d and b-d: %llu",
                 (unsigned long long)stats.n_inserted);
    cr_assert_eq(stats.n_reconfidenced, 2, "path and reach a-c: %llu",
                 (unsigned long long)stats.n_reconfidenced);
    cr_assert_eq(stats.n_deleted, 0);
    fresh = assert_same_as_from_scratch_of(st, pab, closure_parts, 2, "transitive rule added");
    static const char *const closure[][2] = {{"a", "b"}, {"b", "c"}, {"c", "d"},
                                             {"a", "c"}, {"b", "d"}, {"a", "d"}};
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(count_matches(s, KG_ANY, iri_id(s, EX "path"), KG_ANY, KG_ANY_GRAPH), 6);
        for (size_t i = 0; i < sizeof closure / sizeof closure[0]; i++) {
            cr_assert_eq(mark_of(s, closure[i][0], "path", closure[i][1]), KG_INFERRED,
                         "path %s %s", closure[i][0], closure[i][1]);
            cr_assert_float_eq(derivation_of(s, closure[i][0], "reach", closure[i][1]).confidence,
                               0.9, CONF_EPS, "reach %s %s", closure[i][0], closure[i][1]);
        }
        KgDerivation d = derivation_of(s, "a", "path", "c");
        cr_assert_str_eq(d.rule, "b.dl:2");
        cr_assert_float_eq(d.confidence, 1.0, CONF_EPS);
    }
    kg_store_close(fresh);

    /* and dropped: a-path-c stays by the shortcut, at its confidence; what only the
     * transitive rule derived goes, with what followed from it */
    RsProgram *pa2 = program_of(st, closure_parts, 1);
    RsProgram *pb = program_of(st, closure_parts + 1, 1);
    stats = program_change_ok(st, pa2, NULL, pb);
    cr_assert_eq(stats.n_deleted, 4, "path and reach a-d and b-d: %llu",
                 (unsigned long long)stats.n_deleted);
    cr_assert_eq(stats.n_reconfidenced, 2, "path and reach a-c: %llu",
                 (unsigned long long)stats.n_reconfidenced);
    cr_assert_eq(stats.n_inserted, 0);
    fresh = assert_same_as_from_scratch_of(st, pa2, closure_parts, 1, "transitive rule dropped");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(count_matches(s, KG_ANY, iri_id(s, EX "path"), KG_ANY, KG_ANY_GRAPH), 4);
        cr_assert_eq(mark_of(s, "a", "path", "d"), 0);
        cr_assert_eq(mark_of(s, "b", "path", "d"), 0);
        cr_assert_eq(mark_of(s, "a", "reach", "d"), 0);
        cr_assert_eq(mark_of(s, "b", "reach", "d"), 0);
        KgDerivation d = derivation_of(s, "a", "path", "c");
        cr_assert_str_eq(d.rule, "a.dl:3", "now by the shortcut");
        cr_assert_float_eq(d.confidence, 0.5, CONF_EPS);
        cr_assert_eq(d.n_premises, 1);
        cr_assert(is_quad(s, &d.premises[0], "a", "shortcut", "c"));
        cr_assert_float_eq(derivation_of(s, "a", "reach", "c").confidence, 0.45, CONF_EPS);
        cr_assert_str_eq(derivation_of(s, "a", "path", "b").rule, "a.dl:2");
    }
    kg_store_close(fresh);
    rs_program_free(pb);
    rs_program_free(pa2);
    rs_program_free(pab);
    rs_program_free(pa);
    kg_store_close(st);
}

static const RuleText busy_parts[3] = {
    {"a.dl", PREFIX "ex:Person[?x] :- ex:Employee[?x] .\n"},
    {"b.dl", PREFIX "ex:Busy[?x] :- ex:works[?x, ?y] .\n"
                    "ex:Free[?x] :- ex:Person[?x], NOT ex:Busy[?x] .\n"},
    {"c.dl", PREFIX "ex:Busy[?x] :- ex:Manager[?x] .\n"},
};

/* A NOT over what a rule added with it derives; then a rule added alone that derives into a
 * negated predicate takes a conclusion away, and dropping it gives it back. */
Test(update, rules_added_with_negation_over_each_other_and_a_rule_added_taking_a_conclusion_away)
{
    KgStore *st = store_with(PREFIX "ex:ann a ex:Employee .\n"
                                    "ex:bob a ex:Employee ; ex:works ex:acme .\n"
                                    "ex:cid a ex:Person , ex:Manager .\n",
                             KG_FMT_TURTLE);
    RsProgram *pa = program_of(st, busy_parts, 1);
    reason_ok(st, pa);
    cr_assert_eq(mark_of(st, "ann", "a", "Person"), KG_INFERRED);

    RsProgram *pab = program_of(st, busy_parts, 2);
    static const uint8_t new_b[3] = {0, 1, 1};
    program_change_ok(st, pab, new_b, NULL);
    KgStore *fresh = assert_same_as_from_scratch_of(st, pab, busy_parts, 2, "Busy and Free added");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "bob", "a", "Busy"), KG_INFERRED);
        cr_assert_eq(mark_of(s, "bob", "a", "Free"), 0, "bob works");
        cr_assert_eq(mark_of(s, "ann", "a", "Free"), KG_INFERRED);
        cr_assert_eq(mark_of(s, "cid", "a", "Free"), KG_INFERRED);
        cr_assert_eq(mark_of(s, "cid", "a", "Busy"), 0);
    }
    kg_store_close(fresh);

    /* managers are busy: cid is not free any more */
    RsProgram *pabc = program_of(st, busy_parts, 3);
    static const uint8_t new_c[4] = {0, 0, 0, 1};
    RsUpdateStats stats = program_change_ok(st, pabc, new_c, NULL);
    cr_assert_eq(stats.n_deleted, 1, "cid Free: %llu", (unsigned long long)stats.n_deleted);
    fresh = assert_same_as_from_scratch_of(st, pabc, busy_parts, 3, "Busy for managers added");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "cid", "a", "Busy"), KG_INFERRED);
        cr_assert_eq(mark_of(s, "cid", "a", "Free"), 0, "cid manages");
        cr_assert_eq(mark_of(s, "ann", "a", "Free"), KG_INFERRED);
    }
    kg_store_close(fresh);

    /* dropped again: cid is free again */
    RsProgram *pab2 = program_of(st, busy_parts, 2);
    RsProgram *pc = program_of(st, busy_parts + 2, 1);
    program_change_ok(st, pab2, NULL, pc);
    fresh = assert_same_as_from_scratch_of(st, pab2, busy_parts, 2, "Busy for managers dropped");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "cid", "a", "Busy"), 0);
        cr_assert_eq(mark_of(s, "cid", "a", "Free"), KG_INFERRED);
    }
    kg_store_close(fresh);

    /* both rules of b.dl dropped: nobody is busy or free, everybody still a person */
    RsProgram *pa2 = program_of(st, busy_parts, 1);
    RsProgram *pb = program_of(st, busy_parts + 1, 1);
    program_change_ok(st, pa2, NULL, pb);
    fresh = assert_same_as_from_scratch_of(st, pa2, busy_parts, 1, "Busy and Free dropped");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        static const char *const who[3] = {"ann", "bob", "cid"};
        for (int i = 0; i < 3; i++) {
            cr_assert_eq(mark_of(s, who[i], "a", "Busy"), 0, "%s", who[i]);
            cr_assert_eq(mark_of(s, who[i], "a", "Free"), 0, "%s", who[i]);
        }
        cr_assert_eq(mark_of(s, "bob", "a", "Person"), KG_INFERRED);
    }
    kg_store_close(fresh);

    /* and all three added at once, to a store closed under a.dl */
    RsProgram *pabc2 = program_of(st, busy_parts, 3);
    static const uint8_t new_bc[4] = {0, 1, 1, 1};
    program_change_ok(st, pabc2, new_bc, NULL);
    fresh = assert_same_as_from_scratch_of(st, pabc2, busy_parts, 3, "b.dl and c.dl added");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        cr_assert_eq(mark_of(s, "cid", "a", "Free"), 0);
        cr_assert_eq(mark_of(s, "bob", "a", "Free"), 0);
        cr_assert_eq(mark_of(s, "ann", "a", "Free"), KG_INFERRED);
    }
    kg_store_close(fresh);
    rs_program_free(pabc2);
    rs_program_free(pb);
    rs_program_free(pa2);
    rs_program_free(pc);
    rs_program_free(pab2);
    rs_program_free(pabc);
    rs_program_free(pab);
    rs_program_free(pa);
    kg_store_close(st);
}

static const RuleText weight_parts[2] = {
    {"a.dl", PREFIX "0.5 :: [?x, ex:likely, ?y] :- [?x, ex:q, ?y] .\n"
                    "0.9 :: [?x, ex:t, ?y] :- [?x, ex:likely, ?y] .\n"},
    {"b.dl", PREFIX "0.8 :: [?x, ex:likely, ?y] :- [?x, ex:p, ?y] .\n"
                    "0.2 :: [?x, ex:t, ?y] :- [?x, ex:q, ?y] .\n"},
};

Test(update, a_rule_added_with_a_better_weight_raises_a_confidence_and_dropping_it_lowers_it_back)
{
    KgStore *st =
        store_with(PREFIX "ex:a ex:p ex:b ; ex:q ex:b . ex:c ex:p ex:d .\n", KG_FMT_TURTLE);
    RsProgram *pa = program_of(st, weight_parts, 1);
    reason_ok(st, pa);
    cr_assert_float_eq(derivation_of(st, "a", "likely", "b").confidence, 0.5, CONF_EPS);
    cr_assert_float_eq(derivation_of(st, "a", "t", "b").confidence, 0.45, CONF_EPS);

    RsProgram *pab = program_of(st, weight_parts, 2);
    static const uint8_t new_b[4] = {0, 0, 1, 1};
    RsUpdateStats stats = program_change_ok(st, pab, new_b, NULL);
    cr_assert_eq(stats.n_reconfidenced, 2, "likely and t a-b: %llu",
                 (unsigned long long)stats.n_reconfidenced);
    cr_assert_eq(stats.n_inserted, 2, "likely and t c-d: %llu",
                 (unsigned long long)stats.n_inserted);
    KgStore *fresh = assert_same_as_from_scratch_of(st, pab, weight_parts, 2, "0.8 rule added");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        KgDerivation d = derivation_of(s, "a", "likely", "b");
        cr_assert_float_eq(d.confidence, 0.8, CONF_EPS);
        cr_assert_str_eq(d.rule, "b.dl:2");
        d = derivation_of(s, "a", "t", "b");
        cr_assert_float_eq(d.confidence, 0.72, CONF_EPS, "what follows is raised too");
        cr_assert_str_eq(d.rule, "a.dl:3", "the 0.2 rule gives less");
        cr_assert_float_eq(derivation_of(s, "c", "t", "d").confidence, 0.72, CONF_EPS);
    }
    kg_store_close(fresh);

    RsProgram *pa2 = program_of(st, weight_parts, 1);
    RsProgram *pb = program_of(st, weight_parts + 1, 1);
    stats = program_change_ok(st, pa2, NULL, pb);
    cr_assert_eq(stats.n_reconfidenced, 2, "likely and t a-b: %llu",
                 (unsigned long long)stats.n_reconfidenced);
    cr_assert_eq(stats.n_deleted, 2, "likely and t c-d: %llu", (unsigned long long)stats.n_deleted);
    fresh = assert_same_as_from_scratch_of(st, pa2, weight_parts, 1, "0.8 rule dropped");
    for (int w = 0; w < 2; w++) {
        KgStore *s = w ? fresh : st;
        KgDerivation d = derivation_of(s, "a", "likely", "b");
        cr_assert_float_eq(d.confidence, 0.5, CONF_EPS);
        cr_assert_str_eq(d.rule, "a.dl:2");
        d = derivation_of(s, "a", "t", "b");
        cr_assert_float_eq(d.confidence, 0.45, CONF_EPS, "what follows is lowered too");
        cr_assert_str_eq(d.rule, "a.dl:3");
        cr_assert_eq(mark_of(s, "c", "likely", "d"), 0);
        cr_assert_eq(mark_of(s, "c", "t", "d"), 0);
    }
    kg_store_close(fresh);
    rs_program_free(pb);
    rs_program_free(pa2);
    rs_program_free(pab);
    rs_program_free(pa);
    kg_store_close(st);
}
