/* kg/sparql.h: what the SPARQL files of kg/ share: the syntax tree the parser builds
 * (sparql_parse.c), the compiler that turns it into one SQL statement (sparql_compile.c,
 * sparql_plan.c), and the SQL functions that evaluate SPARQL expressions inside that
 * statement (sparql_funcs.c, regex.c). The public face is kg_query_* in kg.h (query.c).
 *
 * How a SPARQL value travels through SQL (the contract between the compiler and the
 * functions):
 *   - an SQL INTEGER is the id of a term in the store's dictionary;
 *   - an SQL TEXT is a term that is not in the store (a computed value), encoded as
 *       'I' iri | 'B' label | 'L' datatype-IRI '\x1f' lang '\x1f' lexical-form
 *     (datatype empty for a plain or language-tagged literal, lang empty when none;
 *     a literal typed xsd:string is encoded as a plain literal). A function that returns a
 *     value returns the term's id when the term is stored, else this encoding, so that
 *     equal terms are always equal SQL values (DISTINCT, GROUP BY and joins rely on it);
 *   - SQL NULL is an unbound variable or an expression error.
 * Boolean-valued functions return SQL 1, 0 or NULL (error), so that SQL's three-valued
 * AND, OR and NOT are exactly SPARQL's &&, || and ! over errors; a WHERE clause keeps
 * only rows where the condition is 1. */
#ifndef NOUS_KG_SPARQL_H
#define NOUS_KG_SPARQL_H

#include "internal.h"

#include <stdint.h>

#define SP_ENC_SEP '\x1f'

/* ---------------------------------------------------------------- syntax tree */

typedef struct {
    unsigned long line, col; /* 1-based position in the query text */
} SpPos;

/* A position in a triple pattern, a VALUES cell or a CONSTRUCT template: a variable or a
 * term. Blank nodes in a WHERE clause (`_:b`, `[]`, `[ p o ]`, collections) become
 * variables whose name starts with '.' (never a SPARQL name), so SELECT * skips them.
 * In a CONSTRUCT template a blank node stays a term of kind KG_TERM_BLANK. */
typedef struct {
    int is_var;
    int undef;        /* VALUES: the cell is UNDEF */
    const char *var;  /* name without '?' or '$', when is_var */
    KgTerm term;      /* when !is_var: IRIs absolute, prefixes expanded, numbers typed */
    SpPos pos;
} SpNode;

typedef struct {
    SpNode s, p, o;
} SpTriple;

typedef enum {
    SP_E_VAR,
    SP_E_TERM,
    SP_E_OR, SP_E_AND, SP_E_NOT,
    SP_E_EQ, SP_E_NE, SP_E_LT, SP_E_GT, SP_E_LE, SP_E_GE,
    SP_E_ADD, SP_E_SUB, SP_E_MUL, SP_E_DIV, SP_E_NEG, SP_E_PLUS,
    SP_E_IN, SP_E_NOT_IN, /* args[0] IN (args[1..]) */
    SP_E_CALL,            /* a built-in function: func */
    SP_E_AGG,             /* an aggregate: agg */
    SP_E_EXISTS, SP_E_NOT_EXISTS,
} SpExprKind;

typedef enum {
    SP_F_STR, SP_F_LANG, SP_F_LANGMATCHES, SP_F_DATATYPE, SP_F_BOUND,
    SP_F_ISIRI, SP_F_ISBLANK, SP_F_ISLITERAL, SP_F_ISNUMERIC,
    SP_F_REGEX, SP_F_CONTAINS, SP_F_STRSTARTS, SP_F_STRENDS, SP_F_STRLEN,
    SP_F_UCASE, SP_F_LCASE, SP_F_CONCAT, SP_F_SUBSTR, SP_F_STRBEFORE, SP_F_STRAFTER,
    SP_F_SAMETERM, SP_F_COALESCE, SP_F_IF,
    SP_F_ABS, SP_F_CEIL, SP_F_FLOOR, SP_F_ROUND,
    SP_F__COUNT
} SpFunc;

