/* kg/sparql_funcs.c: the SPARQL operators and built-in functions as SQL scalar functions
 * (SPARQL 1.1 §17.3 operator mapping, §17.4 functions, XPath semantics), and their table.
 * Values come and go through sparql_value.c; boolean-valued functions return SQL 1, 0 or
 * NULL so that SQL's AND, OR and NOT are SPARQL's three-valued logic. Every function
 * leaves its result NULL (a SPARQL error) by returning without setting one. */
#include "sparql.h"

#include <assert.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define XSD KG_NS_XSD

/* ------------------------------------------------------------ shared helpers */

/* The classes the operators tell apart: a literal of a known datatype with an invalid
 * lexical form counts as OTHER, a literal with an unknown datatype (RDFterm-equal). */
typedef enum { C_NUM, C_STR, C_LANG, C_BOOL, C_DATETIME, C_DATE, C_IRI, C_BLANK, C_OTHER } Cls;

static Cls cls_of(const SpVal *v) {
    switch (v->type) {
    case SP_T_IRI: return C_IRI;
    case SP_T_BLANK: return C_BLANK;
    case SP_T_SIMPLE: return C_STR;
    case SP_T_LANG: return C_LANG;
    case SP_T_INTEGER:
    case SP_T_DECIMAL:
    case SP_T_FLOAT:
    case SP_T_DOUBLE: return v->valid ? C_NUM : C_OTHER;
    case SP_T_BOOLEAN: return v->valid ? C_BOOL : C_OTHER;
    case SP_T_DATETIME: return v->valid ? C_DATETIME : C_OTHER;
    case SP_T_DATE: return v->valid ? C_DATE : C_OTHER;
    default: return C_OTHER;
    }
}

static int is_num(const SpVal *v) { return cls_of(v) == C_NUM; }

/* An integer or decimal held exactly (SpDec). */
static int exact(const SpVal *v) { return v->has_dec && v->type <= SP_T_DECIMAL; }

static int bytes_eq(const char *a, size_t a_len, const char *b, size_t b_len) {
    return a_len == b_len && (a_len == 0 || memcmp(a, b, a_len) == 0);
}

/* Language tags compare without case (they are stored in lower case anyway). */
static int lang_eq(const SpVal *a, const SpVal *b) {
    return a->lang_len == b->lang_len && strncasecmp(a->lang, b->lang, a->lang_len) == 0;
}

static int same_term(const SpVal *a, const SpVal *b) {
    if (a->id && b->id) return a->id == b->id;
    return a->kind == b->kind && bytes_eq(a->lex, a->lex_len, b->lex, b->lex_len) &&
           bytes_eq(a->dt, a->dt_len, b->dt, b->dt_len) && lang_eq(a, b);
}

/* Unicode code point order is the byte order of UTF-8. */
static int lex_cmp(const SpVal *a, const SpVal *b) {
    size_t n = a->lex_len < b->lex_len ? a->lex_len : b->lex_len;
    int c = n ? memcmp(a->lex, b->lex, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return (a->lex_len > b->lex_len) - (a->lex_len < b->lex_len);
}

/* A string literal argument: simple, xsd:string or language-tagged. */
static int is_str(const SpVal *v) { return SP_IS_STRING(v->type); }

/* §17.4.3.1.2 argument compatibility: both simple/xsd:string, both tagged with the same
 * language, or a tagged first argument with a simple second one. */
static int compatible(const SpVal *a, const SpVal *b) {
    if (!is_str(a) || !is_str(b)) return 0;
    return b->type == SP_T_SIMPLE || (a->type == SP_T_LANG && lang_eq(a, b));
}

/* Decodes argv[0..n-1] into v; 0 when one is unbound or an error. */
static int args(SpRuntime *rt, sqlite3_context *ctx, sqlite3_value **argv, int n, SpVal *v) {
    for (int i = 0; i < n; i++)
        if (!sp_arg(rt, ctx, argv[i], &v[i])) return 0;
    return 1;
}

/* ------------------------------------------------------------ booleans in and out */

/* §17.2.2. Language-tagged literals count as strings, as plain literals did in RDF 1.0. */
static int ebv(const SpVal *v) {
    switch (v->type) {
    case SP_T_BOOLEAN: return v->valid && v->num != 0;
    case SP_T_INTEGER:
    case SP_T_DECIMAL:
    case SP_T_FLOAT:
    case SP_T_DOUBLE: return v->valid && v->num != 0 && !isnan(v->num);
    case SP_T_SIMPLE:
    case SP_T_LANG: return v->lex_len > 0;
    default: return -1;
    }
}

static void fn_ebv(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v)) return;
    int b = ebv(&v);
    if (b >= 0) sqlite3_result_int(ctx, b);
}

