/* kg/sparql_value.c: SPARQL values inside SQL. Decodes an SQL argument (a term id, read
 * through a direct-mapped cache of decoded terms, or the TEXT encoding of a computed term)
 * into an SpVal with its value class; makes results canonical (the id of a stored term,
 * else the encoding; XSD canonical forms for numbers); builds ORDER BY keys; and owns the
 * runtime (struct SpRuntime) that sp_funcs_register attaches to a store. */
#include "sparql.h"

#include <assert.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XSD KG_NS_XSD
#define CACHE_SLOTS 4096 /* a power of two */
#define N_SPARE 4        /* more than any function's arguments decoded at once */
#define LANG_MAX 255

/* A decoded term. Its strings live in buf (lex NUL dt NUL lang NUL), which is reused: a
 * cache hit costs no allocation and no SQL. */
typedef struct {
    KgTermId id;   /* 0: empty */
    unsigned call; /* the last call that decoded it: its strings are in use until it ends */
    SpVal val;
    char *buf;
    size_t cap;
} Slot;

struct SpRuntime {
    KgStore *store;
    sqlite3_stmt *get; /* our own: STMT_TERM_GET's buffers belong to kg_dict_get */
    Slot *slots;       /* CACHE_SLOTS, indexed by id */
    /* Two arguments of one call whose ids share a slot: the second goes here, uncached. */
    Slot spare[N_SPARE];
    unsigned call, next_spare;
    int registered;
    KgBuf out;        /* the encoding of a result */
    KgBuf scratch[2]; /* for the functions (sp_scratch) */
};

static const char *const get_sql = "SELECT t.kind, t.lex, d.lex, t.lang, t.num FROM terms t "
                                   "LEFT JOIN terms d ON d.id = t.datatype WHERE t.id = ?1";

/* ------------------------------------------------------------ value classes */

/* XSD datatypes with a value class; the integer-derived ones as in kg/literal.c. */
static const struct {
    const char *local;
    SpType type;
} xsd_types[] = {
    {"integer", SP_T_INTEGER},
    {"decimal", SP_T_DECIMAL},
    {"double", SP_T_DOUBLE},
    {"float", SP_T_FLOAT},
    {"boolean", SP_T_BOOLEAN},
    {"dateTime", SP_T_DATETIME},
    {"date", SP_T_DATE},
    {"string", SP_T_SIMPLE},
    {"int", SP_T_INTEGER},
    {"long", SP_T_INTEGER},
    {"short", SP_T_INTEGER},
    {"byte", SP_T_INTEGER},
    {"nonNegativeInteger", SP_T_INTEGER},
    {"positiveInteger", SP_T_INTEGER},
    {"nonPositiveInteger", SP_T_INTEGER},
    {"negativeInteger", SP_T_INTEGER},
    {"unsignedLong", SP_T_INTEGER},
    {"unsignedInt", SP_T_INTEGER},
    {"unsignedShort", SP_T_INTEGER},
    {"unsignedByte", SP_T_INTEGER},
    {NULL, SP_T_NONE},
};

static SpType type_of_datatype(const char *dt, size_t dt_len) {
    size_t n = sizeof XSD - 1;
    if (dt_len <= n || memcmp(dt, XSD, n) != 0) return SP_T_OTHER;
    const char *local = dt + n;
    size_t local_len = dt_len - n;
    for (int i = 0; xsd_types[i].local; i++)
        if (strlen(xsd_types[i].local) == local_len &&
            memcmp(xsd_types[i].local, local, local_len) == 0)
            return xsd_types[i].type;
    return SP_T_OTHER;
}

/* One datatype per class, for kg_literal_number (which parses all integer types alike). */
static const char *value_datatype(SpType t) {
    switch (t) {
    case SP_T_INTEGER: return XSD "integer";
    case SP_T_DECIMAL: return XSD "decimal";
    case SP_T_FLOAT: return XSD "float";
    case SP_T_DOUBLE: return XSD "double";
    case SP_T_DATETIME: return XSD "dateTime";
    case SP_T_DATE: return XSD "date";
    default: return NULL;
    }
}

/* A double rounded to float precision, without the undefined conversion of values
 * beyond the float range. */
static double to_float(double d) {
    if (isnan(d)) return d;
    if (d > FLT_MAX) return INFINITY;
    if (d < -FLT_MAX) return -INFINITY;
    return (double)(float)d;
}