typedef enum { SP_A_COUNT, SP_A_SUM, SP_A_MIN, SP_A_MAX, SP_A_AVG, SP_A_SAMPLE,
               SP_A_GROUP_CONCAT } SpAgg;

typedef struct SpGroup SpGroup;

typedef struct SpExpr {
    SpExprKind kind;
    SpPos pos;
    const char *var;          /* SP_E_VAR */
    KgTerm term;              /* SP_E_TERM */
    SpFunc func;              /* SP_E_CALL */
    SpAgg agg;                /* SP_E_AGG */
    int distinct;             /* SP_E_AGG: COUNT(DISTINCT ...) */
    int star;                 /* SP_E_AGG: COUNT(*) (then n_args == 0) */
    const char *separator;    /* SP_E_AGG GROUP_CONCAT: NULL means " " */
    struct SpExpr **args;
    size_t n_args;
    SpGroup *pattern;         /* SP_E_EXISTS, SP_E_NOT_EXISTS */
} SpExpr;

typedef struct {
    const char **vars;
    size_t n_vars;
    SpNode *cells; /* n_rows * n_vars, row-major; a cell is a term or undef */
    size_t n_rows;
} SpValues;

typedef enum {
    SP_EL_TRIPLE,   /* triple */
    SP_EL_FILTER,   /* expr; applies to the whole group it stands in */
    SP_EL_OPTIONAL, /* group */
    SP_EL_UNION,    /* alts[0] UNION alts[1] UNION ... (n_alts >= 2) */
    SP_EL_MINUS,    /* group */
    SP_EL_GRAPH,    /* graph (IRI or variable), group */
    SP_EL_GROUP,    /* a nested { ... } */
    SP_EL_VALUES,   /* values */
    SP_EL_BIND,     /* expr AS var */
} SpElemKind;

typedef struct {
    SpElemKind kind;
    SpPos pos;
    SpTriple triple;
    SpExpr *expr;
    const char *var;
    SpGroup *group;
    SpGroup **alts;
    size_t n_alts;
    SpNode graph;
    SpValues values;
} SpElem;

struct SpGroup {
    SpElem *elems; /* in the order written */
    size_t n_elems;
    SpPos pos;
};

/* A projected column: a variable (expr == NULL) or (expr AS var). GROUP BY keys use the
 * same shape: an expression, with var set when written (expr AS ?v). */
typedef struct {
    const char *var;
    SpExpr *expr;
    SpPos pos;
} SpProjection;

typedef struct {
    SpExpr *expr;
    int desc;
} SpOrder;

typedef enum { SP_SELECT = 1, SP_ASK, SP_CONSTRUCT } SpForm; /* same values as KgQueryForm */

typedef struct {
    SpForm form;
    int distinct, reduced;
    int select_star;
    SpProjection *proj; /* SELECT, unless select_star */
    size_t n_proj;
    SpTriple *tmpl;     /* CONSTRUCT template (CONSTRUCT WHERE: the pattern's triples) */
    size_t n_tmpl;
    SpGroup *where;
    SpProjection *group_by;
    size_t n_group_by;
    SpExpr **having; /* each must hold */
    size_t n_having;
    SpOrder *order;
    size_t n_order;
    int64_t limit;  /* -1 when absent */
    int64_t offset; /* 0 when absent */
    SpValues *values; /* a trailing VALUES clause, or NULL */
} SpQuery;

/* Parses SPARQL 1.1 query text (the subset nous answers) into a tree allocated in `arena`.
 * Prefixes: those declared with PREFIX, then the store's (kg_prefix_expand); BASE resolves
 * relative IRIs. `name` is used in error positions. Syntax errors and constructs outside
 * the subset fail with KG_ERR_SYNTAX at name:line:col; the message of an unsupported
 * construct names it ("property paths are not supported"). */
KgStatus sp_parse(KgStore *store, const char *text, size_t len, const char *name,
                  KgArena *arena, SpQuery **out, KgError *err);

/* ---------------------------------------------------------------- compiling to SQL */