static void fn_bool(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    sp_result_boolean(sp_call(ctx), ctx, sqlite3_value_int(argv[0]) != 0);
}

static void fn_int(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    SpDec d = {sqlite3_value_int64(argv[0]), 0};
    sp_result_exact(sp_call(ctx), ctx, SP_T_INTEGER, &d);
}

/* ------------------------------------------------------------ comparison */

typedef enum { OP_EQ, OP_LT, OP_GT, OP_LE, OP_GE } Op;

static int apply(int c, Op op) {
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_LT: return c < 0;
    case OP_GT: return c > 0;
    case OP_LE: return c <= 0;
    default: return c >= 0;
    }
}

/* On doubles directly, so that every comparison with NaN is false (XPath). */
static int apply_num(double x, double y, Op op) {
    switch (op) {
    case OP_EQ: return x == y;
    case OP_LT: return x < y;
    case OP_GT: return x > y;
    case OP_LE: return x <= y;
    default: return x >= y;
    }
}

/* Whether a date or dateTime literal carries a timezone: "Z", or +hh:mm / -hh:mm at its end. */
static int has_timezone(const SpVal *v)
{
    const char *l = v->lex;
    size_t n = v->lex_len;
    if (n && l[n - 1] == 'Z') return 1;
    return n >= 6 && l[n - 3] == ':' && (l[n - 6] == '+' || l[n - 6] == '-');
}

/* 1, 0, or -1 for a type error. */
static int compare(const SpVal *a, const SpVal *b, Op op) {
    Cls ca = cls_of(a), cb = cls_of(b);
    if (ca == cb) {
        switch (ca) {
        case C_NUM:
            if (exact(a) && exact(b)) return apply(sp_dec_cmp(&a->dec, &b->dec), op);
            return apply_num(a->num, b->num, op);
        case C_STR: return apply(lex_cmp(a, b), op);
        case C_BOOL: return apply_num(a->num, b->num, op);
        case C_DATETIME:
        case C_DATE:
            /* XSD: a value with a timezone and one without are ordered only when they are
             * more than 14 hours apart (the widest timezone); otherwise indeterminate. */
            if (has_timezone(a) != has_timezone(b) && fabs(a->num - b->num) <= 14 * 3600.0)
                return -1;
            return apply_num(a->num, b->num, op);
        case C_LANG:
            if (op != OP_EQ) return -1;
            return lang_eq(a, b) && bytes_eq(a->lex, a->lex_len, b->lex, b->lex_len);
        default: break;
        }
    }
    if (op != OP_EQ) return -1;
    // RDFterm-equal: the same term is equal; a literal of an unknown (or ill-typed)
    // datatype may still have the other's value, so that is an error; known types differ.
    if (same_term(a, b)) return 1;
    if (ca == C_IRI || ca == C_BLANK || cb == C_IRI || cb == C_BLANK) return 0;
    /* A language-tagged string is never the value of a typed literal (DAWG open-eq-12). */
    if (ca == C_LANG || cb == C_LANG) return 0;
    if (ca == C_OTHER || cb == C_OTHER) return -1;
    return 0;
}

static void compare_fn(sqlite3_context *ctx, sqlite3_value **argv, Op op, int negate) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (!args(rt, ctx, argv, 2, v)) return;
    int r = compare(&v[0], &v[1], op);
    if (r >= 0) sqlite3_result_int(ctx, negate ? !r : r);
}

static void fn_eq(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_EQ, 0);
}
static void fn_ne(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_EQ, 1);
}
static void fn_lt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_LT, 0);
}
static void fn_gt(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_GT, 0);
}
static void fn_le(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_LE, 0);
}
static void fn_ge(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    compare_fn(ctx, argv, OP_GE, 0);
}

static void fn_sameterm(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (args(rt, ctx, argv, 2, v)) sqlite3_result_int(ctx, same_term(&v[0], &v[1]));
}

/* ------------------------------------------------------------ arithmetic */

