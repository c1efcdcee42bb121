/* kg/sparql_compile.c: a parsed SPARQL query becomes one SQL statement over the quads
 * table. Each group graph pattern becomes a relation: a FROM list, a WHERE conjunction and
 * the SQL expression that gives each variable (with whether it may be unbound). A basic
 * graph pattern is a chain of `quads AS tN` joined with CROSS JOIN in the order
 * sparql_plan.c chose, which pins it; nested groups, UNION, OPTIONAL and VALUES become
 * subqueries joined to it; MINUS and EXISTS become [NOT] EXISTS subqueries; FILTER becomes
 * a WHERE condition over the SQL functions of sparql_funcs.c. Constants are always bound
 * parameters, never text pasted into the SQL.
 *
 * The SPARQL algebra joins group elements in the order written; a basic graph pattern can
 * only be gathered into one join when that order does not matter. The triples before the
 * first OPTIONAL, MINUS or BIND of a group are one BGP; a later triple joins it when none of
 * its variables appears in such an element without also appearing in that BGP (Join is
 * commutative, LeftJoin and Minus are not); the others stay where they stand. */
#include "sparql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- scopes and relations */

typedef struct {
    const char *var;
    const char *sql; /* the SQL expression giving its value */
    int maybe_null;  /* may be unbound */
} Binding;

typedef struct {
    Binding *b;
    size_t n, cap;
} Scope;

typedef struct {
    KgBuf from, where;
    Scope scope;
    int has_from;
} Rel;

typedef struct {
    KgStore *store;
    KgArena *arena;
    SpSql *out;
    const char *name;
    KgError *err;
    KgStatus status; /* sticky: the first failure wins, later work is skipped */
    unsigned n_alias;
    KgBuf tmp;
} Cc;

static int failed(Cc *cc) { return cc->status != KG_OK; }

static void fail_nomem(Cc *cc)
{
    if (!failed(cc)) cc->status = kg_error_set(cc->err, KG_ERR_NOMEM, "out of memory compiling a query");
}

static void fail_at(Cc *cc, SpPos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(Cc *cc, SpPos pos, const char *fmt, ...)
{
    if (failed(cc)) return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cc->status = kg_error_at(cc->err, KG_ERR_SYNTAX, cc->name, pos.line, pos.col, "%s", msg);
}

/* A formatted string in the arena. */
static const char *astr(Cc *cc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *astr(Cc *cc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = n >= 0 ? kg_arena_alloc(cc->arena, (size_t)n + 1) : NULL;
    if (!s) {
        fail_nomem(cc);
        return "NULL";
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void put(Cc *cc, KgBuf *b, const char *s)
{
    if (kg_buf_puts(b, s) != KG_OK) fail_nomem(cc);
}

static void putf(Cc *cc, KgBuf *b, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void putf(Cc *cc, KgBuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return fail_nomem(cc);
    if ((size_t)n < sizeof small) return put(cc, b, small);
    char *big = kg_malloc((size_t)n + 1);
    if (!big) return fail_nomem(cc);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put(cc, b, big);
    kg_free(big);
}

/* The buffer's text copied into the arena. */
static const char *buf_str(Cc *cc, KgBuf *b)
{
    const char *s = kg_buf_cstr(b);
    if (!s) return fail_nomem(cc), "NULL";
    char *c = kg_arena_strndup(cc->arena, s, b->len);
    if (!c) return fail_nomem(cc), "NULL";
    return c;
}

static Binding *scope_find(const Scope *sc, const char *var)
{
    for (size_t i = 0; i < sc->n; i++)
        if (strcmp(sc->b[i].var, var) == 0) return &sc->b[i];
    return NULL;
}

static void scope_set(Cc *cc, Scope *sc, const char *var, const char *sql, int maybe_null)
{
    Binding *b = scope_find(sc, var);
    if (b) {
        b->sql = sql;
        b->maybe_null = maybe_null;
        return;
    }
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 8;
        Binding *nb = kg_arena_alloc(cc->arena, cap * sizeof *nb);
        if (!nb) return fail_nomem(cc);
        if (sc->n) memcpy(nb, sc->b, sc->n * sizeof *nb);
        sc->b = nb;
        sc->cap = cap;
    }
    sc->b[sc->n++] = (Binding){var, sql, maybe_null};
}

static void scope_copy(Cc *cc, Scope *dst, const Scope *src)
{
    for (size_t i = 0; i < src->n; i++) scope_set(cc, dst, src->b[i].var, src->b[i].sql, src->b[i].maybe_null);
}

static void rel_free(Rel *r)
{
    kg_buf_free(&r->from);
    kg_buf_free(&r->where);
}

static void rel_cond(Cc *cc, Rel *r, const char *cond)
{
    put(cc, &r->where, r->where.len ? " AND " : "");
    put(cc, &r->where, cond);
}

static void rel_from(Cc *cc, Rel *r, const char *item)
{
    if (r->has_from) put(cc, &r->from, " CROSS JOIN ");
    put(cc, &r->from, item);
    r->has_from = 1;
}

static const char *new_alias(Cc *cc, char kind) { return astr(cc, "%c%u", kind, cc->n_alias++); }

/* ---------------------------------------------------------------- parameters */

static const char *param(Cc *cc, int is_text, int64_t i, const char *text, const char *label)
{
    SpSql *o = cc->out;
    if (o->n_params == o->cap_params) {
        size_t cap = o->cap_params ? o->cap_params * 2 : 16;
        struct SpParam *np = kg_realloc(o->params, cap * sizeof *np);
        if (!np) return fail_nomem(cc), "NULL";
        o->params = np;
        o->cap_params = cap;
    }
    o->params[o->n_params++] = (struct SpParam){is_text, i, text, label};
    return astr(cc, "?%zu", o->n_params);
}

static const char *term_label(Cc *cc, const KgTerm *t)
{
    cc->tmp.len = 0;
    if (kg_term_write_short(cc->store, t, &cc->tmp) != KG_OK) return fail_nomem(cc), "";
    return buf_str(cc, &cc->tmp);
}

/* The id of a constant, SP_ABSENT when the store does not hold it. */
static KgTermId term_id(Cc *cc, const KgTerm *t)
{
    KgTermId id = 0;
    KgStatus s = kg_dict_lookup(cc->store, t, &id, cc->err);
    if (s == KG_OK) return id;
    if (s != KG_ERR_NOT_FOUND && !failed(cc)) cc->status = s;
    return SP_ABSENT;
}

/* A constant as an SQL value: its id when stored, else its TEXT encoding. */
static const char *term_value(Cc *cc, const KgTerm *t)
{
    KgTermId id = term_id(cc, t);
    if (id != SP_ABSENT) return param(cc, 0, (int64_t)id, NULL, term_label(cc, t));
    cc->tmp.len = 0;
    if (sp_term_encode(t, &cc->tmp) != KG_OK) return fail_nomem(cc), "NULL";
    const char *encoded = buf_str(cc, &cc->tmp);
    const char *label = term_label(cc, t);
    return param(cc, 1, 0, encoded, label);
}

/* A constant in a quads column: its id, or -1 (matches nothing) when not stored. */
static const char *term_column_value(Cc *cc, const KgTerm *t, KgTermId id)
{
    return param(cc, 0, id == SP_ABSENT ? -1 : (int64_t)id, NULL, term_label(cc, t));
}

/* ---------------------------------------------------------------- joining variables */

/* Joins variable `var`, given by `sql` in a new part of the relation, with what the scope
 * already binds: the condition goes into `cond` (the WHERE of an inner join, or the ON of a
 * left join), and the scope says afterwards where the variable's value comes from. */
static void join_var(Cc *cc, Scope *sc, KgBuf *cond, const char *var, const char *sql,
                     int new_maybe_null, int left_join)
{
    Binding *b = scope_find(sc, var);
    const char *c = NULL;
    if (!b) {
        scope_set(cc, sc, var, sql, new_maybe_null || left_join);
        return;
    }
    if (!b->maybe_null && !new_maybe_null) {
        c = astr(cc, "%s = %s", sql, b->sql);
    } else if (!b->maybe_null) {
        c = astr(cc, "(%s IS NULL OR %s = %s)", sql, sql, b->sql);
    } else if (!new_maybe_null && !left_join) {
        c = astr(cc, "(%s IS NULL OR %s = %s)", b->sql, sql, b->sql);
        b->sql = sql;
        b->maybe_null = 0;
    } else {
        c = astr(cc, "(%s IS NULL OR %s IS NULL OR %s = %s)", b->sql, sql, sql, b->sql);
        b->sql = astr(cc, "coalesce(%s, %s)", b->sql, sql);
        b->maybe_null = 1;
    }
    put(cc, cond, cond->len ? " AND " : "");
    put(cc, cond, c);
}

/* ---------------------------------------------------------------- variables of the tree */

typedef struct {
    const char **v;
    size_t n, cap;
} Vars;

static int vars_has(const Vars *vs, const char *v)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i], v) == 0) return 1;
    return 0;
}