/* One SQL statement and what the runtime needs to read its rows. */
typedef struct {
    KgBuf sql;      /* the statement, with ?N parameters */
    KgBuf plan;     /* the chosen join order, one line per triple pattern, for --explain */
    /* parameters ?1..?n_params: each an integer (a term id), a text (an encoded term or
     * a REGEX pattern) or a 64-bit integer (LIMIT, OFFSET) */
    struct SpParam {
        int is_text;
        int64_t i;
        const char *text; /* in the arena */
        const char *label; /* what it stands for, for --explain (the term as written) */
    } *params;
    size_t n_params, cap_params;
    /* result columns: one per SELECT variable; CONSTRUCT: every variable of the template,
     * in the order of `columns` */
    const char **columns;
    size_t n_columns;
    /* when set, result column i is followed, at n_columns + 4 i, by the kind, lexical form,
     * language and datatype id of the term with that id (NULLs for a computed value) */
    int term_columns;
} SpSql;

/* Compiles the parsed query into one SQL statement over the store's quads table, with
 * the join order of every basic graph pattern chosen from the store's statistics and
 * pinned with CROSS JOIN. */
KgStatus sp_compile(KgStore *store, const SpQuery *q, const char *name, KgArena *arena,
                    SpSql *out, KgError *err);
void sp_sql_free(SpSql *s);
/* Prepares the statement and binds its parameters from index `first` on (those before are
 * the caller's to bind at each run: a rule expression's variables). */
KgStatus sp_sql_prepare(KgStore *store, const SpSql *s, size_t first, sqlite3_stmt **out,
                        KgError *err);

/* One expression, for rules (kg/expr.c): parsed with the given prefixes ("p", "ns", ...,
 * NULL) at line:col of its file, and compiled to `SELECT value` (or its effective boolean
 * value) whose parameters ?1..?n_vars are the variables vars[i]. */
KgStatus sp_parse_expr(KgStore *store, const char *text, size_t len, const char *name,
                       unsigned long line, unsigned long col, const char *const *prefixes,
                       KgArena *arena, SpExpr **out, KgError *err);
KgStatus sp_compile_expr(KgStore *store, const SpExpr *e, const char *const *vars, size_t n_vars,
                         int as_boolean, const char *name, KgArena *arena, SpSql *out,
                         KgError *err);

/* ---------------------------------------------------------------- join order (sparql_plan.c) */

/* A triple pattern of a basic graph pattern, with its term ids looked up: id 0 for a
 * variable position, SP_ABSENT for a constant that is not in the store. */
#define SP_ABSENT UINT64_MAX
typedef struct {
    const SpTriple *triple;
    KgTermId s_id, p_id, o_id;
} SpPattern;

/* Chooses the order in which to join `n` patterns: the pattern with the fewest matches
 * first, then always the connected pattern that multiplies the rows the least, judged from
 * per-predicate statistics and exact (capped) counts of index ranges for constants (the
 * per-class counts of rdf:type patterns among them). `is_bound` tells which variables are
 * bound before the pattern starts (correlated EXISTS). Writes the order into order[n] and
 * the estimated rows after each step into est[n]. */
KgStatus sp_plan_order(KgStore *store, const SpPattern *pats, size_t n,
                       int (*is_bound)(void *ctx, const char *var), void *ctx, size_t *order,
                       double *est, KgError *err);

/* ---------------------------------------------------------------- SQL functions */

