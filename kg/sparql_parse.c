/* kg/sparql_parse.c: SPARQL 1.1 query text to the syntax tree of kg/sparql.h, by recursive
 * descent over the grammar of §19 with one token of lookahead (tokens: kg/sparql_lex.c).
 * Prefixed names are expanded, relative IRIs resolved and blank nodes turned into variables
 * here, so the compiler sees only variables and absolute terms. Constructs nous does not
 * answer are refused by name, where they start. Everything lives in the caller's arena;
 * growing arrays double inside it (the old copies die with it), so nothing can leak. */
#include "sparql_lex.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* Nested groups, brackets, calls, blank-node lists and operator chains: keeps the C stack
 * small, ours and that of whoever walks the tree. */
#define MAX_DEPTH 256

typedef struct {
    const char *prefix; /* without the ':' */
    size_t prefix_len;
    const char *ns;
} Prefix;

typedef struct {
    SpElem *elems;
    size_t n, cap;
} ElemVec;

typedef struct {
    KgStore *store; /* may be NULL: only the query's own prefixes are known then */
    const char *name;
    KgArena *arena;
    KgError *err;
    SpLexer lx;
    SpToken tok; /* the current token; its decoded value is in lx.val */
    Prefix *prefixes;
    size_t n_prefixes, cap_prefixes;
    const char *base; /* NULL: relative IRIs stay as written */
    KgBuf scratch;
    unsigned depth;
    unsigned long n_anon; /* fresh blank nodes so far */
    int in_template;      /* blank nodes are terms, not variables */
    const char *xsd_integer, *xsd_decimal, *xsd_double, *xsd_boolean;
} Parser;

/* ------------------------------------------------------------ errors and tokens */

/* error_at() records a syntax error at pos and evaluates to KG_ERR_SYNTAX, and nomem() to
 * KG_ERR_NOMEM: the statuses are written here rather than taken from kg_error_at's and
 * kg_error_set's results, so that no error path can be mistaken for KG_OK (clang's analyzer
 * does not look into variadic functions, hence a macro). */
static void syntax_error(Parser *P, SpPos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void syntax_error(Parser *P, SpPos pos, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kg_error_at(P->err, KG_ERR_SYNTAX, P->name, pos.line, pos.col, "%s", msg);
}
#define error_at(P, pos, ...) (syntax_error((P), (pos), __VA_ARGS__), KG_ERR_SYNTAX)

static KgStatus nomem(Parser *P)
{
    kg_error_set(P->err, KG_ERR_NOMEM, "out of memory parsing the query");
    return KG_ERR_NOMEM;
}

/* "expected X but found 'tok'", or "unexpected end of query, expected X", at the token. */
static KgStatus expected(Parser *P, const char *what)
{
    if (P->tok.kind == SP_TK_EOF)
        return error_at(P, P->tok.pos, "unexpected end of query, expected %s", what);
    size_t n = P->tok.len > 40 ? 40 : P->tok.len;
    return error_at(P, P->tok.pos, "expected %s but found '%.*s%s'", what, (int)n,
                    P->lx.text + P->tok.off, n < P->tok.len ? "..." : "");
}

static KgStatus advance(Parser *P) { return sp_lex_next(&P->lx, &P->tok); }

static int is_punct(const Parser *P, int c) { return P->tok.kind == c; }

/* The current token is the keyword `kw` (case-insensitive). */
static int is_kw(const Parser *P, const char *kw)
{
    if (P->tok.kind != SP_TK_WORD) return 0;
    size_t n = strlen(kw);
    return P->tok.len == n && strncasecmp(P->lx.text + P->tok.off, kw, n) == 0;
}

static KgStatus expect_punct(Parser *P, int c)
{
    if (!is_punct(P, c)) {
        char what[4] = {'\'', (char)c, '\'', '\0'};
        return expected(P, what);
    }
    return advance(P);
}

static KgStatus expect_kw(Parser *P, const char *kw)
{
    if (!is_kw(P, kw)) {
        char what[32];
        snprintf(what, sizeof what, "'%s'", kw);
        return expected(P, what);
    }
    return advance(P);
}

static KgStatus enter(Parser *P, SpPos pos)
{
    if (++P->depth > MAX_DEPTH)
        return error_at(P, pos, "the query nests deeper than %d levels", MAX_DEPTH);
    return KG_OK;
}

/* ------------------------------------------------------------ arena helpers */

static void *zalloc(Parser *P, size_t n)
{
    void *p = kg_arena_alloc(P->arena, n);
    if (p) memset(p, 0, n);
    return p;
}

static const char *dup(Parser *P, const char *s, size_t n)
{
    return kg_arena_strndup(P->arena, n ? s : "", n);
}

/* Makes room for element n of an arena array of `size`-byte elements, doubling it when full;
 * returns the (possibly moved) array or NULL when out of memory. */
static void *grow(Parser *P, void *arr, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return arr;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap > SIZE_MAX / size) return NULL;
    void *a = kg_arena_alloc(P->arena, ncap * size);
    if (!a) return NULL;
    if (n) memcpy(a, arr, n * size);
    *cap = ncap;
    return a;
}

static KgStatus push_elem(Parser *P, ElemVec *v, const SpElem *e)
{
    SpElem *a = grow(P, v->elems, v->n, &v->cap, sizeof *a);
    if (!a) return nomem(P);
    v->elems = a;
    v->elems[v->n++] = *e;
    return KG_OK;
}

static KgStatus push_expr(Parser *P, SpExpr ***arr, size_t *n, size_t *cap, SpExpr *e)
{
    SpExpr **a = grow(P, *arr, *n, cap, sizeof *a);
    if (!a) return nomem(P);
    *arr = a;
    a[(*n)++] = e;
    return KG_OK;
}

static SpExpr *new_expr(Parser *P, SpExprKind kind, SpPos pos)
{
    SpExpr *e = zalloc(P, sizeof *e);
    if (e) {
        e->kind = kind;
        e->pos = pos;
    }
    return e;
}

/* The current token's decoded value, copied into the arena. */
static const char *tok_value(Parser *P) { return dup(P, P->lx.val.data, P->lx.val.len); }

/* ------------------------------------------------------------ IRIs and prefixes */

/* The current SP_TK_IRI token's IRI, resolved against BASE, in the arena. */
static KgStatus iri_value(Parser *P, const char **out)
{
    const char *rel = tok_value(P);
    if (!rel) return nomem(P);
    if (!P->base) {
        *out = rel;
        return KG_OK;
    }
    P->scratch.len = 0;
    KgStatus s = kg_iri_resolve(P->base, rel, strlen(rel), &P->scratch);
    if (s == KG_ERR_NOMEM) return nomem(P);
    if (s != KG_OK) return error_at(P, P->tok.pos, "cannot resolve <%.80s> against the base", rel);
    if (!(*out = dup(P, P->scratch.data, P->scratch.len))) return nomem(P);
    return KG_OK;
}

static const Prefix *find_prefix(const Parser *P, const char *p, size_t n)
{
    // The last declaration of a prefix wins.
    for (size_t i = P->n_prefixes; i-- > 0;)
        if (P->prefixes[i].prefix_len == n && memcmp(P->prefixes[i].prefix, p, n) == 0)
            return &P->prefixes[i];
    return NULL;
}

static KgStatus add_prefix(Parser *P, const char *p, size_t n, const char *ns)
{
    Prefix *a = grow(P, P->prefixes, P->n_prefixes, &P->cap_prefixes, sizeof *a);
    if (!a) return nomem(P);
    P->prefixes = a;
    const char *copy = dup(P, p, n);
    if (!copy) return nomem(P);
    a[P->n_prefixes++] = (Prefix){copy, n, ns};
    return KG_OK;
}