/* ------------------------------------------------------------ exact decimals */

/* xsd:integer and xsd:decimal are exact: a 128-bit mantissa holds 38 digits, past which
 * integers are errors and decimals fall back to doubles. */
#define DEC_DIGITS 38

static __int128 pow10_128(int n) {
    __int128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static int dec_fits(__int128 m) {
    __int128 limit = pow10_128(DEC_DIGITS);
    return m < limit && m > -limit;
}

/* Drops trailing zero digits after the point; 0 when out of range. */
static int dec_norm(SpDec *d) {
    if (!dec_fits(d->m)) return 0;
    while (d->scale > 0 && d->m % 10 == 0)
        d->m /= 10, d->scale--;
    if (d->m == 0) d->scale = 0;
    return 1;
}

/* m x 10^k; 0 when out of range. */
static int scale_up(__int128 m, int k, __int128 *out) {
    if (m == 0) return *out = 0, 1;
    if (k > DEC_DIGITS || __builtin_mul_overflow(m, pow10_128(k), out)) return 0;
    return dec_fits(*out);
}

/* A valid integer or decimal lexical form (kg_literal_number said so); 0 when it has
 * more than 38 significant digits. */
static int dec_parse(const char *lex, size_t len, SpDec *out) {
    const char *p = lex, *end = lex + len;
    int neg = 0, in_frac = 0, n_digits = 0;
    if (p < end && (*p == '+' || *p == '-')) neg = *p++ == '-';
    const char *dot = memchr(p, '.', (size_t)(end - p)), *stop = end;
    if (dot) {
        while (stop > dot + 1 && stop[-1] == '0')
            stop--;
        if (stop == dot + 1) stop = dot;
    }
    __int128 m = 0;
    int scale = 0;
    for (; p < stop; p++) {
        if (*p == '.') {
            in_frac = 1;
            continue;
        }
        scale += in_frac;
        if (m == 0 && *p == '0') continue;
        if (++n_digits > DEC_DIGITS) return 0;
        m = m * 10 + (*p - '0');
    }
    out->m = neg ? -m : m;
    out->scale = m ? scale : 0;
    return 1;
}

/* The two mantissas at the larger of the two scales. */
static int align(const SpDec *a, const SpDec *b, __int128 *x, __int128 *y, int *scale) {
    *scale = a->scale > b->scale ? a->scale : b->scale;
    return scale_up(a->m, *scale - a->scale, x) && scale_up(b->m, *scale - b->scale, y);
}

/* These write *out last, so that it may be one of the operands. */
int sp_dec_add(const SpDec *a, const SpDec *b, SpDec *out) {
    __int128 x, y;
    SpDec r;
    if (!align(a, b, &x, &y, &r.scale) || __builtin_add_overflow(x, y, &r.m) || !dec_norm(&r))
        return 0;
    *out = r;
    return 1;
}

int sp_dec_sub(const SpDec *a, const SpDec *b, SpDec *out) {
    __int128 x, y;
    SpDec r;
    if (!align(a, b, &x, &y, &r.scale) || __builtin_sub_overflow(x, y, &r.m) || !dec_norm(&r))
        return 0;
    *out = r;
    return 1;
}

int sp_dec_mul(const SpDec *a, const SpDec *b, SpDec *out) {
    SpDec r = {0, a->scale + b->scale};
    if (__builtin_mul_overflow(a->m, b->m, &r.m) || !dec_norm(&r)) return 0;
    *out = r;
    return 1;
}

int sp_dec_div(const SpDec *a, const SpDec *b, SpDec *out) {
    if (b->m == 0) return 0;
    // a / b = (num / den) x 10^-scale, scale = a.scale - b.scale + e, with num = a.m x 10^e
    // (e >= 0) or den = b.m x 10^-e (e < 0); e is chosen for SP_DEC_SCALE digits after
    // the point, or fewer when a.m x 10^e would not fit.
    int e = SP_DEC_SCALE - a->scale + b->scale;
    __int128 num = a->m, den = b->m;
    if (e >= 0) {
        while (e > 0 && !scale_up(a->m, e, &num))
            e--;
        if (e == 0) num = a->m;
    } else if (!scale_up(b->m, -e, &den)) {
        return 0;
    }
    int scale = a->scale - b->scale + e;
    __int128 q = num / den, r = num % den;
    __int128 abs_r = r < 0 ? -r : r, abs_den = den < 0 ? -den : den;
    if (abs_r >= abs_den - abs_r) q += (num < 0) != (den < 0) ? -1 : 1; // half away from 0
    if (scale < 0) {
        if (!scale_up(q, -scale, &q)) return 0;
        scale = 0;
    }
    SpDec res = {q, scale};
    if (!dec_norm(&res)) return 0;
    *out = res;
    return 1;
}

int sp_dec_cmp(const SpDec *a, const SpDec *b) {
    __int128 x = a->m, y = b->m;
    // A mantissa that cannot be scaled up is larger in magnitude than any other.
    if (a->scale < b->scale && !scale_up(a->m, b->scale - a->scale, &x)) return a->m > 0 ? 1 : -1;
    if (b->scale < a->scale && !scale_up(b->m, a->scale - b->scale, &y)) return b->m > 0 ? -1 : 1;
    return (x > y) - (x < y);
}

int sp_dec_unary(const SpDec *a, char op, SpDec *out) {
    if (op == 'a' || op == '-') {
        *out = *a;
        if (op == '-' || a->m < 0) out->m = -a->m;
        return 1;
    }
    // floor(a) = q; then ceil and round (halves up) from it and the remainder 0 <= rem < p.
    __int128 q = 0, rem, p;
    if (a->scale <= DEC_DIGITS) {
        p = pow10_128(a->scale);
        q = a->m / p;
        rem = a->m % p;
        if (rem < 0) q--, rem += p;
    } else if (a->m < 0) { // |a| < 1: floor is -1
        q = -1;
        rem = 1; // any value in (0, p): only its being non-zero and below p/2 matters
        p = 3;
    } else {
        p = 3;
        rem = a->m ? 1 : 0;
    }
    if (op == 'c' && rem > 0) q++;
    if (op == 'r' && rem >= p - rem) q++;
    SpDec r = {q, 0};
    if (!dec_norm(&r)) return 0;
    *out = r;
    return 1;
}

/* Writes the decimal form of d ("-1.25", "2.0"; integers "42" when is_integer): at most
 * 43 bytes with the NUL, or scale + 4 when |d| < 1. The scales that occur are at most 126:
 * a literal's at most 63 (kg_literal_number takes 64 characters at most), a product's the
 * sum of two, a sum's or a quotient's no more than its operands' or SP_DEC_SCALE. */
static void format_dec(const SpDec *d, int is_integer, char out[400]) {
    assert(d->scale >= 0 && d->scale <= 400 - 4);
    char digits[DEC_DIGITS + 2]; // digits[0] is the mantissa's last digit, digits[n - 1] its first
    int n = 0;
    __int128 m = d->m < 0 ? -d->m : d->m;
    do {
        digits[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    char *o = out;
    if (d->m < 0) *o++ = '-';
    // The integer part is digits[n - 1] down to digits[scale]; the fraction, scale - n
    // zeros when scale > n, then digits[scale - 1] (or digits[n - 1]) down to digits[0].
    if (n <= d->scale) *o++ = '0';
    for (int k = n - 1; k >= d->scale; k--)
        *o++ = digits[k];
    if (!is_integer) {
        *o++ = '.';
        if (d->scale == 0) *o++ = '0';
        for (int k = d->scale; k > n; k--)
            *o++ = '0';
        for (int k = (d->scale < n ? d->scale : n) - 1; k >= 0; k--)
            *o++ = digits[k];
    }
    *o = '\0';
}

double sp_dec_to_double(const SpDec *a) {
    char s[400];
    format_dec(a, 0, s);
    return strtod(s, NULL);
}

/* Fills v->type, valid, num, i from kind, lex, dt, lang. `stored` says whether the value
 * comes from the terms table, whose num column holds the value of every valid numeric
 * and date literal (kg_literal_number at insertion); otherwise it is computed here. */
static void classify(SpVal *v, int stored, int has_num, double num) {
    v->valid = v->has_dec = 0;
    v->num = 0;
    if (v->kind == KG_TERM_IRI) {
        v->type = SP_T_IRI;
        return;
    }
    if (v->kind == KG_TERM_BLANK) {
        v->type = SP_T_BLANK;
        return;
    }
    if (v->lang_len) {
        v->type = SP_T_LANG;
        v->dt = "";
        v->dt_len = 0;
        return;
    }
    v->type = v->dt_len ? type_of_datatype(v->dt, v->dt_len) : SP_T_SIMPLE;
    switch (v->type) {
    case SP_T_SIMPLE: // xsd:string is the plain literal (RDF 1.1)
        v->dt = "";
        v->dt_len = 0;
        return;
    case SP_T_BOOLEAN:
        if ((v->lex_len == 4 && memcmp(v->lex, "true", 4) == 0) ||
            (v->lex_len == 1 && v->lex[0] == '1'))
            v->valid = 1, v->num = 1;
        else if ((v->lex_len == 5 && memcmp(v->lex, "false", 5) == 0) ||
                 (v->lex_len == 1 && v->lex[0] == '0'))
            v->valid = 1;
        return;
    case SP_T_OTHER: return;
    default: break;
    }
    if (!stored) has_num = kg_literal_number(value_datatype(v->type), v->lex, v->lex_len, &num);
    if (!has_num) return;
    v->valid = 1;
    v->num = v->type == SP_T_FLOAT ? to_float(num) : num;
    if (v->type == SP_T_INTEGER || v->type == SP_T_DECIMAL)
        v->has_dec = dec_parse(v->lex, v->lex_len, &v->dec);
}

/* ------------------------------------------------------------ the TEXT encoding */

/* Splits an encoded term; 0 when it is not one. Nothing is copied. */
static int split_encoding(const char *s, size_t len, SpVal *v) {
    memset(v, 0, sizeof *v);
    v->dt = v->lang = "";
    if (len == 0) return 0;
    if (s[0] == 'I' || s[0] == 'B') {
        v->kind = s[0] == 'I' ? KG_TERM_IRI : KG_TERM_BLANK;
        v->lex = s + 1;
        v->lex_len = len - 1;
        return 1;
    }
    if (s[0] != 'L') return 0;
    const char *end = s + len;
    const char *sep1 = memchr(s + 1, SP_ENC_SEP, len - 1);
    if (!sep1) return 0;
    const char *sep2 = memchr(sep1 + 1, SP_ENC_SEP, (size_t)(end - sep1 - 1));
    if (!sep2) return 0;
    v->kind = KG_TERM_LITERAL;
    v->dt = s + 1;
    v->dt_len = (size_t)(sep1 - s - 1);
    v->lang = sep1 + 1;
    v->lang_len = (size_t)(sep2 - sep1 - 1);
    v->lex = sep2 + 1;
    v->lex_len = (size_t)(end - sep2 - 1);
    return 1;
}

KgStatus sp_term_encode(const KgTerm *t, KgBuf *buf) {
    KgStatus s;
    const char *lex = t->lex ? t->lex : "";
    switch (t->kind) {
    case KG_TERM_IRI:
    case KG_TERM_BLANK:
        s = kg_buf_append(buf, t->kind == KG_TERM_IRI ? "I" : "B", 1);
        return s == KG_OK ? kg_buf_append(buf, lex, t->lex_len) : s;
    case KG_TERM_LITERAL: break;
    default: return KG_ERR_ARG;
    }
    int has_lang = t->lang && t->lang[0];
    const char *dt = t->datatype;
    if (has_lang || (dt && strcmp(dt, XSD "string") == 0)) dt = NULL;
    s = kg_buf_append(buf, "L", 1);
    if (s == KG_OK && dt) s = kg_buf_puts(buf, dt);
    if (s == KG_OK) s = kg_buf_append(buf, (const char[]){SP_ENC_SEP}, 1);
    // Language tags are case-insensitive and stored in lower case (kg/dict.c).
    for (const char *p = has_lang ? t->lang : ""; s == KG_OK && *p; p++) {
        char c = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        s = kg_buf_append(buf, &c, 1);
    }
    if (s == KG_OK) s = kg_buf_append(buf, (const char[]){SP_ENC_SEP}, 1);
    if (s == KG_OK) s = kg_buf_append(buf, lex, t->lex_len);
    return s;
}

KgStatus sp_term_decode(const char *text, size_t len, KgTerm *out, KgBuf *scratch) {
    SpVal v;
    memset(out, 0, sizeof *out);
    if (!split_encoding(text, len, &v)) return KG_ERR_ARG;
    scratch->len = 0;
    KgStatus s = kg_buf_append(scratch, v.lex, v.lex_len);
    if (s == KG_OK) s = kg_buf_append(scratch, "", 1);
    if (s == KG_OK) s = kg_buf_append(scratch, v.dt, v.dt_len);
    if (s == KG_OK) s = kg_buf_append(scratch, "", 1);
    if (s == KG_OK) s = kg_buf_append(scratch, v.lang, v.lang_len);
    if (s != KG_OK) return s;
    // Pointers only now: the buffer may have moved while growing.
    const char *base = scratch->data;
    out->kind = v.kind;
    out->lex = base;
    out->lex_len = v.lex_len;
    out->datatype = v.dt_len ? base + v.lex_len + 1 : NULL;
    out->lang = v.lang_len ? base + v.lex_len + 1 + v.dt_len + 1 : NULL;
    return KG_OK;
}

/* ------------------------------------------------------------ decoding arguments */

SpRuntime *sp_call(sqlite3_context *ctx) {
    SpRuntime *rt = sqlite3_user_data(ctx);
    rt->call++;
    return rt;
}

KgBuf *sp_scratch(SpRuntime *rt, int which) {
    rt->scratch[which].len = 0;
    return &rt->scratch[which];
}

/* Reads term `id` into slot. 0 when there is no such term, or on a failure (reported). */
static int load_slot(SpRuntime *rt, sqlite3_context *ctx, KgTermId id, Slot *slot) {
    sqlite3_stmt *st = rt->get;
    slot->id = 0;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc != SQLITE_DONE) sqlite3_result_error(ctx, sqlite3_errmsg(rt->store->db), -1);
        sqlite3_reset(st);
        return 0;
    }
    const char *lex = (const char *)sqlite3_column_blob(st, 1);
    size_t lex_len = (size_t)sqlite3_column_bytes(st, 1);
    const char *dt = (const char *)sqlite3_column_text(st, 2);
    size_t dt_len = dt ? (size_t)sqlite3_column_bytes(st, 2) : 0;
    const char *lang = (const char *)sqlite3_column_text(st, 3);
    size_t lang_len = lang ? (size_t)sqlite3_column_bytes(st, 3) : 0;
    size_t need = lex_len + dt_len + lang_len + 3;
    if (need > slot->cap) {
        size_t cap = need < 64 ? 64 : need * 2;
        char *b = kg_realloc(slot->buf, cap);
        if (!b) {
            sqlite3_reset(st);
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        slot->buf = b;
        slot->cap = cap;
    }
    char *p = slot->buf;
    SpVal *v = &slot->val;
    memset(v, 0, sizeof *v);
    v->kind = (KgTermKind)sqlite3_column_int(st, 0);
    v->id = id;
    if (lex_len) memcpy(p, lex, lex_len);
    p[lex_len] = '\0';
    v->lex = p;
    v->lex_len = lex_len;
    p += lex_len + 1;
    if (dt_len) memcpy(p, dt, dt_len);
    p[dt_len] = '\0';
    v->dt = p;
    v->dt_len = dt_len;
    p += dt_len + 1;
    if (lang_len) memcpy(p, lang, lang_len);
    p[lang_len] = '\0';
    v->lang = p;
    v->lang_len = lang_len;
    int has_num = sqlite3_column_type(st, 4) != SQLITE_NULL;
    double num = has_num ? sqlite3_column_double(st, 4) : 0;
    sqlite3_reset(st);
    classify(v, 1, has_num, num);
    slot->id = id;
    return 1;
}

int sp_arg(SpRuntime *rt, sqlite3_context *ctx, sqlite3_value *v, SpVal *out) {
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: {
        sqlite3_int64 id = sqlite3_value_int64(v);
        if (id <= 0) return 0;
        Slot *slot = &rt->slots[(uint64_t)id & (CACHE_SLOTS - 1)];
        if (slot->id != (KgTermId)id) {
            if (slot->id && slot->call == rt->call) slot = &rt->spare[rt->next_spare++ % N_SPARE];
            if (!load_slot(rt, ctx, (KgTermId)id, slot)) return 0;
        }
        slot->call = rt->call;
        *out = slot->val;
        return 1;
    }
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_value_text(v);
        if (!s) {
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        if (!split_encoding(s, (size_t)sqlite3_value_bytes(v), out)) return 0;
        classify(out, 0, 0, 0);
        return 1;
    }
    default: return 0;
    }
}

int sp_arg_plain_string(SpRuntime *rt, sqlite3_context *ctx, sqlite3_value *v, const char **s,
                        size_t *len) {
    SpVal val;
    if (sqlite3_value_type(v) == SQLITE_TEXT) {
        const char *text = (const char *)sqlite3_value_text(v);
        size_t n = (size_t)sqlite3_value_bytes(v);
        if (!text) {
            sqlite3_result_error_nomem(ctx);
            return 0;
        }
        // An encoded literal, or else plain SQL text.
        if (n == 0 || text[0] != 'L' || !split_encoding(text, n, &val)) {
            *s = text;
            *len = n;
            return 1;
        }
        classify(&val, 0, 0, 0);
    } else if (!sp_arg(rt, ctx, v, &val)) {
        return 0;
    }
    if (val.type != SP_T_SIMPLE) return 0;
    *s = val.lex;
    *len = val.lex_len;
    return 1;
}

/* ------------------------------------------------------------ results */

void sp_result_same(sqlite3_context *ctx, sqlite3_value *v) { sqlite3_result_value(ctx, v); }

void sp_result_term(SpRuntime *rt, sqlite3_context *ctx, const KgTerm *t) {
    KgTermId id;
    KgError err = {0};
    KgStatus s = kg_dict_lookup(rt->store, t, &id, &err);
    if (s == KG_OK) {
        sqlite3_result_int64(ctx, (sqlite3_int64)id);
        return;
    }
    // KG_ERR_ARG: a term the dictionary cannot hold (a language tag too long), so not stored.
    if (s != KG_ERR_NOT_FOUND && s != KG_ERR_ARG) {
        sqlite3_result_error(ctx, kg_error_message(&err), -1);
        return;
    }
    rt->out.len = 0;
    if (sp_term_encode(t, &rt->out) != KG_OK || !kg_buf_cstr(&rt->out)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (rt->out.len > (size_t)0x7fffffff) {
        sqlite3_result_error_toobig(ctx);
        return;
    }
    sqlite3_result_text(ctx, rt->out.data, (int)rt->out.len, SQLITE_TRANSIENT);
}

void sp_result_string(SpRuntime *rt, sqlite3_context *ctx, const char *s, size_t len,
                      const char *lang, size_t lang_len) {
    char tag[LANG_MAX + 1];
    if (lang_len > LANG_MAX) return; // no such tag can be stored or decoded: an error
    memcpy(tag, lang, lang_len);
    tag[lang_len] = '\0';
    KgTerm t = {KG_TERM_LITERAL, s, len, NULL, lang_len ? tag : NULL};
    sp_result_term(rt, ctx, &t);
}

void sp_result_boolean(SpRuntime *rt, sqlite3_context *ctx, int b) {
    KgTerm t = {KG_TERM_LITERAL, b ? "true" : "false", b ? 4 : 5, XSD "boolean", NULL};
    sp_result_term(rt, ctx, &t);
}

/* The significant digits of x (finite, > 0) and its exponent: x = d.ddd x 10^exp10;
 * returns how many there are (at least 1). n_digits (at most 17) > 0: that many, rounded,
 * trailing zeros dropped; 0: the fewest that read back as x (as a float when is_float). */
static size_t digits_of(double x, int n_digits, int is_float, char digits[20], int *exp10) {
    assert(n_digits >= 0 && n_digits <= 17);
    char tmp[40];
    for (int p = n_digits ? n_digits : 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
        if (n_digits) break;
        if (is_float ? strtof(tmp, NULL) == (float)x : strtod(tmp, NULL) == x) break;
    }
    size_t n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp10 = *p == 'e' ? atoi(p + 1) : 0;
    return n;
}

/* xsd:decimal canonical form ("1.5", "2.0", "-0.25") of a decimal beyond the exact range,
 * held as a double: 15 significant digits, the precision a double always keeps. */
static void format_decimal(double d, char out[400]) {
    if (d == 0) {
        memcpy(out, "0.0", sizeof "0.0");
        return;
    }
    char digits[20];
    int e;
    char *o = out;
    if (d < 0) *o++ = '-';
    int n = (int)digits_of(fabs(d), 15, 0, digits, &e);
    if (e >= 0) {
        for (int i = 0; i <= e; i++)
            *o++ = (char)(i < n ? digits[i] : '0');
        *o++ = '.';
        if (n > e + 1)
            for (int i = e + 1; i < n; i++)
                *o++ = digits[i];
        else
            *o++ = '0';
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -e - 1; i++)
            *o++ = '0';
        for (int i = 0; i < n; i++)
            *o++ = digits[i];
    }
    *o = '\0';
}

/* xsd:double and xsd:float canonical form: "1.5E0", "1.0E1", "-1.25E-3", "INF", "NaN". */
static void format_double(double d, int is_float, char out[400]) {
    if (isnan(d)) {
        snprintf(out, 400, "%s", "NaN");
        return;
    }
    if (isinf(d)) {
        snprintf(out, 400, "%s", d > 0 ? "INF" : "-INF");
        return;
    }
    if (d == 0) {
        snprintf(out, 400, "%s", signbit(d) ? "-0.0E0" : "0.0E0");
        return;
    }
    char digits[20];
    int e;
    size_t n = digits_of(fabs(d), 0, is_float, digits, &e);
    snprintf(out, 400, "%s%c.%sE%d", d < 0 ? "-" : "", digits[0], n > 1 ? digits + 1 : "0", e);
}

void sp_result_exact(SpRuntime *rt, sqlite3_context *ctx, SpType t, const SpDec *d) {
    char lex[400];
    int is_integer = t == SP_T_INTEGER && d->scale == 0;
    format_dec(d, is_integer, lex);
    KgTerm term = {KG_TERM_LITERAL, lex, strlen(lex), is_integer ? XSD "integer" : XSD "decimal",
                   NULL};
    sp_result_term(rt, ctx, &term);
}

void sp_result_number(SpRuntime *rt, sqlite3_context *ctx, SpType t, double d) {
    char lex[400];
    const char *dt;
    switch (t) {
    case SP_T_DECIMAL:
        if (!isfinite(d)) return; // no decimal is infinite: an error
        format_decimal(d, lex);
        dt = XSD "decimal";
        break;
    case SP_T_FLOAT:
        format_double(to_float(d), 1, lex);
        dt = XSD "float";
        break;
    case SP_T_DOUBLE:
        format_double(d, 0, lex);
        dt = XSD "double";
        break;
    default: return;
    }
    KgTerm term = {KG_TERM_LITERAL, lex, strlen(lex), dt, NULL};
    sp_result_term(rt, ctx, &term);
}

/* ------------------------------------------------------------ ORDER BY keys */

/* Leading bytes of the classes, in SPARQL's order (§15.1): unbound (SQL NULL) first, then
 * blank nodes, IRIs, and literals: numbers by value, dates by value, then the others by
 * lexical form. */
enum { KEY_BLANK = 1, KEY_IRI, KEY_NUMBER, KEY_DATE, KEY_LITERAL };

/* A double as 8 bytes whose memcmp order is numeric order: the sign bit flipped for
 * positives, every bit for negatives. -0 is +0, and NaN one value above +INF. */
static KgStatus append_double(KgBuf *buf, double d) {
    uint64_t bits;
    if (d == 0) d = 0;
    if (isnan(d)) d = NAN;
    memcpy(&bits, &d, 8);
    bits = (bits >> 63) ? ~bits : bits | ((uint64_t)1 << 63);
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(bits >> (56 - 8 * i));
    return kg_buf_append(buf, (const char *)b, 8);
}

/* Bytes then a 0 terminator, 0 and 1 escaped as 1 1 and 1 2: a prefix sorts first and
 * what follows the string cannot change the order of two different strings. */
static KgStatus append_escaped(KgBuf *buf, const char *s, size_t len) {
    KgStatus st = KG_OK;
    size_t start = 0;
    for (size_t i = 0; st == KG_OK && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 1) continue;
        st = kg_buf_append(buf, s + start, i - start);
        if (st == KG_OK) st = kg_buf_append(buf, c ? "\1\2" : "\1\1", 2);
        start = i + 1;
    }
    if (st == KG_OK) st = kg_buf_append(buf, s + start, len - start);
    if (st == KG_OK) st = kg_buf_append(buf, "", 1);
    return st;
}