/* XPath numeric promotion: the result has the wider type of the two. Integers and
 * decimals are exact up to 38 digits (an integer beyond that is an error, xsd:integer
 * being unbounded and we not; a decimal becomes a double); floats are doubles rounded to
 * float precision. */
static void arith(sqlite3_context *ctx, sqlite3_value **argv, char op) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (!args(rt, ctx, argv, 2, v) || !is_num(&v[0]) || !is_num(&v[1])) return;
    SpType t = v[0].type > v[1].type ? v[0].type : v[1].type;
    if (t == SP_T_INTEGER && op == '/') t = SP_T_DECIMAL; // integer / integer is a decimal
    double x = v[0].num, y = v[1].num, r;
    if (t <= SP_T_DECIMAL) {
        // Only floats and doubles divide by zero.
        if (op == '/' && (v[1].has_dec ? v[1].dec.m == 0 : y == 0)) return;
        SpDec d;
        int ok = exact(&v[0]) && exact(&v[1]);
        switch (op) {
        case '+': ok = ok && sp_dec_add(&v[0].dec, &v[1].dec, &d); break;
        case '-': ok = ok && sp_dec_sub(&v[0].dec, &v[1].dec, &d); break;
        case '*': ok = ok && sp_dec_mul(&v[0].dec, &v[1].dec, &d); break;
        default: ok = ok && sp_dec_div(&v[0].dec, &v[1].dec, &d); break;
        }
        if (ok) {
            sp_result_exact(rt, ctx, t, &d);
            return;
        }
        if (t == SP_T_INTEGER) return;
    }
    switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    default: r = x / y; break;
    }
    sp_result_number(rt, ctx, t, r);
}

static void fn_add(sqlite3_context *ctx, int argc, sqlite3_value **argv) { arith(ctx, argv, '+'); }
static void fn_sub(sqlite3_context *ctx, int argc, sqlite3_value **argv) { arith(ctx, argv, '-'); }
static void fn_mul(sqlite3_context *ctx, int argc, sqlite3_value **argv) { arith(ctx, argv, '*'); }
static void fn_div(sqlite3_context *ctx, int argc, sqlite3_value **argv) { arith(ctx, argv, '/'); }

/* XPath fn:round: the nearest integer, halves toward positive infinity; -0.5 <= x < 0
 * gives -0. */
static double round_half_up(double x) {
    if (!isfinite(x)) return x;
    double f = floor(x);
    double r = x - f >= 0.5 ? f + 1 : f;
    return r == 0 && signbit(x) ? -0.0 : r;
}

static double unary_double(double d, char op) {
    switch (op) {
    case '-': return -d;
    case 'a': return fabs(d);
    case 'c': return ceil(d);
    case 'f': return floor(d);
    default: return round_half_up(d);
    }
}

/* ABS, CEIL, FLOOR, ROUND and unary minus: the operand's numeric type (a type derived
 * from integer gives xsd:integer). */
static void unary(sqlite3_context *ctx, sqlite3_value **argv, char op) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    SpDec d;
    if (!sp_arg(rt, ctx, argv[0], &v) || !is_num(&v)) return;
    if (exact(&v)) {
        if (sp_dec_unary(&v.dec, op, &d)) sp_result_exact(rt, ctx, v.type, &d);
        return;
    }
    if (v.type == SP_T_INTEGER) return; // beyond the exact range: an error
    sp_result_number(rt, ctx, v.type, unary_double(v.num, op));
}

static void fn_neg(sqlite3_context *ctx, int argc, sqlite3_value **argv) { unary(ctx, argv, '-'); }
static void fn_abs(sqlite3_context *ctx, int argc, sqlite3_value **argv) { unary(ctx, argv, 'a'); }
static void fn_ceil(sqlite3_context *ctx, int argc, sqlite3_value **argv) { unary(ctx, argv, 'c'); }
static void fn_floor(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    unary(ctx, argv, 'f');
}
static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    unary(ctx, argv, 'r');
}

/* Unary plus returns its operand (XPath op:numeric-unary-plus). */
static void fn_plus(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (sp_arg(rt, ctx, argv[0], &v) && is_num(&v)) sp_result_same(ctx, argv[0]);
}

/* ------------------------------------------------------------ terms */

static void fn_str(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || v.kind == KG_TERM_BLANK) return;
    sp_result_string(rt, ctx, v.lex, v.lex_len, "", 0);
}