/* The current SP_TK_PNAME token's IRI: the query's PREFIX first, then the store's. */
static KgStatus pname_value(Parser *P, const char **out)
{
    const char *p = P->lx.text + P->tok.off;
    size_t n = P->tok.prefix_len;
    const Prefix *pf = find_prefix(P, p, n);
    if (!pf && P->store) {
        // kg_prefix_expand wants "prefix:"; the local part is added below, unescaped.
        char curie[128];
        KgBuf ns = {0};
        KgError e = {0};
        KgStatus s = KG_ERR_NOT_FOUND;
        if (n + 2 <= sizeof curie) {
            memcpy(curie, p, n);
            curie[n] = ':';
            curie[n + 1] = '\0';
            s = kg_prefix_expand(P->store, curie, &ns, &e);
        }
        if (s == KG_OK) {
            const char *copy = dup(P, ns.data, ns.len);
            s = copy ? add_prefix(P, p, n, copy) : KG_ERR_NOMEM;
        }
        kg_buf_free(&ns);
        if (s == KG_ERR_NOMEM) return nomem(P);
        if (s != KG_OK && s != KG_ERR_NOT_FOUND) {
            if (P->err) *P->err = e;
            return s;
        }
        if (s == KG_OK) pf = &P->prefixes[P->n_prefixes - 1];
    }
    if (!pf) return error_at(P, P->tok.pos, "unknown prefix '%.*s:'", (int)(n > 60 ? 60 : n), p);
    size_t ns_len = strlen(pf->ns), local_len = P->lx.val.len;
    char *iri = kg_arena_alloc(P->arena, ns_len + local_len + 1);
    if (!iri) return nomem(P);
    memcpy(iri, pf->ns, ns_len);
    if (local_len) memcpy(iri + ns_len, P->lx.val.data, local_len);
    iri[ns_len + local_len] = '\0';
    *out = iri;
    return KG_OK;
}

/* iri ::= IRIREF | PrefixedName, into a KgTerm; consumes it. */
static KgStatus parse_iri(Parser *P, KgTerm *out)
{
    const char *iri = NULL;
    KgStatus s;
    if (P->tok.kind == SP_TK_IRI)
        s = iri_value(P, &iri);
    else if (P->tok.kind == SP_TK_PNAME)
        s = pname_value(P, &iri);
    else
        return expected(P, "an IRI");
    if (s != KG_OK) return s;
    *out = (KgTerm){KG_TERM_IRI, iri, strlen(iri), NULL, NULL};
    return advance(P);
}

static KgStatus const_iri(Parser *P, const char *iri, KgTerm *out)
{
    const char *copy = dup(P, iri, strlen(iri));
    if (!copy) return nomem(P);
    *out = (KgTerm){KG_TERM_IRI, copy, strlen(copy), NULL, NULL};
    return KG_OK;
}

/* ------------------------------------------------------------ literals */

static int is_number(int kind)
{
    return kind == SP_TK_INTEGER || kind == SP_TK_DECIMAL || kind == SP_TK_DOUBLE;
}

static int is_literal_start(const Parser *P)
{
    return P->tok.kind == SP_TK_STRING || is_number(P->tok.kind) || is_kw(P, "true") ||
           is_kw(P, "false");
}

/* RDFLiteral | NumericLiteral | BooleanLiteral; consumes it. */
static KgStatus parse_literal(Parser *P, KgTerm *out)
{
    KgStatus s;
    *out = (KgTerm){KG_TERM_LITERAL, NULL, 0, NULL, NULL};
    if (is_number(P->tok.kind)) {
        out->lex = dup(P, P->lx.text + P->tok.off, P->tok.len);
        out->lex_len = P->tok.len;
        out->datatype = P->tok.kind == SP_TK_INTEGER   ? P->xsd_integer
                        : P->tok.kind == SP_TK_DECIMAL ? P->xsd_decimal
                                                       : P->xsd_double;
        if (!out->lex) return nomem(P);
        return advance(P);
    }
    if (is_kw(P, "true") || is_kw(P, "false")) {
        int t = is_kw(P, "true");
        out->lex = dup(P, t ? "true" : "false", t ? 4 : 5);
        out->lex_len = t ? 4 : 5;
        out->datatype = P->xsd_boolean;
        if (!out->lex) return nomem(P);
        return advance(P);
    }
    if (P->tok.kind != SP_TK_STRING) return expected(P, "a literal");
    out->lex = tok_value(P);
    out->lex_len = P->lx.val.len;
    if (!out->lex) return nomem(P);
    if ((s = advance(P)) != KG_OK) return s;
    if (P->tok.kind == SP_TK_LANGTAG) {
        if (!(out->lang = tok_value(P))) return nomem(P);
        return advance(P);
    }
    if (P->tok.kind == SP_TK_DTYPE) {
        KgTerm dt;
        if ((s = advance(P)) != KG_OK || (s = parse_iri(P, &dt)) != KG_OK) return s;
        // xsd:string is the plain literal (RDF 1.1), as the store keeps it.
        if (strcmp(dt.lex, KG_NS_XSD "string") != 0) out->datatype = dt.lex;
    }
    return KG_OK;
}

/* ------------------------------------------------------------ nodes */

static SpNode var_node(const char *name, SpPos pos)
{
    SpNode n = {0};
    n.is_var = 1;
    n.var = name;
    n.pos = pos;
    return n;
}

static SpNode term_node(KgTerm t, SpPos pos)
{
    SpNode n = {0};
    n.term = t;
    n.pos = pos;
    return n;
}

/* A blank node labelled `label` (NULL: a fresh one): a variable ".b<label>" or ".anon<N>" in
 * a pattern, a KG_TERM_BLANK term in a template (fresh ones labelled ".anon<N>", which no
 * written label can be). */
static KgStatus blank_node(Parser *P, const char *label, size_t len, SpPos pos, SpNode *out)
{
    char *name;
    if (label) {
        size_t skip = P->in_template ? 0 : 2;
        if (!(name = kg_arena_alloc(P->arena, skip + len + 1))) return nomem(P);
        memcpy(name, ".b", skip);
        memcpy(name + skip, label, len);
        name[skip + len] = '\0';
    } else {
        char fresh[32];
        snprintf(fresh, sizeof fresh, ".anon%lu", ++P->n_anon);
        if (!(name = kg_arena_strndup(P->arena, fresh, strlen(fresh)))) return nomem(P);
    }
    if (P->in_template)
        *out = term_node((KgTerm){KG_TERM_BLANK, name, strlen(name), NULL, NULL}, pos);
    else
        *out = var_node(name, pos);
    return KG_OK;
}

static KgStatus emit(Parser *P, ElemVec *sink, SpNode s, SpNode p, SpNode o)
{
    SpElem e;
    memset(&e, 0, sizeof e);
    e.kind = SP_EL_TRIPLE;
    e.pos = s.pos;
    e.triple = (SpTriple){s, p, o};
    return push_elem(P, sink, &e);
}

/* Var | GraphTerm without the NIL and list forms (the caller handles '(' and '['). */
static KgStatus parse_var_or_term(Parser *P, SpNode *out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    KgTerm t;
    switch (P->tok.kind) {
    case SP_TK_VAR: {
        const char *name = tok_value(P);
        if (!name) return nomem(P);
        *out = var_node(name, pos);
        return advance(P);
    }
    case SP_TK_IRI:
    case SP_TK_PNAME:
        if ((s = parse_iri(P, &t)) != KG_OK) return s;
        *out = term_node(t, pos);
        return KG_OK;
    case SP_TK_BLANK:
        if ((s = blank_node(P, P->lx.val.data, P->lx.val.len, pos, out)) != KG_OK) return s;
        return advance(P);
    default:
        if (!is_literal_start(P))
            return expected(P, "a variable, an IRI, a literal or a blank node");
        if ((s = parse_literal(P, &t)) != KG_OK) return s;
        *out = term_node(t, pos);
        return KG_OK;
    }
}

static KgStatus parse_property_list(Parser *P, SpNode subject, ElemVec *sink);

/* GraphNode: a variable or term, a blank-node property list `[ ... ]` or a collection
 * `( ... )`. *is_list tells that it was one of the last two (then a subject needs no
 * property list of its own). */
