/* kg/sparql_plan.c: the join order of a basic graph pattern. SQLite's planner sees N
 * copies of one quads table and cannot tell rdf:type from a rare predicate, so nous
 * chooses the order itself, greedily: the most selective pattern first, then always the
 * connected pattern that multiplies the rows the least. The estimates come from the
 * per-predicate statistics (triples, distinct subjects, distinct objects) that every commit
 * keeps current, and from exact counts of the index range of a pattern's constants,
 * capped so that a probe stays cheap: `?x rdf:type ub:Course` is counted, not guessed. */
#include "sparql.h"

#include <string.h>

#define PROBE_CAP 100000

typedef struct {
    double n_triples, n_subjects, n_objects;
} PredStats;

/* Runs a count statement whose parameters are already bound. */
static KgStatus count_rows(KgStore *store, sqlite3_stmt *st, double *out, KgError *err)
{
    int rc = sqlite3_step(st);
    KgStatus s = KG_OK;
    if (rc == SQLITE_ROW)
        *out = (double)sqlite3_column_int64(st, 0);
    else
        s = kg_db_error(store, err, "counting for the query planner");
    sqlite3_reset(st);
    return s;
}

static KgStatus probe(KgStore *store, StmtId id, KgTermId a, KgTermId b, double *out,
                      KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, id, err);
    if (!st) return KG_ERR_DB;
    int i = 1;
    sqlite3_bind_int64(st, i++, (sqlite3_int64)a);
    if (b) sqlite3_bind_int64(st, i++, (sqlite3_int64)b);
    sqlite3_bind_int64(st, i, PROBE_CAP);
    return count_rows(store, st, out, err);
}

static KgStatus pred_stats(KgStore *store, KgTermId p, PredStats *ps, KgError *err)
{
    sqlite3_stmt *st = kg_stmt(store, STMT_PRED_STATS_GET, err);
    if (!st) return KG_ERR_DB;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)p);
    int rc = sqlite3_step(st);
    KgStatus s = KG_OK;
    memset(ps, 0, sizeof *ps);
    if (rc == SQLITE_ROW) {
        ps->n_triples = (double)sqlite3_column_int64(st, 0);
        ps->n_subjects = (double)sqlite3_column_int64(st, 1);
        ps->n_objects = (double)sqlite3_column_int64(st, 2);
    } else if (rc != SQLITE_DONE) {
        s = kg_db_error(store, err, "reading predicate statistics");
    }
    sqlite3_reset(st);
    return s;
}

/* What the planner knows of one pattern before any variable is bound. */
typedef struct {
    double base;                 /* triples matching its constants */
    double n_subjects, n_objects; /* distinct values in those positions, for fan-outs */
    int empty;                   /* a constant is not in the store */
} PatternInfo;

static KgStatus describe(KgStore *store, const SpPattern *pt, double n_total, PatternInfo *pi,
                         KgError *err)
{
    KgStatus s = KG_OK;
    memset(pi, 0, sizeof *pi);
    if (pt->s_id == SP_ABSENT || pt->p_id == SP_ABSENT || pt->o_id == SP_ABSENT) {
        pi->empty = 1;
        return KG_OK;
    }
    if (pt->p_id) {
        PredStats ps;
        if ((s = pred_stats(store, pt->p_id, &ps, err)) != KG_OK) return s;
        pi->n_subjects = ps.n_subjects > 1 ? ps.n_subjects : 1;
        pi->n_objects = ps.n_objects > 1 ? ps.n_objects : 1;
        if (pt->s_id && pt->o_id)
            pi->base = 1;
        else if (pt->o_id)
            s = probe(store, STMT_PROBE_PO, pt->p_id, pt->o_id, &pi->base, err);
        else if (pt->s_id)
            s = probe(store, STMT_PROBE_SP, pt->s_id, pt->p_id, &pi->base, err);
        else
            pi->base = ps.n_triples;
        if (s == KG_OK && pi->base >= PROBE_CAP && ps.n_triples > pi->base)
            pi->base = ps.n_triples / 2; /* the probe hit its cap: somewhere in between */
        return s;
    }
    /* A variable predicate: guess distinct subjects and objects from the total. */
    pi->n_subjects = pi->n_objects = n_total > 10 ? n_total / 10 : 1;
    if (pt->s_id && pt->o_id)
        pi->base = 1;
    else if (pt->s_id)
        s = probe(store, STMT_PROBE_S, pt->s_id, 0, &pi->base, err);
    else if (pt->o_id)
        s = probe(store, STMT_PROBE_O, pt->o_id, 0, &pi->base, err);
    else
        pi->base = n_total;
    return s;
}