static void fn_lang(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || v.kind != KG_TERM_LITERAL) return;
    sp_result_string(rt, ctx, v.lang, v.lang_len, "", 0);
}

static void fn_datatype(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || v.kind != KG_TERM_LITERAL) return;
    KgTerm t = {KG_TERM_IRI, v.dt, v.dt_len, NULL, NULL};
    if (v.type == SP_T_SIMPLE) t.lex = XSD "string", t.lex_len = strlen(t.lex);
    if (v.type == SP_T_LANG) t.lex = KG_NS_RDF "langString", t.lex_len = strlen(t.lex);
    sp_result_term(rt, ctx, &t);
}

static void kind_test(sqlite3_context *ctx, sqlite3_value **argv, KgTermKind kind) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (sp_arg(rt, ctx, argv[0], &v)) sqlite3_result_int(ctx, v.kind == kind);
}

static void fn_isiri(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    kind_test(ctx, argv, KG_TERM_IRI);
}
static void fn_isblank(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    kind_test(ctx, argv, KG_TERM_BLANK);
}
static void fn_isliteral(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    kind_test(ctx, argv, KG_TERM_LITERAL);
}

static void fn_isnumeric(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (sp_arg(rt, ctx, argv[0], &v)) sqlite3_result_int(ctx, is_num(&v));
}

/* ------------------------------------------------------------ strings */

/* RFC 4647 basic filtering: "*" matches any non-empty tag; otherwise the range equals the
 * tag or a prefix of it that ends before a '-', ignoring case. */
static void fn_langmatches(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (!args(rt, ctx, argv, 2, v) || v[0].type != SP_T_SIMPLE || v[1].type != SP_T_SIMPLE) return;
    const SpVal *tag = &v[0], *range = &v[1];
    int m;
    if (range->lex_len == 1 && range->lex[0] == '*')
        m = tag->lex_len > 0;
    else
        m = range->lex_len <= tag->lex_len &&
            strncasecmp(tag->lex, range->lex, range->lex_len) == 0 &&
            (tag->lex_len == range->lex_len || tag->lex[range->lex_len] == '-');
    sqlite3_result_int(ctx, m);
}

/* Where b's lexical form first occurs in a's, or NULL. */
static const char *find(const SpVal *a, const SpVal *b) {
    if (b->lex_len == 0) return a->lex;
    const char *p = a->lex, *end = a->lex + a->lex_len;
    while ((size_t)(end - p) >= b->lex_len) {
        p = memchr(p, b->lex[0], (size_t)(end - p) - b->lex_len + 1);
        if (!p) return NULL;
        if (memcmp(p, b->lex, b->lex_len) == 0) return p;
        p++;
    }
    return NULL;
}

static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (args(rt, ctx, argv, 2, v) && compatible(&v[0], &v[1]))
        sqlite3_result_int(ctx, find(&v[0], &v[1]) != NULL);
}

static void fn_strstarts(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (args(rt, ctx, argv, 2, v) && compatible(&v[0], &v[1]))
        sqlite3_result_int(ctx, v[1].lex_len <= v[0].lex_len &&
                                    memcmp(v[0].lex, v[1].lex, v[1].lex_len) == 0);
}

static void fn_strends(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (args(rt, ctx, argv, 2, v) && compatible(&v[0], &v[1]))
        sqlite3_result_int(
            ctx, v[1].lex_len <= v[0].lex_len &&
                     memcmp(v[0].lex + v[0].lex_len - v[1].lex_len, v[1].lex, v[1].lex_len) == 0);
}

/* STRBEFORE and STRAFTER: a match keeps the first argument's language tag; no match gives
 * the empty simple literal. */
static void before_after(sqlite3_context *ctx, sqlite3_value **argv, int after) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[2];
    if (!args(rt, ctx, argv, 2, v) || !compatible(&v[0], &v[1])) return;
    const char *at = find(&v[0], &v[1]);
    if (!at) {
        sp_result_string(rt, ctx, "", 0, "", 0);
        return;
    }
    size_t off = (size_t)(at - v[0].lex);
    if (after)
        sp_result_string(rt, ctx, at + v[1].lex_len, v[0].lex_len - off - v[1].lex_len, v[0].lang,
                         v[0].lang_len);
    else
        sp_result_string(rt, ctx, v[0].lex, off, v[0].lang, v[0].lang_len);
}