static KgStatus parse_node(Parser *P, SpNode *out, ElemVec *sink, int *is_list)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    *is_list = 0;
    if (is_punct(P, '[')) {
        if ((s = enter(P, pos)) != KG_OK || (s = advance(P)) != KG_OK ||
            (s = blank_node(P, NULL, 0, pos, out)) != KG_OK)
            return s;
        if (!is_punct(P, ']')) {
            *is_list = 1;
            if ((s = parse_property_list(P, *out, sink)) != KG_OK) return s;
        }
        P->depth--;
        return expect_punct(P, ']');
    }
    if (!is_punct(P, '(')) return parse_var_or_term(P, out);
    // A collection: cells linked by rdf:rest, each holding an item by rdf:first.
    if ((s = enter(P, pos)) != KG_OK || (s = advance(P)) != KG_OK) return s;
    SpNode first, rest, nil, prev = {0};
    KgTerm t;
    if ((s = const_iri(P, KG_NS_RDF "first", &t)) != KG_OK) return s;
    first = term_node(t, pos);
    if ((s = const_iri(P, KG_NS_RDF "rest", &t)) != KG_OK) return s;
    rest = term_node(t, pos);
    if ((s = const_iri(P, KG_NS_RDF "nil", &t)) != KG_OK) return s;
    nil = term_node(t, pos);
    if (is_punct(P, ')')) {
        *out = nil;
    } else {
        *is_list = 1;
    }
    for (int i = 0; !is_punct(P, ')'); i++) {
        if (P->tok.kind == SP_TK_EOF) return expected(P, "')'");
        SpNode cell, item;
        int nested;
        if ((s = blank_node(P, NULL, 0, P->tok.pos, &cell)) != KG_OK) return s;
        if (i == 0)
            *out = cell;
        else if ((s = emit(P, sink, prev, rest, cell)) != KG_OK)
            return s;
        if ((s = parse_node(P, &item, sink, &nested)) != KG_OK) return s;
        if ((s = emit(P, sink, cell, first, item)) != KG_OK) return s;
        prev = cell;
    }
    if (*is_list && (s = emit(P, sink, prev, rest, nil)) != KG_OK) return s;
    P->depth--;
    return advance(P);
}

static int is_a(const Parser *P)
{
    return P->tok.kind == SP_TK_WORD && P->tok.len == 1 && P->lx.text[P->tok.off] == 'a';
}

/* A verb, or a property path (refused when parsed), starts here. */
static int is_verb_start(const Parser *P)
{
    return P->tok.kind == SP_TK_VAR || P->tok.kind == SP_TK_IRI || P->tok.kind == SP_TK_PNAME ||
           is_a(P) || is_punct(P, '^') || is_punct(P, '!') || is_punct(P, '(');
}

static int is_path_op(const Parser *P)
{
    return is_punct(P, '/') || is_punct(P, '|') || is_punct(P, '*') || is_punct(P, '+') ||
           is_punct(P, '?');
}

/* Verb: a variable, an IRI or `a`; anything that makes a property path is refused. */
static KgStatus parse_verb(Parser *P, SpNode *out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    if (is_punct(P, '^') || is_punct(P, '!') || is_punct(P, '('))
        return error_at(P, pos, "property paths are not supported");
    if (P->tok.kind == SP_TK_VAR) return parse_var_or_term(P, out);
    KgTerm t;
    if (is_a(P)) {
        if ((s = const_iri(P, KG_RDF_TYPE, &t)) != KG_OK || (s = advance(P)) != KG_OK) return s;
    } else if (P->tok.kind == SP_TK_IRI || P->tok.kind == SP_TK_PNAME) {
        if ((s = parse_iri(P, &t)) != KG_OK) return s;
    } else {
        return expected(P, "a predicate (a variable, an IRI or 'a')");
    }
    if (is_path_op(P)) return error_at(P, P->tok.pos, "property paths are not supported");
    *out = term_node(t, pos);
    return KG_OK;
}

/* PropertyListNotEmpty: Verb ObjectList ( ';' ( Verb ObjectList )? )* */
static KgStatus parse_property_list(Parser *P, SpNode subject, ElemVec *sink)
{
    KgStatus s;
    for (;;) {
        SpNode verb;
        if ((s = parse_verb(P, &verb)) != KG_OK) return s;
        for (;;) {
            SpNode obj;
            int is_list;
            if ((s = parse_node(P, &obj, sink, &is_list)) != KG_OK) return s;
            if ((s = emit(P, sink, subject, verb, obj)) != KG_OK) return s;
            if (!is_punct(P, ',')) break;
            if ((s = advance(P)) != KG_OK) return s;
        }
        if (!is_punct(P, ';')) return KG_OK;
        while (is_punct(P, ';'))
            if ((s = advance(P)) != KG_OK) return s;
        if (!is_verb_start(P)) return KG_OK; /* a trailing ';' */
    }
}

/* TriplesSameSubject: a subject and its property list (optional after `[ ... ]` or a
 * non-empty collection). */
static KgStatus parse_triples(Parser *P, ElemVec *sink)
{
    SpNode subject;
    int is_list;
    KgStatus s = parse_node(P, &subject, sink, &is_list);
    if (s != KG_OK) return s;
    if (is_list && !is_verb_start(P)) return KG_OK;
    return parse_property_list(P, subject, sink);
}

/* ------------------------------------------------------------ expressions */

static KgStatus parse_expr(Parser *P, SpExpr **out);
static KgStatus parse_group(Parser *P, SpGroup **out);

typedef struct {
    const char *name;
    SpFunc func;
    int min, max; /* max -1: any number */
} Builtin;

static const Builtin builtins[] = {
    {"STR", SP_F_STR, 1, 1},
    {"LANG", SP_F_LANG, 1, 1},
    {"LANGMATCHES", SP_F_LANGMATCHES, 2, 2},
    {"DATATYPE", SP_F_DATATYPE, 1, 1},
    {"BOUND", SP_F_BOUND, 1, 1},
    {"isIRI", SP_F_ISIRI, 1, 1},
    {"isURI", SP_F_ISIRI, 1, 1},
    {"isBLANK", SP_F_ISBLANK, 1, 1},
    {"isLITERAL", SP_F_ISLITERAL, 1, 1},
    {"isNUMERIC", SP_F_ISNUMERIC, 1, 1},
    {"REGEX", SP_F_REGEX, 2, 3},
    {"CONTAINS", SP_F_CONTAINS, 2, 2},
    {"STRSTARTS", SP_F_STRSTARTS, 2, 2},
    {"STRENDS", SP_F_STRENDS, 2, 2},
    {"STRLEN", SP_F_STRLEN, 1, 1},
    {"UCASE", SP_F_UCASE, 1, 1},
    {"LCASE", SP_F_LCASE, 1, 1},
    {"CONCAT", SP_F_CONCAT, 0, -1},
    {"SUBSTR", SP_F_SUBSTR, 2, 3},
    {"STRBEFORE", SP_F_STRBEFORE, 2, 2},
    {"STRAFTER", SP_F_STRAFTER, 2, 2},
    {"sameTerm", SP_F_SAMETERM, 2, 2},
    {"COALESCE", SP_F_COALESCE, 0, -1},
    {"IF", SP_F_IF, 3, 3},
    {"ABS", SP_F_ABS, 1, 1},
    {"CEIL", SP_F_CEIL, 1, 1},
    {"FLOOR", SP_F_FLOOR, 1, 1},
    {"ROUND", SP_F_ROUND, 1, 1},
    {NULL, 0, 0, 0},
};

/* The other built-in calls of the grammar, refused by name. */
static const char *const unsupported_builtins[] = {
    "IRI",     "URI",     "BNODE",   "RAND",    "ENCODE_FOR_URI", "YEAR",   "MONTH",
    "DAY",     "HOURS",   "MINUTES", "SECONDS", "TIMEZONE",       "TZ",     "NOW",
    "UUID",    "STRUUID", "MD5",     "SHA1",    "SHA256",         "SHA384", "SHA512",
    "STRLANG", "STRDT",   "REPLACE", NULL,
};