static void vars_add(Cc *cc, Vars *vs, const char *v)
{
    if (vars_has(vs, v)) return;
    if (vs->n == vs->cap) {
        size_t cap = vs->cap ? vs->cap * 2 : 16;
        const char **nv = kg_arena_alloc(cc->arena, cap * sizeof *nv);
        if (!nv) return fail_nomem(cc);
        if (vs->n) memcpy(nv, vs->v, vs->n * sizeof *nv);
        vs->v = nv;
        vs->cap = cap;
    }
    vs->v[vs->n++] = v;
}

static void node_vars(Cc *cc, const SpNode *nd, Vars *vs)
{
    if (nd->is_var) vars_add(cc, vs, nd->var);
}

static void expr_vars(Cc *cc, const SpExpr *e, Vars *vs);
static void group_vars(Cc *cc, const SpGroup *g, Vars *vs, int in_scope_only);

/* The variables an element mentions (in_scope_only: only those it can bind, in the order
 * written, as SELECT * lists them). */
static void elem_vars(Cc *cc, const SpElem *el, Vars *vs, int in_scope_only)
{
    switch (el->kind) {
    case SP_EL_TRIPLE:
        node_vars(cc, &el->triple.s, vs);
        node_vars(cc, &el->triple.p, vs);
        node_vars(cc, &el->triple.o, vs);
        break;
    case SP_EL_FILTER:
        if (!in_scope_only) expr_vars(cc, el->expr, vs);
        break;
    case SP_EL_BIND:
        if (!in_scope_only) expr_vars(cc, el->expr, vs);
        vars_add(cc, vs, el->var);
        break;
    case SP_EL_MINUS:
        if (!in_scope_only) group_vars(cc, el->group, vs, 0);
        break;
    case SP_EL_GRAPH:
        node_vars(cc, &el->graph, vs);
        group_vars(cc, el->group, vs, in_scope_only);
        break;
    case SP_EL_OPTIONAL:
    case SP_EL_GROUP:
        group_vars(cc, el->group, vs, in_scope_only);
        break;
    case SP_EL_UNION:
        for (size_t i = 0; i < el->n_alts; i++) group_vars(cc, el->alts[i], vs, in_scope_only);
        break;
    case SP_EL_VALUES:
        for (size_t i = 0; i < el->values.n_vars; i++) vars_add(cc, vs, el->values.vars[i]);
        break;
    }
}

static void group_vars(Cc *cc, const SpGroup *g, Vars *vs, int in_scope_only)
{
    for (size_t i = 0; i < g->n_elems; i++) elem_vars(cc, &g->elems[i], vs, in_scope_only);
}

static void expr_vars(Cc *cc, const SpExpr *e, Vars *vs)
{
    if (e->kind == SP_E_VAR) vars_add(cc, vs, e->var);
    for (size_t i = 0; i < e->n_args; i++) expr_vars(cc, e->args[i], vs);
    if (e->pattern) group_vars(cc, e->pattern, vs, 0);
}

/* ---------------------------------------------------------------- expressions */

typedef enum { T_VAL, T_BOOL } ExprType;

typedef struct {
    const char *sql;
    ExprType type;
} Ex;

/* Where an expression's variables come from. In an aggregate query (agg != NULL), variables
 * outside aggregates must be group keys or earlier aliases (`scope`), and the arguments of
 * aggregates range over the solutions of the WHERE clause (`where`). */
typedef struct {
    const Scope *scope;
    const Scope *where; /* NULL outside aggregate queries */
} ExprCtx;

static Rel compile_group(Cc *cc, const SpGroup *g, const SpNode *graph, const Scope *inherit,
                         const SpExpr ***filters_out, size_t *n_filters_out);

static const char *as_bool(Cc *cc, Ex e)
{
    return e.type == T_BOOL ? e.sql : astr(cc, "sp_ebv(%s)", e.sql);
}

static const char *as_val(Cc *cc, Ex e)
{
    return e.type == T_VAL ? e.sql : astr(cc, "sp_bool(%s)", e.sql);
}

static Ex expr(Cc *cc, const ExprCtx *x, const SpExpr *e);