typedef struct {
    const char **vars;
    size_t n, cap;
} VarSet;

static int var_in(const VarSet *vs, const char *v)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->vars[i], v) == 0) return 1;
    return 0;
}

static KgStatus var_add(VarSet *vs, const char *v)
{
    if (var_in(vs, v)) return KG_OK;
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 16;
        const char **nv = kg_realloc(vs->vars, cap * sizeof *nv);
        if (!nv) return KG_ERR_NOMEM;
        vs->vars = nv;
        vs->cap = cap;
    }
    vs->vars[vs->n++] = v;
    return KG_OK;
}

typedef struct {
    const VarSet *bound;
    int (*is_bound)(void *ctx, const char *var);
    void *ctx;
} Bound;

static int bound_var(const Bound *b, const SpNode *nd)
{
    return nd->is_var && (var_in(b->bound, nd->var) || (b->is_bound && b->is_bound(b->ctx, nd->var)));
}

/* Rows this pattern yields for each row that reaches it, given what is bound. */
static double fan_out(const SpPattern *pt, const PatternInfo *pi, const Bound *b, int *connected)
{
    const SpTriple *t = pt->triple;
    int s_bound = bound_var(b, &t->s), p_bound = bound_var(b, &t->p), o_bound = bound_var(b, &t->o);
    *connected = s_bound || p_bound || o_bound;
    if (pi->empty) return 0;
    double f = pi->base;
    if (s_bound) f /= pi->n_subjects;
    if (o_bound) f /= pi->n_objects;
    if (p_bound) f /= 10;
    /* The same variable twice in one pattern (?x p ?x) is a filter too. */
    if (t->s.is_var && t->o.is_var && strcmp(t->s.var, t->o.var) == 0 && !s_bound) f /= pi->n_objects;
    return f;
}

KgStatus sp_plan_order(KgStore *store, const SpPattern *pats, size_t n,
                       int (*is_bound)(void *ctx, const char *var), void *ctx, size_t *order,
                       double *est, KgError *err)
{
    KgStatus s = KG_OK;
    PatternInfo *info = kg_calloc(n ? n : 1, sizeof *info);
    char *used = kg_calloc(n ? n : 1, 1);
    VarSet bound = {0};
    if (!info || !used) {
        s = KG_ERR_NOMEM;
        goto out;
    }
    double n_total = 0;
    {
        sqlite3_stmt *st = kg_stmt(store, STMT_COUNT_ASSERTED_EST, err);
        if (!st) {
            s = KG_ERR_DB;
            goto out;
        }
        KG_TRY(s, count_rows(store, st, &n_total, err));
    }
    for (size_t i = 0; i < n; i++) KG_TRY(s, describe(store, &pats[i], n_total, &info[i], err));

    Bound b = {&bound, is_bound, ctx};
    double rows = 1;
    for (size_t step = 0; step < n; step++) {
        size_t best = n;
        double best_f = 0;
        int best_connected = 0;
        for (size_t i = 0; i < n; i++) {
            if (used[i]) continue;
            int connected;
            double f = fan_out(&pats[i], &info[i], &b, &connected);
            /* A connected pattern beats any cartesian product (unless empty). */
            int better = best == n || (connected && !best_connected && f > 0) ||
                         (connected == best_connected && f < best_f) || (f == 0 && best_f > 0);
            if (better) best = i, best_f = f, best_connected = connected;
        }
        used[best] = 1;
        order[step] = best;
        rows *= best_f;
        if (rows < 1 && best_f > 0) rows = 1;
        est[step] = rows;
        const SpTriple *t = pats[best].triple;
        const SpNode *nodes[3] = {&t->s, &t->p, &t->o};
        for (int k = 0; k < 3; k++)
            if (nodes[k]->is_var) KG_TRY(s, var_add(&bound, nodes[k]->var));
    }
out:
    kg_free(info);
    kg_free(used);
    kg_free(bound.vars);
    return s;
}