static const struct {
    const char *name;
    SpAgg agg;
} aggregates[] = {
    {"COUNT", SP_A_COUNT},
    {"SUM", SP_A_SUM},
    {"MIN", SP_A_MIN},
    {"MAX", SP_A_MAX},
    {"AVG", SP_A_AVG},
    {"SAMPLE", SP_A_SAMPLE},
    {"GROUP_CONCAT", SP_A_GROUP_CONCAT},
    {NULL, 0},
};

static const Builtin *find_builtin(const Parser *P)
{
    for (int i = 0; builtins[i].name; i++)
        if (is_kw(P, builtins[i].name)) return &builtins[i];
    return NULL;
}

static const char *find_unsupported(const Parser *P)
{
    for (int i = 0; unsupported_builtins[i]; i++)
        if (is_kw(P, unsupported_builtins[i])) return unsupported_builtins[i];
    return NULL;
}

static int find_aggregate(const Parser *P)
{
    for (int i = 0; aggregates[i].name; i++)
        if (is_kw(P, aggregates[i].name)) return i;
    return -1;
}

/* BuiltInCall (aggregates, EXISTS and NOT EXISTS included) starts here. */
static int is_call_start(const Parser *P)
{
    return find_builtin(P) || find_unsupported(P) || find_aggregate(P) >= 0 || is_kw(P, "EXISTS") ||
           is_kw(P, "NOT");
}

/* ArgList: '(' [ Expression ( ',' Expression )* ] ')' appended to e's args, whose array
 * has room for *cap. */
static KgStatus parse_args(Parser *P, SpExpr *e, size_t *cap)
{
    KgStatus s;
    if ((s = expect_punct(P, '(')) != KG_OK) return s;
    if (is_punct(P, ')')) return advance(P);
    for (;;) {
        SpExpr *a;
        if ((s = parse_expr(P, &a)) != KG_OK ||
            (s = push_expr(P, &e->args, &e->n_args, cap, a)) != KG_OK)
            return s;
        if (!is_punct(P, ',')) break;
        if ((s = advance(P)) != KG_OK) return s;
    }
    return expect_punct(P, ')');
}

static KgStatus parse_builtin(Parser *P, const Builtin *b, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    SpExpr *e = new_expr(P, SP_E_CALL, pos);
    if (!e) return nomem(P);
    e->func = b->func;
    size_t cap = 0;
    if ((s = advance(P)) != KG_OK || (s = parse_args(P, e, &cap)) != KG_OK) return s;
    int n = (int)(e->n_args > 1000 ? 1000 : e->n_args);
    if (n < b->min || (b->max >= 0 && n > b->max)) {
        if (b->max < 0)
            return error_at(P, pos, "%s takes at least %d arguments, not %d", b->name, b->min, n);
        if (b->min == b->max)
            return error_at(P, pos, "%s takes %d argument%s, not %d", b->name, b->min,
                            b->min == 1 ? "" : "s", n);
        return error_at(P, pos, "%s takes %d or %d arguments, not %d", b->name, b->min, b->max, n);
    }
    if (b->func == SP_F_BOUND && e->args[0]->kind != SP_E_VAR)
        return error_at(P, e->args[0]->pos, "BOUND takes a variable");
    *out = e;
    return KG_OK;
}

static KgStatus parse_aggregate(Parser *P, int which, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    SpExpr *e = new_expr(P, SP_E_AGG, pos);
    if (!e) return nomem(P);
    e->agg = aggregates[which].agg;
    if ((s = advance(P)) != KG_OK || (s = expect_punct(P, '(')) != KG_OK) return s;
    if (is_kw(P, "DISTINCT")) {
        e->distinct = 1;
        if ((s = advance(P)) != KG_OK) return s;
    }
    if (e->agg == SP_A_COUNT && is_punct(P, '*')) {
        e->star = 1;
        if ((s = advance(P)) != KG_OK) return s;
    } else {
        size_t cap = 0;
        SpExpr *a;
        if ((s = parse_expr(P, &a)) != KG_OK ||
            (s = push_expr(P, &e->args, &e->n_args, &cap, a)) != KG_OK)
            return s;
    }
    if (e->agg == SP_A_GROUP_CONCAT && is_punct(P, ';')) {
        if ((s = advance(P)) != KG_OK || (s = expect_kw(P, "SEPARATOR")) != KG_OK ||
            (s = expect_punct(P, '=')) != KG_OK)
            return s;
        if (P->tok.kind != SP_TK_STRING) return expected(P, "a string");
        if (!(e->separator = tok_value(P))) return nomem(P);
        if ((s = advance(P)) != KG_OK) return s;
    }
    if ((s = expect_punct(P, ')')) != KG_OK) return s;
    *out = e;
    return KG_OK;
}

static KgStatus parse_exists(Parser *P, int negated, SpPos pos, SpExpr **out)
{
    SpExpr *e = new_expr(P, negated ? SP_E_NOT_EXISTS : SP_E_EXISTS, pos);
    if (!e) return nomem(P);
    KgStatus s = parse_group(P, &e->pattern);
    *out = e;
    return s;
}

/* BuiltInCall: the current token is a word that is_call_start(). */
static KgStatus parse_call(Parser *P, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    const Builtin *b = find_builtin(P);
    if (b) return parse_builtin(P, b, out);
    const char *no = find_unsupported(P);
    if (no) return error_at(P, pos, "function %s is not supported", no);
    int agg = find_aggregate(P);
    if (agg >= 0) return parse_aggregate(P, agg, out);
    int negated = is_kw(P, "NOT");
    if ((s = advance(P)) != KG_OK) return s;
    if (negated && (s = expect_kw(P, "EXISTS")) != KG_OK) return s;
    return parse_exists(P, negated, pos, out);
}

/* iri, refused when it calls a function (a cast such as xsd:integer(?x)). */
static KgStatus parse_iri_expr(Parser *P, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    KgTerm t;
    KgStatus s = parse_iri(P, &t);
    if (s != KG_OK) return s;
    if (is_punct(P, '('))
        return error_at(P, pos, "function calls by IRI (casts) are not supported");
    SpExpr *e = new_expr(P, SP_E_TERM, pos);
    if (!e) return nomem(P);
    e->term = t;
    *out = e;
    return KG_OK;
}

/* BrackettedExpression: '(' Expression ')'. */
static KgStatus parse_bracketed(Parser *P, SpExpr **out)
{
    KgStatus s;
    if (!is_punct(P, '(')) return expected(P, "'('");
    if ((s = enter(P, P->tok.pos)) != KG_OK || (s = advance(P)) != KG_OK ||
        (s = parse_expr(P, out)) != KG_OK)
        return s;
    P->depth--;
    return expect_punct(P, ')');
}

static KgStatus parse_primary(Parser *P, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    if (is_punct(P, '(')) return parse_bracketed(P, out);
    if (P->tok.kind == SP_TK_IRI || P->tok.kind == SP_TK_PNAME) return parse_iri_expr(P, out);
    if (P->tok.kind == SP_TK_VAR) {
        SpExpr *e = new_expr(P, SP_E_VAR, pos);
        if (!e || !(e->var = tok_value(P))) return nomem(P);
        *out = e;
        return advance(P);
    }
    if (is_literal_start(P)) {
        SpExpr *e = new_expr(P, SP_E_TERM, pos);
        if (!e) return nomem(P);
        if ((s = parse_literal(P, &e->term)) != KG_OK) return s;
        *out = e;
        return KG_OK;
    }
    if (is_call_start(P)) {
        // Calls nest like brackets: count them against the depth limit.
        if ((s = enter(P, pos)) != KG_OK || (s = parse_call(P, out)) != KG_OK) return s;
        P->depth--;
        return KG_OK;
    }
    return expected(P, "an expression");
}