static const char *call_args(Cc *cc, const ExprCtx *x, const SpExpr *e, size_t from)
{
    KgBuf b = {0};
    for (size_t i = from; i < e->n_args; i++) {
        put(cc, &b, i > from ? ", " : "");
        put(cc, &b, as_val(cc, expr(cc, x, e->args[i])));
    }
    const char *s = buf_str(cc, &b);
    kg_buf_free(&b);
    return s;
}

static const struct {
    const char *sql;
    ExprType type;
} func_sql[SP_F__COUNT] = {
    [SP_F_STR] = {"sp_str", T_VAL},         [SP_F_LANG] = {"sp_lang", T_VAL},
    [SP_F_LANGMATCHES] = {"sp_langmatches", T_BOOL},
    [SP_F_DATATYPE] = {"sp_datatype", T_VAL}, [SP_F_BOUND] = {NULL, T_BOOL},
    [SP_F_ISIRI] = {"sp_isiri", T_BOOL},     [SP_F_ISBLANK] = {"sp_isblank", T_BOOL},
    [SP_F_ISLITERAL] = {"sp_isliteral", T_BOOL}, [SP_F_ISNUMERIC] = {"sp_isnumeric", T_BOOL},
    [SP_F_REGEX] = {"sp_regex", T_BOOL},     [SP_F_CONTAINS] = {"sp_contains", T_BOOL},
    [SP_F_STRSTARTS] = {"sp_strstarts", T_BOOL}, [SP_F_STRENDS] = {"sp_strends", T_BOOL},
    [SP_F_STRLEN] = {"sp_strlen", T_VAL},    [SP_F_UCASE] = {"sp_ucase", T_VAL},
    [SP_F_LCASE] = {"sp_lcase", T_VAL},      [SP_F_CONCAT] = {"sp_concat", T_VAL},
    [SP_F_SUBSTR] = {"sp_substr", T_VAL},    [SP_F_STRBEFORE] = {"sp_strbefore", T_VAL},
    [SP_F_STRAFTER] = {"sp_strafter", T_VAL}, [SP_F_SAMETERM] = {"sp_sameterm", T_BOOL},
    [SP_F_COALESCE] = {"coalesce", T_VAL},   [SP_F_IF] = {NULL, T_VAL},
    [SP_F_ABS] = {"sp_abs", T_VAL},          [SP_F_CEIL] = {"sp_ceil", T_VAL},
    [SP_F_FLOOR] = {"sp_floor", T_VAL},      [SP_F_ROUND] = {"sp_round", T_VAL},
};

static const char *const agg_sql[] = {
    [SP_A_COUNT] = "count", [SP_A_SUM] = "sp_sum", [SP_A_MIN] = "sp_min", [SP_A_MAX] = "sp_max",
    [SP_A_AVG] = "sp_avg", [SP_A_SAMPLE] = "sp_sample", [SP_A_GROUP_CONCAT] = "sp_group_concat",
};

static Ex aggregate(Cc *cc, const ExprCtx *x, const SpExpr *e)
{
    Ex r = {"NULL", T_VAL};
    if (!x->where) {
        fail_at(cc, e->pos, "aggregates are only allowed in SELECT, HAVING and ORDER BY");
        return r;
    }
    ExprCtx inner = {x->where, NULL};
    const char *distinct = e->distinct ? "DISTINCT " : "";
    if (e->agg == SP_A_COUNT && e->star) {
        if (!e->distinct) return (Ex){"sp_int(count(*))", T_VAL};
        /* COUNT(DISTINCT *): distinct solutions, each packed into one text */
        KgBuf b = {0};
        for (size_t i = 0; i < x->where->n; i++)
            if (x->where->b[i].var[0] != '.')
                putf(cc, &b, "%squote(%s)", b.len ? " || ',' || " : "", x->where->b[i].sql);
        const char *packed = b.len ? buf_str(cc, &b) : "1";
        kg_buf_free(&b);
        return (Ex){astr(cc, "sp_int(count(DISTINCT %s))", packed), T_VAL};
    }
    const char *arg = as_val(cc, expr(cc, &inner, e->args[0]));
    if (e->agg == SP_A_COUNT) return (Ex){astr(cc, "sp_int(count(%s%s))", distinct, arg), T_VAL};
    if (e->agg == SP_A_GROUP_CONCAT) {
        KgTerm sep = {KG_TERM_LITERAL, e->separator ? e->separator : " ",
                      strlen(e->separator ? e->separator : " "), NULL, NULL};
        if (e->distinct && e->separator)
            return (Ex){astr(cc, "sp_group_concat_distinct(%s, %s)", arg, term_value(cc, &sep)), T_VAL};
        if (e->distinct) return (Ex){astr(cc, "sp_group_concat(DISTINCT %s)", arg), T_VAL};
        return (Ex){astr(cc, "sp_group_concat(%s, %s)", arg, term_value(cc, &sep)), T_VAL};
    }
    return (Ex){astr(cc, "%s(%s%s)", agg_sql[e->agg], distinct, arg), T_VAL};
}

/* [NOT] EXISTS { pattern }: the pattern with the current bindings substituted, which is
 * what a correlated SQL subquery computes. */
static Ex exists(Cc *cc, const ExprCtx *x, const SpExpr *e)
{
    Rel sub = compile_group(cc, e->pattern, NULL, x->scope, NULL, NULL);
    KgBuf b = {0};
    put(cc, &b, e->kind == SP_E_NOT_EXISTS ? "NOT EXISTS (SELECT 1" : "EXISTS (SELECT 1");
    if (sub.has_from) putf(cc, &b, " FROM %s", kg_buf_cstr(&sub.from));
    if (sub.where.len) putf(cc, &b, " WHERE %s", kg_buf_cstr(&sub.where));
    put(cc, &b, ")");
    Ex r = {buf_str(cc, &b), T_BOOL};
    kg_buf_free(&b);
    rel_free(&sub);
    return r;
}