/* Registers the SQL functions below on the store's connection (once per store; later
 * calls do nothing). Their names, all taking and returning values as described at the top:
 *   sp_ebv(v)                 effective boolean value: 1, 0, NULL
 *   sp_bool(b)                SQL 1/0/NULL -> xsd:boolean value
 *   sp_int(n)                 SQL integer -> xsd:integer value (COUNT results)
 *   sp_eq, sp_ne, sp_lt, sp_gt, sp_le, sp_ge (a, b)   SPARQL operators: 1, 0, NULL
 *   sp_add, sp_sub, sp_mul, sp_div (a, b), sp_neg(a), sp_plus(a)   numeric values
 *   sp_str, sp_lang, sp_datatype (v)                  values
 *   sp_isiri, sp_isblank, sp_isliteral, sp_isnumeric (v)   1, 0, NULL
 *   sp_langmatches, sp_contains, sp_strstarts, sp_strends, sp_sameterm (a, b)  1, 0, NULL
 *   sp_strlen, sp_ucase, sp_lcase, sp_abs, sp_ceil, sp_floor, sp_round (v)  values
 *   sp_concat(v, ...), sp_substr(s, start [, len]), sp_strbefore, sp_strafter (a, b)
 *   sp_regex(text, pattern [, flags])  1, 0, NULL: PCRE2 (JIT), compiled once per statement
 *   sp_sortkey(v)             a BLOB whose byte order is SPARQL's ORDER BY order
 *   aggregates: sp_sum, sp_avg, sp_min, sp_max, sp_sample (v), sp_group_concat(v, sep)
 * Decoding a term id reads the dictionary through a small cache of its own. */
KgStatus sp_funcs_register(KgStore *store, KgError *err);
/* Forgets cached terms (ids can be reused after a rollback); called before each query. */
void sp_funcs_reset(KgStore *store);
void sp_funcs_free(KgStore *store);

/* Encodes a term that is not stored (the TEXT form above) into buf. */
KgStatus sp_term_encode(const KgTerm *t, KgBuf *buf);
/* Decodes the TEXT form into *out; its strings are copied into `scratch` (each
 * NUL-terminated) and stay valid until `scratch` is next written. */
KgStatus sp_term_decode(const char *text, size_t len, KgTerm *out, KgBuf *scratch);

/* ---------------------------------------------------------------- inside the SQL functions
 * What sparql_value.c (values, the decode cache, results), sparql_funcs.c (operators and
 * functions), sparql_agg.c (aggregates) and regex.c share; nothing outside them uses it. */

/* The class of a value. Numeric types are in promotion order. A literal of a numeric,
 * boolean or date type whose lexical form is not valid keeps its type with valid == 0. */
typedef enum {
    SP_T_NONE = 0, /* unbound or error */
    SP_T_BLANK,
    SP_T_IRI,
    SP_T_SIMPLE, /* a simple literal or xsd:string */
    SP_T_LANG,
    SP_T_INTEGER, /* xsd:integer and the types derived from it */
    SP_T_DECIMAL,
    SP_T_FLOAT,
    SP_T_DOUBLE,
    SP_T_BOOLEAN,
    SP_T_DATETIME,
    SP_T_DATE,
    SP_T_OTHER, /* a literal of any other datatype */
} SpType;

#define SP_IS_NUMERIC(t) ((t) >= SP_T_INTEGER && (t) <= SP_T_DOUBLE)
#define SP_IS_STRING(t) ((t) == SP_T_SIMPLE || (t) == SP_T_LANG)

/* An exact xsd:integer or xsd:decimal: m x 10^-scale, |m| < 10^38, no trailing zero
 * digits when scale > 0 (so equal values have equal forms). Integers have scale 0. */
typedef struct {
    __int128 m;
    int scale;
} SpDec;

/* A decoded value, borrowed: its strings belong to the decode cache or to the SQL argument
 * and stay valid until the SQL function returns. dt and lang are "" when absent. */
typedef struct {
    SpType type;
    int valid;     /* numeric, boolean and date types: the lexical form is valid */
    int has_dec;   /* a valid integer or decimal of at most 38 digits: dec holds it */
    SpDec dec;
    double num;    /* valid numerics; dates in seconds since 1970 (UTC); booleans 0 or 1 */
    KgTermKind kind;
    KgTermId id;   /* the stored term, 0 for a computed one */
    const char *lex, *dt, *lang;
    size_t lex_len, dt_len, lang_len;
} SpVal;

typedef struct SpRuntime SpRuntime;

/* The runtime of a call (the function's user data); starts a new call, so that the
 * arguments it decodes do not evict each other from the cache. */