static KgStatus parse_unary(Parser *P, SpExpr **out)
{
    SpPos pos = P->tok.pos;
    SpExprKind kind = is_punct(P, '!')   ? SP_E_NOT
                      : is_punct(P, '-') ? SP_E_NEG
                      : is_punct(P, '+') ? SP_E_PLUS
                                         : SP_E_VAR;
    if (kind == SP_E_VAR) return parse_primary(P, out);
    KgStatus s;
    SpExpr *e = new_expr(P, kind, pos);
    if (!e) return nomem(P);
    size_t cap = 0;
    SpExpr *a;
    if ((s = advance(P)) != KG_OK || (s = parse_primary(P, &a)) != KG_OK ||
        (s = push_expr(P, &e->args, &e->n_args, &cap, a)) != KG_OK)
        return s;
    *out = e;
    return KG_OK;
}

static KgStatus binary(Parser *P, SpExprKind kind, SpPos pos, SpExpr *a, SpExpr *b, SpExpr **out)
{
    SpExpr *e = new_expr(P, kind, pos);
    SpExpr **args = kg_arena_alloc(P->arena, 2 * sizeof *args);
    if (!e || !args) return nomem(P);
    args[0] = a;
    args[1] = b;
    e->args = args;
    e->n_args = 2;
    *out = e;
    return KG_OK;
}

/* The binary operators below loop rather than recurse, but each one makes the tree one
 * level deeper, and the compiler walks it recursively: a chain counts against MAX_DEPTH
 * while it is being read, so the tree's height stays bounded too. */
static KgStatus parse_multiplicative(Parser *P, SpExpr **out)
{
    KgStatus s = parse_unary(P, out);
    unsigned chain = 0;
    while (s == KG_OK && (is_punct(P, '*') || is_punct(P, '/'))) {
        SpPos pos = P->tok.pos;
        SpExprKind kind = is_punct(P, '*') ? SP_E_MUL : SP_E_DIV;
        SpExpr *rhs;
        chain++;
        if ((s = enter(P, pos)) != KG_OK || (s = advance(P)) != KG_OK ||
            (s = parse_unary(P, &rhs)) != KG_OK)
            return s;
        s = binary(P, kind, pos, *out, rhs, out);
    }
    P->depth -= chain;
    return s;
}

/* A number written with its sign right after an operand ("?x -1") is, by the grammar,
 * an addition of that signed literal (times or divided by what follows it). */
static int is_signed_number(const Parser *P)
{
    char c = (char)(P->tok.len ? P->lx.text[P->tok.off] : 0);
    return is_number(P->tok.kind) && (c == '+' || c == '-');
}

static KgStatus parse_additive(Parser *P, SpExpr **out)
{
    KgStatus s = parse_multiplicative(P, out);
    unsigned chain = 0;
    while (s == KG_OK && (is_punct(P, '+') || is_punct(P, '-') || is_signed_number(P))) {
        SpPos pos = P->tok.pos;
        SpExpr *rhs;
        chain++;
        if ((s = enter(P, pos)) != KG_OK) return s;
        if (is_signed_number(P)) {
            if ((s = parse_primary(P, &rhs)) != KG_OK) return s;
            while (is_punct(P, '*') || is_punct(P, '/')) {
                SpPos op = P->tok.pos;
                SpExprKind kind = is_punct(P, '*') ? SP_E_MUL : SP_E_DIV;
                SpExpr *r;
                chain++;
                if ((s = enter(P, op)) != KG_OK || (s = advance(P)) != KG_OK ||
                    (s = parse_unary(P, &r)) != KG_OK ||
                    (s = binary(P, kind, op, rhs, r, &rhs)) != KG_OK)
                    return s;
            }
            s = binary(P, SP_E_ADD, pos, *out, rhs, out);
            continue;
        }
        SpExprKind kind = is_punct(P, '+') ? SP_E_ADD : SP_E_SUB;
        if ((s = advance(P)) != KG_OK || (s = parse_multiplicative(P, &rhs)) != KG_OK) return s;
        s = binary(P, kind, pos, *out, rhs, out);
    }
    P->depth -= chain;
    return s;
}

/* RelationalExpression, IN and NOT IN included. */
static KgStatus parse_relational(Parser *P, SpExpr **out)
{
    KgStatus s = parse_additive(P, out);
    if (s != KG_OK) return s;
    SpPos pos = P->tok.pos;
    static const struct {
        int tok;
        SpExprKind kind;
    } ops[] = {{'=', SP_E_EQ}, {SP_TK_NE, SP_E_NE}, {'<', SP_E_LT},
               {'>', SP_E_GT}, {SP_TK_LE, SP_E_LE}, {SP_TK_GE, SP_E_GE}};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (P->tok.kind == ops[i].tok) {
            SpExpr *rhs;
            if ((s = advance(P)) != KG_OK || (s = parse_additive(P, &rhs)) != KG_OK) return s;
            return binary(P, ops[i].kind, pos, *out, rhs, out);
        }
    int negated = is_kw(P, "NOT");
    if (!negated && !is_kw(P, "IN")) return KG_OK;
    if ((s = advance(P)) != KG_OK) return s;
    if (negated && (s = expect_kw(P, "IN")) != KG_OK) return s;
    SpExpr *e = new_expr(P, negated ? SP_E_NOT_IN : SP_E_IN, pos);
    if (!e) return nomem(P);
    size_t cap = 0;
    if ((s = push_expr(P, &e->args, &e->n_args, &cap, *out)) != KG_OK ||
        (s = enter(P, P->tok.pos)) != KG_OK || (s = parse_args(P, e, &cap)) != KG_OK)
        return s;
    P->depth--;
    *out = e;
    return KG_OK;
}

/* operand (OP operand)*, left-associative: the && and || levels. Each link counts toward the
 * nesting limit, so a long chain cannot build a tree too deep for the compiler. */
static KgStatus parse_chain(Parser *P, KgStatus (*operand)(Parser *, SpExpr **), int op,
                            SpExprKind kind, SpExpr **out)
{
    KgStatus s = operand(P, out);
    unsigned chain = 0;
    while (s == KG_OK && P->tok.kind == op) {
        SpPos pos = P->tok.pos;
        SpExpr *rhs;
        chain++;
        if ((s = enter(P, pos)) != KG_OK || (s = advance(P)) != KG_OK ||
            (s = operand(P, &rhs)) != KG_OK)
            return s;
        s = binary(P, kind, pos, *out, rhs, out);
    }
    P->depth -= chain;
    return s;
}

static KgStatus parse_and(Parser *P, SpExpr **out)
{
    return parse_chain(P, parse_relational, SP_TK_AND, SP_E_AND, out);
}

static KgStatus parse_expr(Parser *P, SpExpr **out)
{
    return parse_chain(P, parse_and, SP_TK_OR, SP_E_OR, out);
}

/* Constraint: BrackettedExpression | BuiltInCall | FunctionCall (the last refused). */
static int is_constraint_start(const Parser *P)
{
    return is_punct(P, '(') || is_call_start(P) || P->tok.kind == SP_TK_IRI ||
           P->tok.kind == SP_TK_PNAME;
}

static KgStatus parse_constraint(Parser *P, SpExpr **out)
{
    if (is_punct(P, '(')) return parse_bracketed(P, out);
    if (P->tok.kind == SP_TK_IRI || P->tok.kind == SP_TK_PNAME) {
        SpPos pos = P->tok.pos;
        KgStatus s = parse_iri_expr(P, out);
        if (s != KG_OK) return s;
        return error_at(P, pos, "expected a function call or a bracketed expression");
    }
    if (!is_call_start(P)) return expected(P, "a bracketed expression or a function call");
    return parse_primary(P, out);
}

/* ------------------------------------------------------------ VALUES */

/* DataBlockValue: an IRI, a literal or UNDEF. */
static KgStatus parse_cell(Parser *P, SpNode *out)
{
    SpPos pos = P->tok.pos;
    KgStatus s;
    KgTerm t;
    memset(out, 0, sizeof *out);
    out->pos = pos;
    if (is_kw(P, "UNDEF")) {
        out->undef = 1;
        return advance(P);
    }
    if (P->tok.kind == SP_TK_IRI || P->tok.kind == SP_TK_PNAME)
        s = parse_iri(P, &t);
    else if (is_literal_start(P))
        s = parse_literal(P, &t);
    else
        return expected(P, "an IRI, a literal or UNDEF");
    if (s == KG_OK) out->term = t;
    return s;
}