static Ex expr(Cc *cc, const ExprCtx *x, const SpExpr *e)
{
    Ex r = {"NULL", T_VAL};
    if (failed(cc)) return r;
    switch (e->kind) {
    case SP_E_VAR: {
        const Binding *b = scope_find(x->scope, e->var);
        if (!b && x->where && scope_find(x->where, e->var)) {
            fail_at(cc, e->pos, "?%s is neither grouped nor aggregated", e->var);
            return r;
        }
        return (Ex){b ? b->sql : "NULL", T_VAL};
    }
    case SP_E_TERM:
        return (Ex){term_value(cc, &e->term), T_VAL};
    case SP_E_OR:
    case SP_E_AND:
        return (Ex){astr(cc, "(%s %s %s)", as_bool(cc, expr(cc, x, e->args[0])),
                         e->kind == SP_E_OR ? "OR" : "AND", as_bool(cc, expr(cc, x, e->args[1]))),
                    T_BOOL};
    case SP_E_NOT:
        return (Ex){astr(cc, "(NOT %s)", as_bool(cc, expr(cc, x, e->args[0]))), T_BOOL};
    case SP_E_EQ: case SP_E_NE: case SP_E_LT: case SP_E_GT: case SP_E_LE: case SP_E_GE: {
        static const char *const names[] = {"sp_eq", "sp_ne", "sp_lt", "sp_gt", "sp_le", "sp_ge"};
        const char *a = as_val(cc, expr(cc, x, e->args[0]));
        const char *b = as_val(cc, expr(cc, x, e->args[1]));
        return (Ex){astr(cc, "%s(%s, %s)", names[e->kind - SP_E_EQ], a, b), T_BOOL};
    }
    case SP_E_ADD: case SP_E_SUB: case SP_E_MUL: case SP_E_DIV: {
        static const char *const names[] = {"sp_add", "sp_sub", "sp_mul", "sp_div"};
        const char *a = as_val(cc, expr(cc, x, e->args[0]));
        const char *b = as_val(cc, expr(cc, x, e->args[1]));
        return (Ex){astr(cc, "%s(%s, %s)", names[e->kind - SP_E_ADD], a, b), T_VAL};
    }
    case SP_E_NEG:
    case SP_E_PLUS:
        return (Ex){astr(cc, "%s(%s)", e->kind == SP_E_NEG ? "sp_neg" : "sp_plus",
                         as_val(cc, expr(cc, x, e->args[0]))),
                    T_VAL};
    case SP_E_IN:
    case SP_E_NOT_IN: {
        /* SQL's OR over 1/0/NULL is SPARQL's IN: true on a match, else an error if any
         * comparison failed, else false. */
        if (e->n_args < 2) return (Ex){e->kind == SP_E_IN ? "0" : "1", T_BOOL};
        const char *v = as_val(cc, expr(cc, x, e->args[0]));
        KgBuf b = {0};
        put(cc, &b, e->kind == SP_E_IN ? "(" : "(NOT (");
        for (size_t i = 1; i < e->n_args; i++)
            putf(cc, &b, "%ssp_eq(%s, %s)", i > 1 ? " OR " : "", v,
                 as_val(cc, expr(cc, x, e->args[i])));
        put(cc, &b, e->kind == SP_E_IN ? ")" : "))");
        r = (Ex){buf_str(cc, &b), T_BOOL};
        kg_buf_free(&b);
        return r;
    }
    case SP_E_CALL:
        if (e->func == SP_F_BOUND) {
            if (e->n_args != 1 || e->args[0]->kind != SP_E_VAR) {
                fail_at(cc, e->pos, "BOUND takes a variable");
                return r;
            }
            Ex v = expr(cc, x, e->args[0]);
            return (Ex){astr(cc, "(%s IS NOT NULL)", v.sql), T_BOOL};
        }
        if (e->func == SP_F_IF) {
            const char *c = as_bool(cc, expr(cc, x, e->args[0]));
            const char *a = as_val(cc, expr(cc, x, e->args[1]));
            const char *b = as_val(cc, expr(cc, x, e->args[2]));
            return (Ex){astr(cc, "(CASE %s WHEN 1 THEN %s WHEN 0 THEN %s END)", c, a, b), T_VAL};
        }
        if (e->func == SP_F_COALESCE && e->n_args == 0) return r;
        if (e->func == SP_F_COALESCE && e->n_args == 1) return (Ex){as_val(cc, expr(cc, x, e->args[0])), T_VAL};
        return (Ex){astr(cc, "%s(%s)", func_sql[e->func].sql, call_args(cc, x, e, 0)),
                    func_sql[e->func].type};
    case SP_E_AGG:
        return aggregate(cc, x, e);
    case SP_E_EXISTS:
    case SP_E_NOT_EXISTS:
        return exists(cc, x, e);
    }
    return r;
}

static int has_aggregate(const SpExpr *e)
{
    if (!e) return 0;
    if (e->kind == SP_E_AGG) return 1;
    for (size_t i = 0; i < e->n_args; i++)
        if (has_aggregate(e->args[i])) return 1;
    return 0;
}

/* ---------------------------------------------------------------- basic graph patterns */

static int bound_in_scope(void *ctx, const char *var) { return scope_find(ctx, var) != NULL; }

static void node_label(Cc *cc, KgBuf *b, const SpNode *nd)
{
    if (nd->is_var) {
        if (nd->var[0] == '.') putf(cc, b, "_:%s", nd->var + 1);
        else putf(cc, b, "?%s", nd->var);
    } else {
        put(cc, b, term_label(cc, &nd->term));
    }
}

/* Adds the triples to the relation in the planner's order, one `quads AS tN` each. */
static void compile_bgp(Cc *cc, Rel *r, const SpTriple **triples, size_t n, const SpNode *graph)
{
    if (n == 0 || failed(cc)) return;
    SpPattern *pats = kg_calloc(n, sizeof *pats);
    size_t *order = kg_calloc(n, sizeof *order);
    double *est = kg_calloc(n, sizeof *est);
    if (!pats || !order || !est) {
        fail_nomem(cc);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const SpTriple *t = triples[i];
        pats[i].triple = t;
        pats[i].s_id = t->s.is_var ? 0 : term_id(cc, &t->s.term);
        pats[i].p_id = t->p.is_var ? 0 : term_id(cc, &t->p.term);
        pats[i].o_id = t->o.is_var ? 0 : term_id(cc, &t->o.term);
    }
    if (failed(cc)) goto out;
    KgStatus s = sp_plan_order(cc->store, pats, n, bound_in_scope, &r->scope, order, est, cc->err);
    if (s != KG_OK) {
        cc->status = s;
        goto out;
    }
    KgTermId g_id = graph && !graph->is_var ? term_id(cc, &graph->term) : 0;
    for (size_t k = 0; k < n; k++) {
        const SpPattern *pt = &pats[order[k]];
        const SpTriple *t = pt->triple;
        const char *a = new_alias(cc, 't');
        rel_from(cc, r, astr(cc, "quads AS %s", a));
        const SpNode *nodes[3] = {&t->s, &t->p, &t->o};
        const KgTermId ids[3] = {pt->s_id, pt->p_id, pt->o_id};
        static const char cols[3] = {'s', 'p', 'o'};
        for (int j = 0; j < 3; j++) {
            const char *col = astr(cc, "%s.%c", a, cols[j]);
            if (nodes[j]->is_var)
                join_var(cc, &r->scope, &r->where, nodes[j]->var, col, 0, 0);
            else
                rel_cond(cc, r, astr(cc, "%s = %s", col, term_column_value(cc, &nodes[j]->term, ids[j])));
        }
        if (!graph) {
            rel_cond(cc, r, astr(cc, "%s.g = 0", a));
        } else if (!graph->is_var) {
            rel_cond(cc, r, astr(cc, "%s.g = %s", a, term_column_value(cc, &graph->term, g_id)));
        } else {
            rel_cond(cc, r, astr(cc, "%s.g != 0", a));
            join_var(cc, &r->scope, &r->where, graph->var, astr(cc, "%s.g", a), 0, 0);
        }
        /* the plan line: alias, pattern, estimated rows so far */
        KgBuf *pl = &cc->out->plan;
        putf(cc, pl, "  %-4s ", a);
        node_label(cc, pl, &t->s);
        put(cc, pl, " ");
        node_label(cc, pl, &t->p);
        put(cc, pl, " ");
        node_label(cc, pl, &t->o);
        if (graph) {
            put(cc, pl, "  GRAPH ");
            node_label(cc, pl, graph);
        }
        putf(cc, pl, "    (est. %.0f rows)\n", est[k]);
    }
out:
    kg_free(pats);
    kg_free(order);
    kg_free(est);
}