SpRuntime *sp_call(sqlite3_context *ctx);
/* Decodes an SQL argument. Returns 1 with *out filled, 0 when the value is NULL, unknown
 * or not a value (a database or memory failure has then been reported on ctx). */
int sp_arg(SpRuntime *rt, sqlite3_context *ctx, sqlite3_value *v, SpVal *out);
/* A string argument that the compiler may pass either as a value (a simple literal) or as
 * plain SQL text: REGEX patterns and flags, GROUP_CONCAT separators. 0 when it is neither. */
int sp_arg_plain_string(SpRuntime *rt, sqlite3_context *ctx, sqlite3_value *v,
                        const char **s, size_t *len);
/* A scratch buffer of the runtime (0 or 1), emptied; valid until the function returns. */
KgBuf *sp_scratch(SpRuntime *rt, int which);

/* Results, canonicalised: the id of a stored term, else the TEXT encoding. */
void sp_result_term(SpRuntime *rt, sqlite3_context *ctx, const KgTerm *t);
/* A simple literal, or a language-tagged one when lang is not empty. */
void sp_result_string(SpRuntime *rt, sqlite3_context *ctx, const char *s, size_t len,
                      const char *lang, size_t lang_len);
void sp_result_boolean(SpRuntime *rt, sqlite3_context *ctx, int b);
/* An exact integer or decimal (t says which) in its canonical lexical form. */
void sp_result_exact(SpRuntime *rt, sqlite3_context *ctx, SpType t, const SpDec *d);
/* A decimal (beyond exact range), float or double from a double, in canonical form; a
 * non-finite decimal, or an integer (never inexact), is an error (NULL). */
void sp_result_number(SpRuntime *rt, sqlite3_context *ctx, SpType t, double d);

/* Exact arithmetic: 1 with *out set, 0 when the result leaves the exact range (or for a
 * division by zero). Quotients keep SP_DEC_SCALE digits after the point, rounded half
 * away from zero. sp_dec_cmp cannot fail. */
#define SP_DEC_SCALE 18
int sp_dec_add(const SpDec *a, const SpDec *b, SpDec *out);
int sp_dec_sub(const SpDec *a, const SpDec *b, SpDec *out);
int sp_dec_mul(const SpDec *a, const SpDec *b, SpDec *out);
int sp_dec_div(const SpDec *a, const SpDec *b, SpDec *out);
int sp_dec_cmp(const SpDec *a, const SpDec *b);
/* ABS, CEIL, FLOOR and ROUND (halves up, as XPath fn:round) of an exact value. */
int sp_dec_unary(const SpDec *a, char op, SpDec *out);
double sp_dec_to_double(const SpDec *a);
/* Passes an SQL argument through unchanged (it is already a canonical value). */
void sp_result_same(sqlite3_context *ctx, sqlite3_value *v);

/* Appends the ORDER BY key of v (see sp_sortkey) to buf. */
KgStatus sp_sortkey_append(const SpVal *v, KgBuf *buf);

/* The function tables that sp_funcs_register installs: one row per SQL function, a scalar
 * (func) or an aggregate (step, final); n_args -1 means any number. Each ends with a NULL
 * name. sp_group_concat_distinct(v, sep) is GROUP_CONCAT(DISTINCT v; SEPARATOR=sep), since
 * SQLite's DISTINCT aggregates take one argument only. */
typedef struct {
    const char *name;
    int n_args;
    void (*func)(sqlite3_context *ctx, int argc, sqlite3_value **argv);
    void (*step)(sqlite3_context *ctx, int argc, sqlite3_value **argv);
    void (*final)(sqlite3_context *ctx);
} SpFunctionDef;
extern const SpFunctionDef sp_functions[];  /* sparql_funcs.c */
extern const SpFunctionDef sp_aggregates[]; /* sparql_agg.c */
/* REGEX (regex.c), a row of sp_functions. */
void sp_fn_regex(sqlite3_context *ctx, int argc, sqlite3_value **argv);

#endif