/* What tells apart literals with the same value or lexical form: the lexical form, then
 * simple < language-tagged < typed, then the tag or the datatype. */
static KgStatus append_tiebreak(KgBuf *buf, const SpVal *v) {
    KgStatus st = append_escaped(buf, v->lex, v->lex_len);
    if (st != KG_OK) return st;
    if (v->lang_len) {
        st = kg_buf_append(buf, "\1", 1);
        return st == KG_OK ? kg_buf_append(buf, v->lang, v->lang_len) : st;
    }
    if (v->dt_len) {
        st = kg_buf_append(buf, "\2", 1);
        return st == KG_OK ? kg_buf_append(buf, v->dt, v->dt_len) : st;
    }
    return kg_buf_append(buf, "\0", 1);
}

KgStatus sp_sortkey_append(const SpVal *v, KgBuf *buf) {
    char head;
    KgStatus st;
    switch (v->type) {
    case SP_T_BLANK:
    case SP_T_IRI:
        head = v->type == SP_T_BLANK ? KEY_BLANK : KEY_IRI;
        st = kg_buf_append(buf, &head, 1);
        return st == KG_OK ? kg_buf_append(buf, v->lex, v->lex_len) : st;
    case SP_T_INTEGER:
    case SP_T_DECIMAL:
    case SP_T_FLOAT:
    case SP_T_DOUBLE:
    case SP_T_DATETIME:
    case SP_T_DATE:
        if (v->valid) {
            head = SP_IS_NUMERIC(v->type) ? KEY_NUMBER : KEY_DATE;
            st = kg_buf_append(buf, &head, 1);
            if (st == KG_OK) st = append_double(buf, v->num);
            return st == KG_OK ? append_tiebreak(buf, v) : st;
        }
        break;
    default: break;
    }
    head = KEY_LITERAL;
    st = kg_buf_append(buf, &head, 1);
    return st == KG_OK ? append_tiebreak(buf, v) : st;
}