/* ---------------------------------------------------------------- subqueries */

/* The relation as a subquery `(SELECT ... ) AS alias` whose columns c0, c1, ... hold its
 * variables, named in `cols`; the caller joins them. */
static const char *rel_subquery(Cc *cc, Rel *sub, const char *alias, Scope *cols)
{
    KgBuf b = {0};
    put(cc, &b, "(SELECT ");
    size_t n = 0;
    for (size_t i = 0; i < sub->scope.n; i++) {
        const Binding *bd = &sub->scope.b[i];
        putf(cc, &b, "%s%s AS c%zu", n ? ", " : "", bd->sql, n);
        scope_set(cc, cols, bd->var, astr(cc, "%s.c%zu", alias, n), bd->maybe_null);
        n++;
    }
    if (!n) put(cc, &b, "1 AS c0");
    if (sub->has_from) putf(cc, &b, " FROM %s", kg_buf_cstr(&sub->from));
    if (sub->where.len) putf(cc, &b, " WHERE %s", kg_buf_cstr(&sub->where));
    putf(cc, &b, ") AS %s", alias);
    const char *s = buf_str(cc, &b);
    kg_buf_free(&b);
    return s;
}

/* Inner join of another relation built in this statement (a nested group): its FROM chain
 * goes on after this one's ((A x B) LEFT JOIN C ON c(B, C) is A x (B LEFT JOIN C ON ...)),
 * its conditions join the WHERE, its variables join by the compatibility rule. */
static void rel_merge(Cc *cc, Rel *r, Rel *sub)
{
    if (sub->has_from) rel_from(cc, r, kg_buf_cstr(&sub->from));
    if (sub->where.len) rel_cond(cc, r, kg_buf_cstr(&sub->where));
    for (size_t i = 0; i < sub->scope.n; i++) {
        const Binding *b = &sub->scope.b[i];
        const Binding *have = scope_find(&r->scope, b->var);
        if (have && strcmp(have->sql, b->sql) == 0) continue; /* the same inherited binding */
        join_var(cc, &r->scope, &r->where, b->var, b->sql, b->maybe_null, 0);
    }
}

/* Inner join of a subquery whose columns are `cols`. */
static void join_inner(Cc *cc, Rel *r, const char *item, const Scope *cols)
{
    rel_from(cc, r, item);
    for (size_t i = 0; i < cols->n; i++)
        join_var(cc, &r->scope, &r->where, cols->b[i].var, cols->b[i].sql, cols->b[i].maybe_null, 0);
}

static void compile_optional(Cc *cc, Rel *r, const SpGroup *g, const SpNode *graph)
{
    const SpExpr **filters = NULL;
    size_t n_filters = 0;
    Rel sub = compile_group(cc, g, graph, NULL, &filters, &n_filters);
    Scope cols = {0};
    const char *alias = new_alias(cc, 'o');
    const char *item = rel_subquery(cc, &sub, alias, &cols);
    rel_free(&sub);
    if (!r->has_from) rel_from(cc, r, astr(cc, "(SELECT 1) AS %s", new_alias(cc, 'e')));
    KgBuf on = {0};
    for (size_t i = 0; i < cols.n; i++)
        join_var(cc, &r->scope, &on, cols.b[i].var, cols.b[i].sql, cols.b[i].maybe_null, 1);
    /* The optional part's own filters see both sides: LeftJoin(P, Q, F). */
    ExprCtx x = {&r->scope, NULL};
    for (size_t i = 0; i < n_filters; i++) {
        put(cc, &on, on.len ? " AND " : "");
        put(cc, &on, as_bool(cc, expr(cc, &x, filters[i])));
    }
    putf(cc, &r->from, " LEFT JOIN %s ON %s", item, on.len ? kg_buf_cstr(&on) : "1");
    kg_buf_free(&on);
    kg_free(filters);
}

static void compile_union(Cc *cc, Rel *r, const SpElem *el, const SpNode *graph)
{
    Vars all = {0};
    Rel *alts = kg_calloc(el->n_alts, sizeof *alts);
    if (!alts) return fail_nomem(cc);
    for (size_t i = 0; i < el->n_alts; i++) {
        alts[i] = compile_group(cc, el->alts[i], graph, NULL, NULL, NULL);
        for (size_t j = 0; j < alts[i].scope.n; j++) vars_add(cc, &all, alts[i].scope.b[j].var);
    }
    const char *alias = new_alias(cc, 'u');
    Scope cols = {0};
    KgBuf b = {0};
    put(cc, &b, "(");
    for (size_t i = 0; i < el->n_alts; i++) {
        put(cc, &b, i ? " UNION ALL SELECT " : "SELECT ");
        for (size_t j = 0; j < all.n; j++) {
            const Binding *bd = scope_find(&alts[i].scope, all.v[j]);
            putf(cc, &b, "%s%s AS c%zu", j ? ", " : "", bd ? bd->sql : "NULL", j);
        }
        if (!all.n) put(cc, &b, "1 AS c0");
        if (alts[i].has_from) putf(cc, &b, " FROM %s", kg_buf_cstr(&alts[i].from));
        if (alts[i].where.len) putf(cc, &b, " WHERE %s", kg_buf_cstr(&alts[i].where));
    }
    putf(cc, &b, ") AS %s", alias);
    for (size_t j = 0; j < all.n; j++) {
        int maybe_null = 0;
        for (size_t i = 0; i < el->n_alts; i++) {
            const Binding *bd = scope_find(&alts[i].scope, all.v[j]);
            if (!bd || bd->maybe_null) maybe_null = 1;
        }
        scope_set(cc, &cols, all.v[j], astr(cc, "%s.c%zu", alias, j), maybe_null);
    }
    join_inner(cc, r, buf_str(cc, &b), &cols);
    kg_buf_free(&b);
    for (size_t i = 0; i < el->n_alts; i++) rel_free(&alts[i]);
    kg_free(alts);
}

