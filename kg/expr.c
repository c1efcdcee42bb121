/* kg/expr.c: one SPARQL expression as the reasoner uses it (FILTER and BIND in rules): parsed
 * and compiled by the query machinery into `SELECT <expression>` over the same SQL functions,
 * so rules and queries share one implementation of every operator. Each evaluation binds the
 * variables' ids and steps the statement once. */
#include "sparql.h"

#include <string.h>

struct KgExpr {
    KgStore *store;
    KgArena *arena;
    SpSql sql;
    sqlite3_stmt *stmt;
    size_t n_vars;
    char *uses; /* per variable: mentioned */
    KgBuf scratch;
};

static void mark_uses(const SpExpr *e, const char *const *vars, size_t n, char *uses)
{
    if (e->kind == SP_E_VAR)
        for (size_t i = 0; i < n; i++)
            if (strcmp(vars[i], e->var) == 0) uses[i] = 1;
    for (size_t i = 0; i < e->n_args; i++) mark_uses(e->args[i], vars, n, uses);
}

static const SpExpr *find_kind(const SpExpr *e, SpExprKind a, SpExprKind b)
{
    if (e->kind == a || e->kind == b) return e;
    for (size_t i = 0; i < e->n_args; i++) {
        const SpExpr *f = find_kind(e->args[i], a, b);
        if (f) return f;
    }
    return NULL;
}

KgStatus kg_expr_new(KgStore *store, const char *text, size_t len, const char *name,
                     unsigned long line, unsigned long col, const char *const *prefixes,
                     const char *const *vars, size_t n_vars, int as_boolean, KgExpr **out,
                     KgError *err)
{
    *out = NULL;
    KgExpr *x = kg_calloc(1, sizeof *x);
    if (!x || !(x->arena = kg_arena_new(4096)) || !(x->uses = kg_calloc(n_vars ? n_vars : 1, 1))) {
        if (x) kg_arena_free(x->arena);
        kg_free(x);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling an expression");
    }
    x->store = store;
    x->n_vars = n_vars;
    SpExpr *e = NULL;
    KgStatus s = sp_funcs_register(store, err);
    if (s == KG_OK) s = sp_parse_expr(store, text, len, name, line, col, prefixes, x->arena, &e, err);
    if (s == KG_OK) {
        const SpExpr *bad = find_kind(e, SP_E_EXISTS, SP_E_NOT_EXISTS);
        if (!bad) bad = find_kind(e, SP_E_AGG, SP_E_AGG);
        if (bad) {
            unsigned long bl = bad->pos.line, bc = bad->pos.line == 1 ? bad->pos.col + col - 1 : bad->pos.col;
            s = kg_error_at(err, KG_ERR_SYNTAX, name, bl + line - 1, bc, "%s is not allowed in a rule's expression",
                            bad->kind == SP_E_AGG ? "an aggregate" : "EXISTS");
        }
    }
    if (s == KG_OK) s = sp_compile_expr(store, e, vars, n_vars, as_boolean, name, x->arena, &x->sql, err);
    /* the variables are parameters 1..n_vars, bound at each evaluation; the rest constants */
    if (s == KG_OK) s = sp_sql_prepare(store, &x->sql, n_vars, &x->stmt, err);
    if (s == KG_OK) mark_uses(e, vars, n_vars, x->uses);
    if (s != KG_OK) {
        kg_expr_free(x);
        return s;
    }
    *out = x;
    return KG_OK;
}

int kg_expr_uses(const KgExpr *e, size_t i) { return i < e->n_vars && e->uses[i]; }

/* Binds the variables and steps; the caller reads column 0, then resets. */
static KgStatus run(KgExpr *e, const KgTermId *vals, KgError *err)
{
    for (size_t i = 0; i < e->n_vars; i++) {
        if (!e->uses[i]) continue;
        if (vals[i]) sqlite3_bind_int64(e->stmt, (int)i + 1, (sqlite3_int64)vals[i]);
        else sqlite3_bind_null(e->stmt, (int)i + 1);
    }
    int rc = sqlite3_step(e->stmt);
    if (rc == SQLITE_ROW) return KG_OK;
    KgStatus s = kg_error_set(err, KG_ERR_ARG, "evaluating an expression: %s", sqlite3_errmsg(e->store->db));
    sqlite3_reset(e->stmt);
    return s;
}

KgStatus kg_expr_test(KgExpr *e, const KgTermId *vals, int *truth, KgError *err)
{
    *truth = 0;
    KgStatus s = run(e, vals, err);
    if (s != KG_OK) return s;
    *truth = sqlite3_column_type(e->stmt, 0) == SQLITE_INTEGER && sqlite3_column_int(e->stmt, 0) == 1;
    sqlite3_reset(e->stmt);
    return KG_OK;
}

KgStatus kg_expr_value(KgExpr *e, const KgTermId *vals, KgTermId *out, KgError *err)
{
    *out = 0;
    KgStatus s = run(e, vals, err);
    if (s != KG_OK) return s;
    int type = sqlite3_column_type(e->stmt, 0);
    if (type == SQLITE_INTEGER) {
        *out = (KgTermId)sqlite3_column_int64(e->stmt, 0);
    } else if (type == SQLITE_TEXT) {
        KgTerm t;
        const char *text = (const char *)sqlite3_column_text(e->stmt, 0);
        size_t n = (size_t)sqlite3_column_bytes(e->stmt, 0);
        s = sp_term_decode(text, n, &t, &e->scratch);
        if (s == KG_OK) s = kg_dict_intern(e->store, &t, out, err);
        else s = kg_error_set(err, KG_ERR_NOMEM, "out of memory evaluating an expression");
    }
    sqlite3_reset(e->stmt);
    return s;
}

void kg_expr_free(KgExpr *e)
{
    if (!e) return;
    sqlite3_finalize(e->stmt);
    sp_sql_free(&e->sql);
    kg_buf_free(&e->scratch);
    kg_free(e->uses);
    kg_arena_free(e->arena);
    kg_free(e);
}