/* ------------------------------------------------------------ the runtime */

static void runtime_free(SpRuntime *rt) {
    if (!rt) return;
    sqlite3_finalize(rt->get);
    if (rt->slots)
        for (size_t i = 0; i < CACHE_SLOTS; i++)
            kg_free(rt->slots[i].buf);
    for (size_t i = 0; i < N_SPARE; i++)
        kg_free(rt->spare[i].buf);
    kg_free(rt->slots);
    kg_buf_free(&rt->out);
    kg_buf_free(&rt->scratch[0]);
    kg_buf_free(&rt->scratch[1]);
    kg_free(rt);
}

static KgStatus runtime_new(KgStore *store, SpRuntime **out, KgError *err) {
    SpRuntime *rt = kg_calloc(1, sizeof *rt);
    *out = NULL;
    // The statuses are written out, not taken from kg_error_set: a caller relies on *out
    // being set exactly when KG_OK comes back.
    if (!rt || !(rt->slots = kg_calloc(CACHE_SLOTS, sizeof *rt->slots))) {
        runtime_free(rt);
        kg_error_set(err, KG_ERR_NOMEM, "out of memory starting the SPARQL functions");
        return KG_ERR_NOMEM;
    }
    rt->store = store;
    rt->call = 1;
    if (sqlite3_prepare_v3(store->db, get_sql, -1, SQLITE_PREPARE_PERSISTENT, &rt->get, NULL) !=
        SQLITE_OK) {
        kg_db_error(store, err, "preparing the SPARQL functions");
        runtime_free(rt);
        return KG_ERR_DB;
    }
    *out = rt;
    return KG_OK;
}