/* MINUS: drop the solutions compatible with some solution of the pattern that shares a
 * bound variable with them; evaluated on its own, not with the current bindings. */
static void compile_minus(Cc *cc, Rel *r, const SpGroup *g, const SpNode *graph)
{
    Rel sub = compile_group(cc, g, graph, NULL, NULL, NULL);
    KgBuf cond = {0}, any = {0};
    int always_shared = 0, n_shared = 0;
    for (size_t i = 0; i < sub.scope.n; i++) {
        const Binding *in = &sub.scope.b[i];
        const Binding *out = scope_find(&r->scope, in->var);
        if (!out) continue;
        n_shared++;
        if (!in->maybe_null && !out->maybe_null) {
            putf(cc, &cond, "%s%s = %s", cond.len ? " AND " : "", in->sql, out->sql);
            always_shared = 1;
        } else {
            putf(cc, &cond, "%s(%s IS NULL OR %s IS NULL OR %s = %s)", cond.len ? " AND " : "",
                 in->sql, out->sql, in->sql, out->sql);
            putf(cc, &any, "%s(%s IS NOT NULL AND %s IS NOT NULL)", any.len ? " OR " : "",
                 in->sql, out->sql);
        }
    }
    if (n_shared) {
        KgBuf b = {0};
        put(cc, &b, "NOT EXISTS (SELECT 1");
        if (sub.has_from) putf(cc, &b, " FROM %s", kg_buf_cstr(&sub.from));
        putf(cc, &b, " WHERE %s", kg_buf_cstr(&cond));
        if (sub.where.len) putf(cc, &b, " AND %s", kg_buf_cstr(&sub.where));
        if (!always_shared) putf(cc, &b, " AND (%s)", kg_buf_cstr(&any));
        put(cc, &b, ")");
        rel_cond(cc, r, buf_str(cc, &b));
        kg_buf_free(&b);
    }
    kg_buf_free(&cond);
    kg_buf_free(&any);
    rel_free(&sub);
}

static void compile_values(Cc *cc, Rel *r, const SpValues *v)
{
    const char *alias = new_alias(cc, 'v');
    KgBuf b = {0};
    Scope cols = {0};
    put(cc, &b, "(");
    for (size_t i = 0; i < v->n_rows; i++) {
        put(cc, &b, i ? " UNION ALL SELECT " : "SELECT ");
        for (size_t j = 0; j < v->n_vars; j++) {
            const SpNode *cell = &v->cells[i * v->n_vars + j];
            putf(cc, &b, "%s%s AS c%zu", j ? ", " : "", cell->undef ? "NULL" : term_value(cc, &cell->term), j);
        }
        if (!v->n_vars) put(cc, &b, "1 AS c0");
    }
    if (!v->n_rows) {
        put(cc, &b, "SELECT ");
        for (size_t j = 0; j < v->n_vars; j++) putf(cc, &b, "%sNULL AS c%zu", j ? ", " : "", j);
        if (!v->n_vars) put(cc, &b, "1 AS c0");
        put(cc, &b, " WHERE 0");
    }
    putf(cc, &b, ") AS %s", alias);
    for (size_t j = 0; j < v->n_vars; j++) {
        int maybe_null = 0;
        for (size_t i = 0; i < v->n_rows; i++)
            if (v->cells[i * v->n_vars + j].undef) maybe_null = 1;
        scope_set(cc, &cols, v->vars[j], astr(cc, "%s.c%zu", alias, j), maybe_null);
    }
    join_inner(cc, r, buf_str(cc, &b), &cols);
    kg_buf_free(&b);
}

/* ---------------------------------------------------------------- groups */

static int order_sensitive(SpElemKind k)
{
    return k == SP_EL_OPTIONAL || k == SP_EL_MINUS || k == SP_EL_BIND;
}

/* Which triples of the group join its leading basic graph pattern (see the top). */
static void choose_hoisted(Cc *cc, const SpGroup *g, char *hoisted)
{
    Vars lead = {0}, sensitive = {0};
    int seen_sensitive = 0;
    for (size_t i = 0; i < g->n_elems; i++) {
        const SpElem *el = &g->elems[i];
        if (el->kind == SP_EL_TRIPLE) {
            Vars tv = {0};
            elem_vars(cc, el, &tv, 0);
            int ok = 1;
            if (seen_sensitive)
                for (size_t j = 0; j < tv.n; j++)
                    if (vars_has(&sensitive, tv.v[j]) && !vars_has(&lead, tv.v[j])) ok = 0;
            if (ok) {
                hoisted[i] = 1;
                for (size_t j = 0; j < tv.n; j++) vars_add(cc, &lead, tv.v[j]);
            }
        } else if (order_sensitive(el->kind)) {
            seen_sensitive = 1;
            elem_vars(cc, el, &sensitive, 0);
        }
    }
}