static KgStatus push_cell(Parser *P, SpValues *v, size_t *cap, const SpNode *cell)
{
    size_t n = v->n_rows * v->n_vars;
    SpNode *a = grow(P, v->cells, n, cap, sizeof *a);
    if (!a) return nomem(P);
    v->cells = a;
    a[n] = *cell;
    return KG_OK;
}

/* DataBlock: `?x { v ... }` or `( ?x ... ) { ( v ... ) ... }`; VALUES already consumed. */
static KgStatus parse_data_block(Parser *P, SpValues *v)
{
    KgStatus s;
    size_t cap_vars = 0, cap_cells = 0;
    int one_var = P->tok.kind == SP_TK_VAR;
    memset(v, 0, sizeof *v);
    if (!one_var && !is_punct(P, '(')) return expected(P, "a variable or '('");
    if (!one_var && (s = advance(P)) != KG_OK) return s;
    while (P->tok.kind == SP_TK_VAR) {
        const char **a = grow(P, v->vars, v->n_vars, &cap_vars, sizeof *a);
        if (!a) return nomem(P);
        v->vars = a;
        if (!(a[v->n_vars++] = tok_value(P))) return nomem(P);
        if ((s = advance(P)) != KG_OK) return s;
        if (one_var) break;
    }
    if (!one_var && (s = expect_punct(P, ')')) != KG_OK) return s;
    if ((s = expect_punct(P, '{')) != KG_OK) return s;
    while (!is_punct(P, '}')) {
        SpPos row = P->tok.pos;
        size_t n = 0;
        if (one_var) {
            SpNode cell;
            if ((s = parse_cell(P, &cell)) != KG_OK ||
                (s = push_cell(P, v, &cap_cells, &cell)) != KG_OK)
                return s;
            v->n_rows++;
            continue;
        }
        if ((s = expect_punct(P, '(')) != KG_OK) return s;
        while (!is_punct(P, ')')) {
            SpNode cell;
            if (n == v->n_vars)
                return error_at(P, P->tok.pos, "this row has more values than the %zu variable%s",
                                v->n_vars, v->n_vars == 1 ? "" : "s");
            if ((s = parse_cell(P, &cell)) != KG_OK) return s;
            // Cells go after the complete rows: n_rows counts only finished ones.
            size_t at = v->n_rows * v->n_vars + n;
            SpNode *a = grow(P, v->cells, at, &cap_cells, sizeof *a);
            if (!a) return nomem(P);
            v->cells = a;
            a[at] = cell;
            n++;
        }
        if (n != v->n_vars)
            return error_at(P, row, "this row has %zu value%s for %zu variable%s", n,
                            n == 1 ? "" : "s", v->n_vars, v->n_vars == 1 ? "" : "s");
        v->n_rows++;
        if ((s = advance(P)) != KG_OK) return s;
    }
    return advance(P);
}

/* ------------------------------------------------------------ group graph patterns */

static KgStatus parse_group_or_union(Parser *P, SpElem *el)
{
    KgStatus s;
    SpGroup *g;
    if ((s = parse_group(P, &g)) != KG_OK) return s;
    if (!is_kw(P, "UNION")) {
        el->kind = SP_EL_GROUP;
        el->group = g;
        return KG_OK;
    }
    size_t cap = 0;
    el->kind = SP_EL_UNION;
    SpGroup **a = grow(P, NULL, 0, &cap, sizeof *a);
    if (!a) return nomem(P);
    a[el->n_alts++] = g;
    while (is_kw(P, "UNION")) {
        if ((s = advance(P)) != KG_OK || (s = parse_group(P, &g)) != KG_OK) return s;
        if (!(a = grow(P, a, el->n_alts, &cap, sizeof *a))) return nomem(P);
        a[el->n_alts++] = g;
    }
    el->alts = a;
    return KG_OK;
}

/* GraphPatternNotTriples starts here. */
static int is_pattern_start(const Parser *P)
{
    return is_punct(P, '{') || is_kw(P, "OPTIONAL") || is_kw(P, "MINUS") || is_kw(P, "GRAPH") ||
           is_kw(P, "SERVICE") || is_kw(P, "FILTER") || is_kw(P, "BIND") || is_kw(P, "VALUES");
}

static KgStatus parse_pattern(Parser *P, SpElem *el)
{
    KgStatus s;
    el->pos = P->tok.pos;
    if (is_punct(P, '{')) return parse_group_or_union(P, el);
    if (is_kw(P, "SERVICE")) return error_at(P, el->pos, "SERVICE is not supported");
    int optional = is_kw(P, "OPTIONAL"), minus = is_kw(P, "MINUS"), graph = is_kw(P, "GRAPH");
    int filter = is_kw(P, "FILTER"), bind = is_kw(P, "BIND");
    if ((s = advance(P)) != KG_OK) return s;
    if (optional || minus) {
        el->kind = optional ? SP_EL_OPTIONAL : SP_EL_MINUS;
        return parse_group(P, &el->group);
    }
    if (graph) {
        el->kind = SP_EL_GRAPH;
        if (P->tok.kind != SP_TK_VAR && P->tok.kind != SP_TK_IRI && P->tok.kind != SP_TK_PNAME)
            return expected(P, "a variable or an IRI");
        if ((s = parse_var_or_term(P, &el->graph)) != KG_OK) return s;
        return parse_group(P, &el->group);
    }
    if (filter) {
        el->kind = SP_EL_FILTER;
        return parse_constraint(P, &el->expr);
    }
    if (bind) {
        el->kind = SP_EL_BIND;
        if ((s = expect_punct(P, '(')) != KG_OK || (s = parse_expr(P, &el->expr)) != KG_OK ||
            (s = expect_kw(P, "AS")) != KG_OK)
            return s;
        if (P->tok.kind != SP_TK_VAR) return expected(P, "a variable");
        if (!(el->var = tok_value(P))) return nomem(P);
        if ((s = advance(P)) != KG_OK) return s;
        return expect_punct(P, ')');
    }
    el->kind = SP_EL_VALUES;
    return parse_data_block(P, &el->values);
}

/* GroupGraphPattern: '{' ... '}', a subquery refused. */
static KgStatus parse_group(Parser *P, SpGroup **out)
{
    KgStatus s;
    SpPos pos = P->tok.pos;
    if (!is_punct(P, '{')) return expected(P, "'{'");
    if ((s = enter(P, pos)) != KG_OK || (s = advance(P)) != KG_OK) return s;
    if (is_kw(P, "SELECT")) return error_at(P, P->tok.pos, "subqueries are not supported");
    ElemVec v = {0};
    int need_dot = 0; /* a triples block ended without '.' */
    while (!is_punct(P, '}')) {
        if (is_pattern_start(P)) {
            SpElem el;
            memset(&el, 0, sizeof el);
            if ((s = parse_pattern(P, &el)) != KG_OK || (s = push_elem(P, &v, &el)) != KG_OK)
                return s;
            need_dot = 0;
            if (is_punct(P, '.') && (s = advance(P)) != KG_OK) return s;
            continue;
        }
        if (P->tok.kind == SP_TK_EOF) return expected(P, "'}'");
        if (need_dot) return expected(P, "'.' or '}'");
        if ((s = parse_triples(P, &v)) != KG_OK) return s;
        need_dot = !is_punct(P, '.');
        if (!need_dot && (s = advance(P)) != KG_OK) return s;
    }
    SpGroup *g = zalloc(P, sizeof *g);
    if (!g) return nomem(P);
    g->elems = v.elems;
    g->n_elems = v.n;
    g->pos = pos;
    *out = g;
    P->depth--;
    return advance(P);
}

/* ------------------------------------------------------------ the query */