static void fn_strbefore(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    before_after(ctx, argv, 0);
}
static void fn_strafter(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    before_after(ctx, argv, 1);
}

/* A UTF-8 continuation byte: code points are counted by the bytes that are not. */
static int is_cont(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

static void fn_strlen(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || !is_str(&v)) return;
    SpDec n = {0, 0};
    for (size_t i = 0; i < v.lex_len; i++)
        n.m += !is_cont(v.lex[i]);
    sp_result_exact(rt, ctx, SP_T_INTEGER, &n);
}

/* XPath fn:substring: the characters at positions p (from 1) with
 * round(start) <= p < round(start) + round(len); any NaN selects nothing. */
static void fn_substr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v[3];
    assert(argc == 2 || argc == 3); // registered with each (sp_functions)
    if (!args(rt, ctx, argv, argc, v) || !is_str(&v[0]) || !is_num(&v[1]) ||
        (argc == 3 && !is_num(&v[2])))
        return;
    double first = round_half_up(v[1].num);
    double end = argc == 3 ? first + round_half_up(v[2].num) : INFINITY;
    size_t from = v[0].lex_len, to = v[0].lex_len;
    double p = 0;
    for (size_t i = 0; i <= v[0].lex_len; i++) {
        if (i < v[0].lex_len && is_cont(v[0].lex[i])) continue;
        p++; // position of the character starting at byte i (or one past the last)
        if (from == v[0].lex_len && p >= first && p < end) from = i;
        if (from != v[0].lex_len && !(p < end)) {
            to = i;
            break;
        }
    }
    if (from > to) from = to;
    sp_result_string(rt, ctx, v[0].lex + from, to - from, v[0].lang, v[0].lang_len);
}

/* Simple case mapping of the scripts where it is one code point for one: ASCII,
 * Latin-1, Latin Extended-A, Greek and Cyrillic. Full Unicode case mapping (special
 * casing such as German ß -> SS, the rest of the tables) is not done. */
static const struct {
    uint32_t first, last; /* pairs: upper case at even offsets from first, lower at odd */
} case_pairs[] = {
    {0x100, 0x12F}, {0x132, 0x137}, {0x139, 0x148}, {0x14A, 0x177}, {0x179, 0x17E},
};

static uint32_t map_case(uint32_t c, int upper) {
    if (upper) {
        if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
            (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
            return c - 32;
        if (c == 0xFF) return 0x178;
        if (c == 0x3C2) return 0x3A3; // final sigma
        if (c >= 0x450 && c <= 0x45F) return c - 80;
    } else {
        if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
            (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
            return c + 32;
        if (c == 0x178) return 0xFF;
        if (c >= 0x400 && c <= 0x40F) return c + 80;
    }
    for (size_t i = 0; i < sizeof case_pairs / sizeof case_pairs[0]; i++) {
        if (c < case_pairs[i].first || c > case_pairs[i].last) continue;
        int is_upper = (c - case_pairs[i].first) % 2 == 0;
        if (upper && !is_upper) return c - 1;
        if (!upper && is_upper && c + 1 <= case_pairs[i].last) return c + 1;
    }
    return c;
}

static void change_case(sqlite3_context *ctx, sqlite3_value **argv, int upper) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v) || !is_str(&v)) return;
    KgBuf *out = sp_scratch(rt, 0);
    const unsigned char *s = (const unsigned char *)v.lex;
    for (size_t i = 0; i < v.lex_len;) {
        uint32_t cp;
        size_t n = kg_utf8_decode(s + i, v.lex_len - i, &cp);
        if (!n) n = 1, cp = UINT32_MAX; /* not UTF-8: the byte is copied as it is */
        char enc[4];
        size_t m = cp == UINT32_MAX ? 0 : kg_utf8_encode(map_case(cp, upper), enc);
        if ((m ? kg_buf_append(out, enc, m) : kg_buf_append(out, v.lex + i, n)) != KG_OK) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        i += n;
    }
    sp_result_string(rt, ctx, out->len ? out->data : "", out->len, v.lang, v.lang_len);
}

static void fn_ucase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    change_case(ctx, argv, 1);
}
static void fn_lcase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    change_case(ctx, argv, 0);
}

/* CONCAT: string literals only; the result keeps a language tag common to all arguments,
 * else it is simple. The arguments are read one at a time (the tag is copied). */