static Rel compile_group(Cc *cc, const SpGroup *g, const SpNode *graph, const Scope *inherit,
                         const SpExpr ***filters_out, size_t *n_filters_out)
{
    Rel r = {0};
    if (inherit) scope_copy(cc, &r.scope, inherit);
    size_t n = g->n_elems;
    char *hoisted = kg_calloc(n ? n : 1, 1);
    const SpTriple **run = kg_calloc(n ? n : 1, sizeof *run);
    const SpExpr **filters = kg_calloc(n ? n : 1, sizeof *filters);
    size_t n_run = 0, n_filters = 0;
    if (!hoisted || !run || !filters) {
        fail_nomem(cc);
        goto out;
    }
    choose_hoisted(cc, g, hoisted);
    for (size_t i = 0; i < n; i++)
        if (hoisted[i]) run[n_run++] = &g->elems[i].triple;
    compile_bgp(cc, &r, run, n_run, graph);
    n_run = 0;
    for (size_t i = 0; i < n && !failed(cc); i++) {
        const SpElem *el = &g->elems[i];
        if (el->kind == SP_EL_TRIPLE) {
            if (!hoisted[i]) run[n_run++] = &el->triple;
            continue;
        }
        compile_bgp(cc, &r, run, n_run, graph); /* a run of triples that had to wait */
        n_run = 0;
        switch (el->kind) {
        case SP_EL_FILTER:
            filters[n_filters++] = el->expr;
            break;
        case SP_EL_OPTIONAL:
            compile_optional(cc, &r, el->group, graph);
            break;
        case SP_EL_UNION:
            compile_union(cc, &r, el, graph);
            break;
        case SP_EL_MINUS:
            compile_minus(cc, &r, el->group, graph);
            break;
        case SP_EL_GROUP:
        case SP_EL_GRAPH: {
            /* Join(r, group): the group's own relation, merged into this one's FROM (its
             * filters were placed on its own bindings, so they see only its variables) */
            const SpNode *gr = el->kind == SP_EL_GRAPH ? &el->graph : graph;
            Rel sub = compile_group(cc, el->group, gr, inherit, NULL, NULL);
            if (el->kind == SP_EL_GRAPH && gr->is_var && !scope_find(&sub.scope, gr->var)) {
                /* GRAPH ?g over a pattern that binds no graph itself: every named graph */
                const char *ga = new_alias(cc, 'g');
                rel_from(cc, &sub, astr(cc, "(SELECT DISTINCT g FROM quads WHERE g != 0) AS %s", ga));
                scope_set(cc, &sub.scope, gr->var, astr(cc, "%s.g", ga), 0);
            }
            rel_merge(cc, &r, &sub);
            rel_free(&sub);
            break;
        }
        case SP_EL_VALUES:
            compile_values(cc, &r, &el->values);
            break;
        case SP_EL_BIND: {
            if (scope_find(&r.scope, el->var)) {
                fail_at(cc, el->pos, "BIND: ?%s is already bound in this group", el->var);
                break;
            }
            ExprCtx x = {&r.scope, NULL};
            const char *v = as_val(cc, expr(cc, &x, el->expr));
            scope_set(cc, &r.scope, el->var, astr(cc, "(%s)", v), 1);
            break;
        }
        case SP_EL_TRIPLE:
            break;
        }
    }
    compile_bgp(cc, &r, run, n_run, graph);
    if (filters_out) {
        *filters_out = filters;
        *n_filters_out = n_filters;
        filters = NULL;
    } else {
        ExprCtx x = {&r.scope, NULL};
        for (size_t i = 0; i < n_filters && !failed(cc); i++)
            rel_cond(cc, &r, as_bool(cc, expr(cc, &x, filters[i])));
    }
out:
    kg_free(hoisted);
    kg_free(run);
    kg_free(filters);
    return r;
}

/* ---------------------------------------------------------------- the query */

/* The terms behind the result columns, read by the statement itself: for each column cI,
 * four more (kind, lexical form, language, datatype id) from `LEFT JOIN terms` on its id, so
 * that printing a row asks SQLite nothing more. A computed value (TEXT) joins no term. */
static void term_columns(Cc *cc, Rel *r, const char **cols, size_t n, KgBuf *sql, KgBuf *joins)
{
    if (!r->has_from || !n) return;
    for (size_t i = 0; i < n; i++) {
        const char *k = new_alias(cc, 'k');
        putf(cc, sql, ", %s.kind, %s.lex, %s.lang, %s.datatype", k, k, k, k);
        putf(cc, joins, " LEFT JOIN terms AS %s ON %s.id = %s", k, k, cols[i]);
    }
    cc->out->term_columns = 1;
}

static void select_tail(Cc *cc, Rel *r, const KgBuf *joins, KgBuf *sql)
{
    if (r->has_from) putf(cc, sql, " FROM %s%s", kg_buf_cstr(&r->from), joins && joins->len ? joins->data : "");
    if (r->where.len) putf(cc, sql, " WHERE %s", kg_buf_cstr(&r->where));
}

static void order_limit(Cc *cc, const SpQuery *q, const ExprCtx *x, KgBuf *sql)
{
    for (size_t i = 0; i < q->n_order; i++) {
        const char *v = as_val(cc, expr(cc, x, q->order[i].expr));
        putf(cc, sql, "%ssp_sortkey(%s)%s", i ? ", " : " ORDER BY ", v, q->order[i].desc ? " DESC" : "");
    }
    if (q->limit >= 0 || q->offset > 0) {
        putf(cc, sql, " LIMIT %s", param(cc, 0, q->limit, NULL, "LIMIT"));
        if (q->offset > 0) putf(cc, sql, " OFFSET %s", param(cc, 0, q->offset, NULL, "OFFSET"));
    }
}

static void add_column(Cc *cc, const char *var)
{
    SpSql *o = cc->out;
    const char **nc = kg_arena_alloc(cc->arena, (o->n_columns + 1) * sizeof *nc);
    if (!nc) return fail_nomem(cc);
    if (o->n_columns) memcpy(nc, o->columns, o->n_columns * sizeof *nc);
    nc[o->n_columns++] = var;
    o->columns = nc;
}

static void compile_select(Cc *cc, const SpQuery *q, Rel *r, KgBuf *sql)
{
    int aggregated = q->n_group_by > 0;
    for (size_t i = 0; i < q->n_proj; i++) aggregated |= has_aggregate(q->proj[i].expr);
    for (size_t i = 0; i < q->n_having; i++) aggregated |= has_aggregate(q->having[i]);
    for (size_t i = 0; i < q->n_order; i++) aggregated |= has_aggregate(q->order[i].expr);

    Scope scope = {0};
    ExprCtx x = {&scope, aggregated ? &r->scope : NULL};
    KgBuf group = {0};
    if (aggregated) {
        if (q->select_star) {
            fail_at(cc, q->where->pos, "SELECT * cannot be used with GROUP BY or aggregates");
            return;
        }
        ExprCtx wx = {&r->scope, NULL};
        for (size_t i = 0; i < q->n_group_by; i++) {
            const SpProjection *k = &q->group_by[i];
            const char *v = as_val(cc, expr(cc, &wx, k->expr));
            putf(cc, &group, "%s%s", i ? ", " : " GROUP BY ", v);
            if (k->var) scope_set(cc, &scope, k->var, v, 1);
            else if (k->expr->kind == SP_E_VAR) scope_set(cc, &scope, k->expr->var, v, 1);
        }
    } else {
        scope_copy(cc, &scope, &r->scope);
    }

    put(cc, sql, q->distinct ? "SELECT DISTINCT " : "SELECT ");
    size_t n_cols = 0;
    const char **col_sql = kg_arena_alloc(cc->arena, (q->n_proj + r->scope.n + 1) * sizeof *col_sql);
    if (!col_sql) return fail_nomem(cc);
    if (q->select_star) {
        Vars vs = {0};
        group_vars(cc, q->where, &vs, 1);
        if (q->values)
            for (size_t i = 0; i < q->values->n_vars; i++) vars_add(cc, &vs, q->values->vars[i]);
        for (size_t i = 0; i < vs.n; i++) {
            if (vs.v[i][0] == '.') continue;
            const Binding *b = scope_find(&scope, vs.v[i]);
            putf(cc, sql, "%s%s AS c%zu", n_cols ? ", " : "", b ? b->sql : "NULL", n_cols);
            col_sql[n_cols++] = b ? b->sql : "NULL";
            add_column(cc, vs.v[i]);
        }
    } else {
        for (size_t i = 0; i < q->n_proj && !failed(cc); i++) {
            const SpProjection *p = &q->proj[i];
            const char *v;
            if (!p->expr) {
                const Binding *b = scope_find(&scope, p->var);
                if (!b && aggregated && scope_find(&r->scope, p->var)) {
                    fail_at(cc, p->pos, "?%s is neither grouped nor aggregated", p->var);
                    break;
                }
                v = b ? b->sql : "NULL";
            } else {
                if (scope_find(&scope, p->var) && !aggregated) {
                    fail_at(cc, p->pos, "?%s is already bound: it cannot be the name of an expression", p->var);
                    break;
                }
                v = as_val(cc, expr(cc, &x, p->expr));
                scope_set(cc, &scope, p->var, astr(cc, "(%s)", v), 1);
            }
            putf(cc, sql, "%s%s AS c%zu", n_cols ? ", " : "", v, n_cols);
            col_sql[n_cols++] = v;
            add_column(cc, p->var);
        }
    }
    if (!n_cols) put(cc, sql, "1 AS c0");
    KgBuf joins = {0};
    if (!aggregated) term_columns(cc, r, col_sql, n_cols, sql, &joins);
    select_tail(cc, r, &joins, sql);
    kg_buf_free(&joins);
    put(cc, sql, kg_buf_cstr(&group));
    kg_buf_free(&group);
    for (size_t i = 0; i < q->n_having; i++)
        putf(cc, sql, "%s%s", i ? " AND " : " HAVING ", as_bool(cc, expr(cc, &x, q->having[i])));
    order_limit(cc, q, &x, sql);
}

