/* reasoner/fast_filter.c: the FILTERs the engine tests itself, without SQLite. The built-in
 * rule sets guard many rules with tests of a term's kind (!isLiteral(?y), isIRI(?p)) or of two
 * terms being different (?x != ?y); run through the SPARQL expression compiler (kg_expr),
 * each costs a prepared SQLite statement step, a few microseconds, on every match. A FILTER
 * made only of such tests joined by && is compiled here into a list of tests on term ids and
 * term kinds instead. `!=` between two literals compares values in SPARQL ("1"^^xsd:integer
 * != "01"^^xsd:integer is false), so when a literal is involved the test answers "undecided"
 * and the engine evaluates the expression the general way. */
#include "engine.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && isspace((unsigned char)*p)) p++;
    return p;
}

/* ?name or $name: the rule's variable index, or -1. */
static long parse_var(const RsRule *r, const char **pp, const char *end)
{
    const char *p = *pp;
    if (p >= end || (*p != '?' && *p != '$')) return -1;
    const char *name = ++p;
    while (p < end && (isalnum((unsigned char)*p) || *p == '_')) p++;
    size_t len = (size_t)(p - name);
    for (uint32_t v = 0; v < r->n_vars; v++)
        if (strlen(r->var_names[v]) == len && memcmp(r->var_names[v], name, len) == 0) {
            *pp = p;
            return (long)v;
        }
    return -1;
}

/* One test: [!] isLiteral|isIRI|isURI|isBlank ( ?v )  or  ?a != ?b. */
static int parse_test(const RsRule *r, const char **pp, const char *end, RsTest *t)
{
    const char *p = skip_space(*pp, end);
    memset(t, 0, sizeof *t);
    if (p < end && (*p == '?' || *p == '$')) {
        long a = parse_var(r, &p, end);
        p = skip_space(p, end);
        if (a < 0 || end - p < 2 || p[0] != '!' || p[1] != '=') return 0;
        p = skip_space(p + 2, end);
        long b = parse_var(r, &p, end);
        if (b < 0) return 0;
        *t = (RsTest){RS_TEST_DIFFERENT, 0, (uint32_t)a, (uint32_t)b, 0};
        *pp = p;
        return 1;
    }
    if (p < end && *p == '!') {
        t->negate = 1;
        p = skip_space(p + 1, end);
    }
    static const struct {
        const char *name;
        int kind;
    } fns[] = {{"isLiteral", KG_TERM_LITERAL}, {"isIRI", KG_TERM_IRI}, {"isURI", KG_TERM_IRI},
               {"isBlank", KG_TERM_BLANK}};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        size_t n = strlen(fns[i].name);
        if ((size_t)(end - p) <= n || strncasecmp(p, fns[i].name, n) != 0 || isalnum((unsigned char)p[n]))
            continue;
        const char *q = skip_space(p + n, end);
        if (q >= end || *q != '(') return 0;
        q = skip_space(q + 1, end);
        long v = parse_var(r, &q, end);
        q = skip_space(q, end);
        if (v < 0 || q >= end || *q != ')') return 0;
        t->op = RS_TEST_KIND;
        t->kind = (uint8_t)fns[i].kind;
        t->a = (uint32_t)v;
        *pp = q + 1;
        return 1;
    }
    return 0;
}

int rs_fast_filter_compile(const RsRule *r, const RsAtom *a, RsFastFilter *out)
{
    memset(out, 0, sizeof *out);
    const char *p = a->expr, *end = a->expr + a->expr_len;
    RsFastFilter f = {0};
    for (;;) {
        if (f.n == sizeof f.tests / sizeof f.tests[0] || !parse_test(r, &p, end, &f.tests[f.n])) return 0;
        f.n++;
        p = skip_space(p, end);
        if (p == end) break;
        if (end - p < 2 || p[0] != '&' || p[1] != '&') return 0;
        p += 2;
    }
    *out = f;
    return 1;
}

int rs_fast_filter_test(Engine *e, const RsFastFilter *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const RsTest *t = &f->tests[i];
        KgTermId a = e->vals[t->a];
        int truth;
        if (t->op == RS_TEST_KIND) {
            int k = rs_term_kind(e, a);
            if (k < 0) return -1;
            truth = (k == t->kind) != t->negate;
        } else {
            KgTermId b = e->vals[t->b];
            if (a == b) {
                /* a term is equal to itself, but for a literal NaN: let SPARQL decide those */
                int ka = rs_term_kind(e, a);
                if (ka < 0 || ka == KG_TERM_LITERAL) return -1;
                truth = 0;
            } else {
                int ka = rs_term_kind(e, a), kb = rs_term_kind(e, b);
                if (ka < 0 || kb < 0 || (ka == KG_TERM_LITERAL && kb == KG_TERM_LITERAL)) return -1;
                truth = 1; /* different terms, at least one not a literal */
            }
        }
        if (!truth) return 0;
    }
    return 1;
}