KgStatus sp_funcs_register(KgStore *store, KgError *err) {
    if (!store->sparql) {
        KgStatus s = runtime_new(store, &store->sparql, err);
        if (s != KG_OK) return s;
    }
    SpRuntime *rt = store->sparql;
    if (rt->registered) return KG_OK;
    // A failure part way leaves the runtime attached (registered functions point at it)
    // and unmarked, so that the next call tries again.
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    for (const SpFunctionDef *f = sp_functions; f->name; f++)
        if (sqlite3_create_function_v2(store->db, f->name, f->n_args, flags, rt, f->func, NULL,
                                       NULL, NULL) != SQLITE_OK)
            return kg_db_error(store, err, "registering the SPARQL functions");
    for (const SpFunctionDef *f = sp_aggregates; f->name; f++)
        if (sqlite3_create_function_v2(store->db, f->name, f->n_args, flags, rt, NULL, f->step,
                                       f->final, NULL) != SQLITE_OK)
            return kg_db_error(store, err, "registering the SPARQL aggregates");
    rt->registered = 1;
    return KG_OK;
}

void sp_funcs_reset(KgStore *store) {
    SpRuntime *rt = store->sparql;
    if (!rt) return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        rt->slots[i].id = 0;
}

void sp_funcs_free(KgStore *store) {
    runtime_free(store->sparql);
    store->sparql = NULL;
}