static void compile_construct(Cc *cc, const SpQuery *q, Rel *r, KgBuf *sql)
{
    Vars vs = {0};
    for (size_t i = 0; i < q->n_tmpl; i++) {
        node_vars(cc, &q->tmpl[i].s, &vs);
        node_vars(cc, &q->tmpl[i].p, &vs);
        node_vars(cc, &q->tmpl[i].o, &vs);
    }
    put(cc, sql, "SELECT ");
    const char **col_sql = kg_arena_alloc(cc->arena, (vs.n + 1) * sizeof *col_sql);
    if (!col_sql) return fail_nomem(cc);
    for (size_t i = 0; i < vs.n; i++) {
        const Binding *b = scope_find(&r->scope, vs.v[i]);
        col_sql[i] = b ? b->sql : "NULL";
        putf(cc, sql, "%s%s AS c%zu", i ? ", " : "", col_sql[i], i);
        add_column(cc, vs.v[i]);
    }
    if (!vs.n) put(cc, sql, "1 AS c0");
    ExprCtx x = {&r->scope, NULL};
    KgBuf joins = {0};
    term_columns(cc, r, col_sql, vs.n, sql, &joins);
    select_tail(cc, r, &joins, sql);
    kg_buf_free(&joins);
    order_limit(cc, q, &x, sql);
}

KgStatus sp_compile(KgStore *store, const SpQuery *q, const char *name, KgArena *arena,
                    SpSql *out, KgError *err)
{
    memset(out, 0, sizeof *out);
    Cc cc = {store, arena, out, name ? name : "query", err, KG_OK, 0, {0}};
    Rel r = compile_group(&cc, q->where, NULL, NULL, NULL, NULL);
    if (q->values && !failed(&cc)) compile_values(&cc, &r, q->values);
    if (!failed(&cc)) {
        if (q->form == SP_ASK) {
            put(&cc, &out->sql, "SELECT 1");
            select_tail(&cc, &r, NULL, &out->sql);
            put(&cc, &out->sql, " LIMIT 1");
        } else if (q->form == SP_CONSTRUCT) {
            compile_construct(&cc, q, &r, &out->sql);
        } else {
            compile_select(&cc, q, &r, &out->sql);
        }
    }
    if (!out->plan.len) put(&cc, &out->plan, "  (no triple patterns)\n");
    rel_free(&r);
    kg_buf_free(&cc.tmp);
    if (failed(&cc)) {
        sp_sql_free(out);
        return cc.status;
    }
    if (!kg_buf_cstr(&out->sql) || !kg_buf_cstr(&out->plan)) {
        sp_sql_free(out);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory compiling a query");
    }
    return KG_OK;
}

KgStatus sp_sql_prepare(KgStore *store, const SpSql *s, size_t first, sqlite3_stmt **out,
                        KgError *err)
{
    if (sqlite3_prepare_v2(store->db, s->sql.data, -1, out, NULL) != SQLITE_OK) /* NUL-terminated: never empty */
        return kg_error_set(err, KG_ERR_INTERNAL, "the SQL compiled from SPARQL was refused: %s",
                            sqlite3_errmsg(store->db));
    for (size_t i = first; i < s->n_params; i++) {
        const struct SpParam *p = &s->params[i];
        if (p->is_text)
            sqlite3_bind_text(*out, (int)i + 1, p->text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(*out, (int)i + 1, p->i);
    }
    return KG_OK;
}

void sp_sql_free(SpSql *s)
{
    if (!s) return;
    kg_buf_free(&s->sql);
    kg_buf_free(&s->plan);
    kg_free(s->params);
    s->params = NULL;
    s->n_params = s->cap_params = 0;
}

/* ---------------------------------------------------------------- one expression (rules) */

KgStatus sp_compile_expr(KgStore *store, const SpExpr *e, const char *const *vars, size_t n_vars,
                         int as_boolean, const char *name, KgArena *arena, SpSql *out,
                         KgError *err)
{
    memset(out, 0, sizeof *out);
    Cc cc = {store, arena, out, name ? name : "expression", err, KG_OK, 0, {0}};
    Scope sc = {0};
    /* the variables are the parameters ?1 .. ?n, rebound at each evaluation */
    for (size_t i = 0; i < n_vars; i++) scope_set(&cc, &sc, vars[i], param(&cc, 0, 0, NULL, vars[i]), 1);
    ExprCtx x = {&sc, NULL};
    Ex r = expr(&cc, &x, e);
    put(&cc, &out->sql, "SELECT ");
    put(&cc, &out->sql, as_boolean ? as_bool(&cc, r) : as_val(&cc, r));
    kg_buf_free(&cc.tmp);
    if (failed(&cc)) {
        sp_sql_free(out);
        return cc.status;
    }
    return KG_OK;
}