static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    KgBuf *out = sp_scratch(rt, 0);
    char lang[256];
    size_t lang_len = 0;
    int common = argc > 0;
    for (int i = 0; i < argc; i++) {
        SpVal v;
        if (!sp_arg(rt, ctx, argv[i], &v) || !is_str(&v)) return;
        if (i == 0 && v.lang_len < sizeof lang) {
            memcpy(lang, v.lang, v.lang_len);
            lang_len = v.lang_len;
        } else if (v.lang_len != lang_len || strncasecmp(v.lang, lang, lang_len) != 0) {
            common = 0;
        }
        if (kg_buf_append(out, v.lex, v.lex_len) != KG_OK) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    if (!common) lang_len = 0;
    sp_result_string(rt, ctx, out->len ? out->data : "", out->len, lang, lang_len);
}

/* ------------------------------------------------------------ ORDER BY */

static void fn_sortkey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    SpRuntime *rt = sp_call(ctx);
    SpVal v;
    if (!sp_arg(rt, ctx, argv[0], &v)) return;
    KgBuf *key = sp_scratch(rt, 0);
    if (sp_sortkey_append(&v, key) != KG_OK || key->len > 0x7fffffff) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, key->data, (int)key->len, SQLITE_TRANSIENT);
}

/* ------------------------------------------------------------ the table */

const SpFunctionDef sp_functions[] = {
    {"sp_ebv", 1, fn_ebv, NULL, NULL},
    {"sp_bool", 1, fn_bool, NULL, NULL},
    {"sp_int", 1, fn_int, NULL, NULL},
    {"sp_eq", 2, fn_eq, NULL, NULL},
    {"sp_ne", 2, fn_ne, NULL, NULL},
    {"sp_lt", 2, fn_lt, NULL, NULL},
    {"sp_gt", 2, fn_gt, NULL, NULL},
    {"sp_le", 2, fn_le, NULL, NULL},
    {"sp_ge", 2, fn_ge, NULL, NULL},
    {"sp_add", 2, fn_add, NULL, NULL},
    {"sp_sub", 2, fn_sub, NULL, NULL},
    {"sp_mul", 2, fn_mul, NULL, NULL},
    {"sp_div", 2, fn_div, NULL, NULL},
    {"sp_neg", 1, fn_neg, NULL, NULL},
    {"sp_plus", 1, fn_plus, NULL, NULL},
    {"sp_str", 1, fn_str, NULL, NULL},
    {"sp_lang", 1, fn_lang, NULL, NULL},
    {"sp_datatype", 1, fn_datatype, NULL, NULL},
    {"sp_isiri", 1, fn_isiri, NULL, NULL},
    {"sp_isblank", 1, fn_isblank, NULL, NULL},
    {"sp_isliteral", 1, fn_isliteral, NULL, NULL},
    {"sp_isnumeric", 1, fn_isnumeric, NULL, NULL},
    {"sp_langmatches", 2, fn_langmatches, NULL, NULL},
    {"sp_contains", 2, fn_contains, NULL, NULL},
    {"sp_strstarts", 2, fn_strstarts, NULL, NULL},
    {"sp_strends", 2, fn_strends, NULL, NULL},
    {"sp_sameterm", 2, fn_sameterm, NULL, NULL},
    {"sp_strlen", 1, fn_strlen, NULL, NULL},
    {"sp_ucase", 1, fn_ucase, NULL, NULL},
    {"sp_lcase", 1, fn_lcase, NULL, NULL},
    {"sp_abs", 1, fn_abs, NULL, NULL},
    {"sp_ceil", 1, fn_ceil, NULL, NULL},
    {"sp_floor", 1, fn_floor, NULL, NULL},
    {"sp_round", 1, fn_round, NULL, NULL},
    {"sp_concat", -1, fn_concat, NULL, NULL},
    {"sp_substr", 2, fn_substr, NULL, NULL},
    {"sp_substr", 3, fn_substr, NULL, NULL},
    {"sp_strbefore", 2, fn_strbefore, NULL, NULL},
    {"sp_strafter", 2, fn_strafter, NULL, NULL},
    {"sp_regex", 2, sp_fn_regex, NULL, NULL}, /* PCRE2, compiled once per statement */
    {"sp_regex", 3, sp_fn_regex, NULL, NULL},
    {"sp_sortkey", 1, fn_sortkey, NULL, NULL},
    {NULL, 0, NULL, NULL, NULL},
};