static KgStatus parse_prologue(Parser *P)
{
    KgStatus s;
    for (;;) {
        if (is_kw(P, "BASE")) {
            if ((s = advance(P)) != KG_OK) return s;
            if (P->tok.kind != SP_TK_IRI) return expected(P, "an IRI");
            const char *base;
            if ((s = iri_value(P, &base)) != KG_OK) return s;
            if (!kg_iri_has_scheme(base, strlen(base)))
                return error_at(P, P->tok.pos, "the base <%.80s> is not an absolute IRI", base);
            P->base = base;
            if ((s = advance(P)) != KG_OK) return s;
        } else if (is_kw(P, "PREFIX")) {
            if ((s = advance(P)) != KG_OK) return s;
            if (P->tok.kind != SP_TK_PNAME || P->lx.val.len)
                return expected(P, "a prefix such as 'ex:'");
            const char *p = P->lx.text + P->tok.off;
            size_t n = P->tok.prefix_len;
            if ((s = advance(P)) != KG_OK) return s;
            if (P->tok.kind != SP_TK_IRI) return expected(P, "an IRI");
            const char *ns;
            if ((s = iri_value(P, &ns)) != KG_OK || (s = add_prefix(P, p, n, ns)) != KG_OK ||
                (s = advance(P)) != KG_OK)
                return s;
        } else {
            return KG_OK;
        }
    }
}

/* DatasetClause*: refused. */
static KgStatus refuse_dataset(Parser *P)
{
    if (!is_kw(P, "FROM")) return KG_OK;
    SpPos pos = P->tok.pos;
    KgStatus s = advance(P);
    if (s != KG_OK) return s;
    if (is_kw(P, "NAMED"))
        return error_at(P, pos, "FROM NAMED is not supported (the named graphs are the store's)");
    return error_at(P, pos, "FROM is not supported (the default graph is the store's)");
}

static KgStatus parse_where(Parser *P, SpQuery *q)
{
    KgStatus s;
    if (is_kw(P, "WHERE") && (s = advance(P)) != KG_OK) return s;
    return parse_group(P, &q->where);
}

static KgStatus push_proj(Parser *P, SpProjection **arr, size_t *n, size_t *cap,
                          const SpProjection *p)
{
    SpProjection *a = grow(P, *arr, *n, cap, sizeof *a);
    if (!a) return nomem(P);
    *arr = a;
    a[(*n)++] = *p;
    return KG_OK;
}

/* '(' Expression AS Var ')', with AS optional when `as_optional` (GROUP BY). */
static KgStatus parse_as(Parser *P, SpProjection *p, int as_optional)
{
    KgStatus s;
    if ((s = enter(P, P->tok.pos)) != KG_OK || (s = advance(P)) != KG_OK ||
        (s = parse_expr(P, &p->expr)) != KG_OK)
        return s;
    if (!as_optional || is_kw(P, "AS")) {
        if ((s = expect_kw(P, "AS")) != KG_OK) return s;
        if (P->tok.kind != SP_TK_VAR) return expected(P, "a variable");
        if (!(p->var = tok_value(P))) return nomem(P);
        if ((s = advance(P)) != KG_OK) return s;
    }
    P->depth--;
    return expect_punct(P, ')');
}

static KgStatus parse_select_clause(Parser *P, SpQuery *q)
{
    KgStatus s;
    size_t cap = 0;
    if ((s = advance(P)) != KG_OK) return s;
    if (is_kw(P, "DISTINCT") || is_kw(P, "REDUCED")) {
        q->distinct = is_kw(P, "DISTINCT");
        q->reduced = !q->distinct;
        if ((s = advance(P)) != KG_OK) return s;
    }
    if (is_punct(P, '*')) {
        q->select_star = 1;
        return advance(P);
    }
    while (P->tok.kind == SP_TK_VAR || is_punct(P, '(')) {
        SpProjection p = {NULL, NULL, P->tok.pos};
        if (P->tok.kind == SP_TK_VAR) {
            if (!(p.var = tok_value(P))) return nomem(P);
            if ((s = advance(P)) != KG_OK) return s;
        } else if ((s = parse_as(P, &p, 0)) != KG_OK) {
            return s;
        }
        if ((s = push_proj(P, &q->proj, &q->n_proj, &cap, &p)) != KG_OK) return s;
    }
    if (!q->n_proj) return expected(P, "'*', a variable or '(' after SELECT");
    return KG_OK;
}

static KgStatus parse_limit_value(Parser *P, const char *what, int64_t *out)
{
    if (P->tok.kind != SP_TK_INTEGER ||
        !(P->lx.text[P->tok.off] >= '0' && P->lx.text[P->tok.off] <= '9'))
        return expected(P, "a non-negative integer");
    uint64_t v = 0;
    for (size_t i = 0; i < P->tok.len; i++) {
        v = v * 10 + (uint64_t)(P->lx.text[P->tok.off + i] - '0');
        if (v > (uint64_t)INT64_MAX) return error_at(P, P->tok.pos, "%s is too large", what);
    }
    *out = (int64_t)v;
    return advance(P);
}

static KgStatus parse_modifiers(Parser *P, SpQuery *q)
{
    KgStatus s;
    size_t cap = 0;
    if (is_kw(P, "GROUP")) {
        if ((s = advance(P)) != KG_OK || (s = expect_kw(P, "BY")) != KG_OK) return s;
        do {
            SpProjection p = {NULL, NULL, P->tok.pos};
            if (P->tok.kind == SP_TK_VAR) {
                s = parse_primary(P, &p.expr);
            } else if (is_punct(P, '(')) {
                s = parse_as(P, &p, 1);
            } else if (is_constraint_start(P)) {
                s = parse_constraint(P, &p.expr);
            } else {
                s = expected(P, "a variable, a function call or '('");
            }
            if (s != KG_OK || (s = push_proj(P, &q->group_by, &q->n_group_by, &cap, &p)) != KG_OK)
                return s;
        } while (P->tok.kind == SP_TK_VAR || is_constraint_start(P));
    }
    if (is_kw(P, "HAVING")) {
        cap = 0;
        if ((s = advance(P)) != KG_OK) return s;
        do {
            SpExpr *e = NULL; // set when parse_constraint returns KG_OK
            if ((s = parse_constraint(P, &e)) != KG_OK ||
                (s = push_expr(P, &q->having, &q->n_having, &cap, e)) != KG_OK)
                return s;
        } while (is_constraint_start(P));
    }
    if (is_kw(P, "ORDER")) {
        cap = 0;
        if ((s = advance(P)) != KG_OK || (s = expect_kw(P, "BY")) != KG_OK) return s;
        do {
            SpOrder o = {NULL, 0};
            if (is_kw(P, "ASC") || is_kw(P, "DESC")) {
                o.desc = is_kw(P, "DESC");
                if ((s = advance(P)) != KG_OK) return s;
                s = parse_bracketed(P, &o.expr);
            } else if (P->tok.kind == SP_TK_VAR) {
                s = parse_primary(P, &o.expr);
            } else {
                s = parse_constraint(P, &o.expr);
            }
            if (s != KG_OK) return s;
            SpOrder *a = grow(P, q->order, q->n_order, &cap, sizeof *a);
            if (!a) return nomem(P);
            q->order = a;
            a[q->n_order++] = o;
        } while (P->tok.kind == SP_TK_VAR || is_kw(P, "ASC") || is_kw(P, "DESC") ||
                 is_constraint_start(P));
    }
    // LIMIT and OFFSET, each at most once, in either order.
    int seen_limit = 0, seen_offset = 0;
    for (;;) {
        if (is_kw(P, "LIMIT") && !seen_limit) {
            seen_limit = 1;
            if ((s = advance(P)) != KG_OK ||
                (s = parse_limit_value(P, "LIMIT", &q->limit)) != KG_OK)
                return s;
        } else if (is_kw(P, "OFFSET") && !seen_offset) {
            seen_offset = 1;
            if ((s = advance(P)) != KG_OK ||
                (s = parse_limit_value(P, "OFFSET", &q->offset)) != KG_OK)
                return s;
        } else {
            return KG_OK;
        }
    }
}

/* The short form CONSTRUCT WHERE { triples }: the template is the pattern, its blank-node
 * variables turned back into blank nodes. */
static SpNode template_node(SpNode n)
{
    if (!n.is_var || n.var[0] != '.') return n;
    // ".b<label>" -> "<label>"; ".anon<N>" stays (no written label starts with '.').
    const char *label = strncmp(n.var, ".b", 2) == 0 ? n.var + 2 : n.var;
    SpNode b = {0};
    b.term = (KgTerm){KG_TERM_BLANK, label, strlen(label), NULL, NULL};
    b.pos = n.pos;
    return b;
}

/* The template from triples parsed as a template (`as_written`) or as a pattern. */
static KgStatus template_from(Parser *P, const ElemVec *v, int as_written, SpQuery *q)
{
    if (!v->n) return KG_OK;
    if (!(q->tmpl = kg_arena_alloc(P->arena, v->n * sizeof *q->tmpl))) return nomem(P);
    for (size_t i = 0; i < v->n; i++) {
        const SpTriple *t = &v->elems[i].triple;
        q->tmpl[i] =
            as_written ? *t
                       : (SpTriple){template_node(t->s), template_node(t->p), template_node(t->o)};
    }
    q->n_tmpl = v->n;
    return KG_OK;
}

static KgStatus parse_construct(Parser *P, SpQuery *q)
{
    KgStatus s;
    ElemVec v = {0};
    q->form = SP_CONSTRUCT;
    if ((s = advance(P)) != KG_OK) return s;
    if (is_punct(P, '{')) {
        P->in_template = 1;
        if ((s = enter(P, P->tok.pos)) != KG_OK || (s = advance(P)) != KG_OK) return s;
        while (!is_punct(P, '}')) {
            if ((s = parse_triples(P, &v)) != KG_OK) return s;
            if (!is_punct(P, '.')) break;
            if ((s = advance(P)) != KG_OK) return s;
        }
        if ((s = expect_punct(P, '}')) != KG_OK || (s = template_from(P, &v, 1, q)) != KG_OK)
            return s;
        P->depth--;
        P->in_template = 0;
        if ((s = refuse_dataset(P)) != KG_OK) return s;
        return parse_where(P, q);
    }
    if ((s = refuse_dataset(P)) != KG_OK || (s = expect_kw(P, "WHERE")) != KG_OK ||
        (s = parse_group(P, &q->where)) != KG_OK)
        return s;
    for (size_t i = 0; i < q->where->n_elems; i++) {
        const SpElem *e = &q->where->elems[i];
        if (e->kind != SP_EL_TRIPLE)
            return error_at(P, e->pos, "CONSTRUCT WHERE takes only triple patterns");
    }
    v.elems = q->where->elems;
    v.n = q->where->n_elems;
    return template_from(P, &v, 0, q);
}

static const char *const update_keywords[] = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", NULL,
};

static KgStatus parse_query(Parser *P, SpQuery *q)
{
    KgStatus s;
    if ((s = advance(P)) != KG_OK || (s = parse_prologue(P)) != KG_OK) return s;
    SpPos pos = P->tok.pos;
    if (is_kw(P, "SELECT")) {
        q->form = SP_SELECT;
        if ((s = parse_select_clause(P, q)) != KG_OK || (s = refuse_dataset(P)) != KG_OK ||
            (s = parse_where(P, q)) != KG_OK)
            return s;
    } else if (is_kw(P, "ASK")) {
        q->form = SP_ASK;
        if ((s = advance(P)) != KG_OK || (s = refuse_dataset(P)) != KG_OK ||
            (s = parse_where(P, q)) != KG_OK)
            return s;
    } else if (is_kw(P, "CONSTRUCT")) {
        if ((s = parse_construct(P, q)) != KG_OK) return s;
    } else if (is_kw(P, "DESCRIBE")) {
        return error_at(P, pos, "DESCRIBE is not supported");
    } else {
        for (int i = 0; update_keywords[i]; i++)
            if (is_kw(P, update_keywords[i]))
                return error_at(P, pos, "%s is not supported (SPARQL Update)", update_keywords[i]);
        return expected(P, "SELECT, ASK or CONSTRUCT");
    }
    if ((s = parse_modifiers(P, q)) != KG_OK) return s;
    if (is_kw(P, "VALUES")) {
        if (!(q->values = zalloc(P, sizeof *q->values))) return nomem(P);
        if ((s = advance(P)) != KG_OK || (s = parse_data_block(P, q->values)) != KG_OK) return s;
    }
    if (P->tok.kind != SP_TK_EOF) return expected(P, "the end of the query");
    return KG_OK;
}

KgStatus sp_parse(KgStore *store, const char *text, size_t len, const char *name, KgArena *arena,
                  SpQuery **out, KgError *err)
{
    *out = NULL;
    if (!name) name = "query";
    KgStatus s = sp_lex_check_utf8(text, len, name, err);
    if (s != KG_OK) return s;
    Parser P;
    memset(&P, 0, sizeof P);
    P.store = store;
    P.name = name;
    P.arena = arena;
    P.err = err;
    sp_lex_init(&P.lx, text, len, name, err);
    SpQuery *q = zalloc(&P, sizeof *q);
    P.xsd_integer = dup(&P, KG_NS_XSD "integer", strlen(KG_NS_XSD "integer"));
    P.xsd_decimal = dup(&P, KG_NS_XSD "decimal", strlen(KG_NS_XSD "decimal"));
    P.xsd_double = dup(&P, KG_NS_XSD "double", strlen(KG_NS_XSD "double"));
    P.xsd_boolean = dup(&P, KG_NS_XSD "boolean", strlen(KG_NS_XSD "boolean"));
    if (!q || !P.xsd_integer || !P.xsd_decimal || !P.xsd_double || !P.xsd_boolean) {
        s = nomem(&P);
    } else {
        q->limit = -1;
        s = parse_query(&P, q);
    }
    sp_lex_free(&P.lx);
    kg_buf_free(&P.scratch);
    if (s == KG_OK) *out = q;
    return s;
}

/* ------------------------------------------------------------ one expression (rules) */

KgStatus sp_parse_expr(KgStore *store, const char *text, size_t len, const char *name,
                       unsigned long line, unsigned long col, const char *const *prefixes,
                       KgArena *arena, SpExpr **out, KgError *err)
{
    *out = NULL;
    if (!name) name = "expression";
    KgStatus s = sp_lex_check_utf8(text, len, name, err);
    Parser P;
    memset(&P, 0, sizeof P);
    P.store = store;
    P.name = name;
    P.arena = arena;
    P.err = err;
    if (s == KG_OK) {
        sp_lex_init(&P.lx, text, len, name, err);
        P.xsd_integer = dup(&P, KG_NS_XSD "integer", strlen(KG_NS_XSD "integer"));
        P.xsd_decimal = dup(&P, KG_NS_XSD "decimal", strlen(KG_NS_XSD "decimal"));
        P.xsd_double = dup(&P, KG_NS_XSD "double", strlen(KG_NS_XSD "double"));
        P.xsd_boolean = dup(&P, KG_NS_XSD "boolean", strlen(KG_NS_XSD "boolean"));
        if (!P.xsd_integer || !P.xsd_decimal || !P.xsd_double || !P.xsd_boolean) s = nomem(&P);
        for (size_t i = 0; s == KG_OK && prefixes && prefixes[i] && prefixes[i + 1]; i += 2)
            s = add_prefix(&P, prefixes[i], strlen(prefixes[i]), dup(&P, prefixes[i + 1], strlen(prefixes[i + 1])));
        if (s == KG_OK) s = advance(&P);
        SpExpr *e = NULL;
        if (s == KG_OK) s = parse_expr(&P, &e);
        if (s == KG_OK && P.tok.kind != SP_TK_EOF) s = expected(&P, "the end of the expression");
        if (s == KG_OK) *out = e;
        sp_lex_free(&P.lx);
    }
    kg_buf_free(&P.scratch);
    /* positions are the expression's own: move them to where it stands in its file */
    if (s != KG_OK && err && err->line) {
        if (err->line == 1) err->col += col - 1;
        err->line += line - 1;
    }
    return s;
}
