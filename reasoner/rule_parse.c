/* reasoner/rule_parse.c: reading rules in RDFox's syntax into RsRule: @prefix/PREFIX and
 * @base/BASE, triple atoms ([s, p, o], p[s, o], C[s]), NOT, FILTER and BIND (expressions kept
 * as their source text), weights "W ::". A hand-written lexer with one token of lookahead and
 * a loop per rule, no recursion: any input, however long or broken, ends in rules or in an
 * error at its line and column, and never reads past `len`. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Caps on what one rule and one program may hold, so that no input grows memory unbounded. */
enum { MAX_RULE_VARS = 4096, MAX_RULE_ATOMS = 4096, MAX_RULES = 1 << 24 };

typedef struct {
    size_t pos;
    unsigned long line, col; /* col in characters: UTF-8 continuation bytes don't count */
} Cursor;

typedef enum {
    T_EOF,
    T_VAR,       /* ?x or $x */
    T_IRI,       /* <...>: value decoded in P->val */
    T_PNAME,     /* prefix:local: local part decoded in P->val */
    T_STRING,    /* value in P->val, language tag (lowercased) in P->lang */
    T_NUMBER,    /* integer, decimal or double, as written */
    T_WORD,      /* a bare word: a, true, false, NOT, FILTER, BIND, PREFIX, BASE */
    T_AT_PREFIX, /* @prefix */
    T_AT_BASE,   /* @base */
    T_LBRACK,
    T_RBRACK,
    T_COMMA,
    T_DOT,
    T_IF,     /* :- */
    T_DCOLON, /* :: */
    T_LPAREN,
    T_RPAREN,
} TokKind;

typedef struct {
    TokKind kind;
    Cursor at;            /* its first byte */
    size_t len;           /* its bytes of source */
    size_t prefix_len;    /* T_PNAME: bytes before the ':' */
    int has_datatype;     /* T_STRING: followed by ^^ (the datatype is the next token) */
    const char *datatype; /* T_NUMBER: its xsd datatype */
} Tok;

typedef struct {
    char *name, *ns;
} Prefix;

typedef struct {
    const char *name; /* in the source or in the arena, not NUL-terminated */
    size_t len;
} VarRef;

typedef struct {
    RsProgram *prog;
    const char *name, *text;
    size_t len;
    KgError *err;
    Cursor cur; /* just after tok */
    Tok tok;
    KgBuf val, lang, scratch, tmp;
    Prefix *prefixes;
    size_t n_prefixes, cap_prefixes;
    char *base; /* NULL until @base */
    /* the rule being read */
    VarRef *vars;
    size_t n_vars, cap_vars;
    RsTerm (*heads)[3];
    size_t n_heads, cap_heads;
    RsAtom *body;
    size_t n_body, cap_body;
} Parser;

static const char XSD_STRING[] = KG_NS_XSD "string";

/* ---------------------------------------------------------------- characters */

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }
/* Letters, digits, '_' and any non-ASCII byte (UTF-8 names are taken as they come). */
static int is_var_char(int c) { return is_alpha(c) || is_digit(c) || c == '_' || c >= 0x80; }
static int is_name_char(int c) { return is_var_char(c) || c == '-'; }

static int same_word(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i]; i++)
        if (lower((unsigned char)s[i]) != word[i]) return 0;
    return i == n && !word[i];
}

/* Where a string starting at s[i] (a quote) ends: just after its closing quote, or 0 when it
 * does not end before n. Short strings may not span lines. */
static size_t string_end(const char *s, size_t n, size_t i)
{
    char q = s[i];
    int is_long = i + 2 < n && s[i + 1] == q && s[i + 2] == q;
    size_t j = i + (is_long ? 3 : 1);
    while (j < n) {
        char c = s[j];
        if (c == '\\') {
            j += 2;
            continue;
        }
        if (c == q) {
            if (!is_long) return j + 1;
            if (j + 2 < n && s[j + 1] == q && s[j + 2] == q) return j + 3;
        } else if (!is_long && (c == '\n' || c == '\r')) {
            return 0;
        }
        j++;
    }
    return 0;
}

/* Where an IRI starting at s[i] ('<') ends, by SPARQL's IRIREF rule (no spaces, none of
 * <>"{}|^`), or 0 when the '<' does not start one (in an expression it is then "less than"). */
static size_t iriref_end(const char *s, size_t n, size_t i)
{
    for (size_t j = i + 1; j < n; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c == '>') return j + 1;
        if (c <= 0x20 || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' ||
            c == '`')
            return 0;
    }
    return 0;
}

int rs_expr_next_var(const char *expr, size_t len, size_t *pos, const char **name,
                     size_t *name_len)
{
    size_t i = *pos;
    while (i < len) {
        char c = expr[i];
        if (c == '"' || c == '\'') {
            size_t e = string_end(expr, len, i);
            i = e ? e : len;
        } else if (c == '<') {
            size_t e = iriref_end(expr, len, i);
            i = e ? e : i + 1;
        } else if (c == '#') {
            while (i < len && expr[i] != '\n') i++;
        } else if ((c == '?' || c == '$') && i + 1 < len &&
                   is_var_char((unsigned char)expr[i + 1])) {
            size_t j = i + 1;
            while (j < len && is_var_char((unsigned char)expr[j])) j++;
            *name = expr + i + 1;
            *name_len = j - i - 1;
            *pos = j;
            return 1;
        } else {
            i++;
        }
    }
    *pos = len;
    return 0;
}

/* ---------------------------------------------------------------- errors */

static KgStatus fail_at(Parser *P, Cursor at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static KgStatus fail_at(Parser *P, Cursor at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return kg_error_at(P->err, KG_ERR_SYNTAX, P->name, at.line, at.col, "%s", msg);
}

static KgStatus no_memory(Parser *P)
{
    return kg_error_at(P->err, KG_ERR_NOMEM, P->name, P->tok.at.line, P->tok.at.col,
                       "out of memory reading the rules");
}

/* A character for a message: 'x', or a name for what does not print. */
static const char *describe_char(unsigned char c, char *buf, size_t n)
{
    if (c == '\n' || c == '\r') return "a line break";
    if (c == ' ') return "a space";
    if (c == '\t') return "a tab";
    if (c < 0x20 || c == 0x7f || c >= 0x80)
        snprintf(buf, n, "byte 0x%02X", c);
    else
        snprintf(buf, n, "'%c'", c);
    return buf;
}

/* The current token for a message: its first characters in quotes, or "the end of the input". */
static const char *describe_tok(const Parser *P, char *buf, size_t n)
{
    const Tok *t = &P->tok;
    if (t->kind == T_EOF) return "the end of the input";
    const char *s = P->text + t->at.pos;
    size_t m = t->len < 24 ? t->len : 24;
    for (size_t i = 0; i < m; i++)
        if (s[i] == '\n' || s[i] == '\r') m = i;
    while (m > 0 && m < t->len && ((unsigned char)s[m] & 0xC0) == 0x80) m--; /* whole chars */
    snprintf(buf, n, "'%.*s%s'", (int)m, s, m < t->len ? "..." : "");
    return buf;
}

static KgStatus unexpected(Parser *P, const char *expected)
{
    char buf[64];
    return fail_at(P, P->tok.at, "expected %s, found %s", expected,
                   describe_tok(P, buf, sizeof buf));
}

/* ---------------------------------------------------------------- lexer */

static void step(const Parser *P, Cursor *c)
{
    unsigned char ch = (unsigned char)P->text[c->pos++];
    if (ch == '\n') {
        c->line++;
        c->col = 1;
    } else if ((ch & 0xC0) != 0x80) {
        c->col++;
    }
}

static void step_to(const Parser *P, Cursor *c, size_t pos)
{
    while (c->pos < pos) step(P, c);
}

static void skip_space(const Parser *P, Cursor *c)
{
    while (c->pos < P->len) {
        char ch = P->text[c->pos];
        if (is_space((unsigned char)ch)) {
            step(P, c);
        } else if (ch == '#') {
            while (c->pos < P->len && P->text[c->pos] != '\n') step(P, c);
        } else {
            break;
        }
    }
}

static KgStatus put(Parser *P, KgBuf *b, const char *s, size_t n)
{
    return kg_buf_append(b, s, n) == KG_OK ? KG_OK : no_memory(P);
}

/* \uXXXX or \UXXXXXXXX at c (the backslash), decoded into b. */
static KgStatus read_uchar(Parser *P, Cursor *c, KgBuf *b)
{
    Cursor at = *c;
    char e = c->pos + 1 < P->len ? P->text[c->pos + 1] : 0;
    int n = e == 'u' ? 4 : 8;
    unsigned long cp = 0;
    for (int i = 0; i < n; i++) {
        size_t k = c->pos + 2 + (size_t)i;
        int h = k < P->len ? kg_hex_digit((unsigned char)P->text[k]) : -1;
        if (h < 0) return fail_at(P, at, "bad \\%c escape: expected %d hexadecimal digits", e, n);
        cp = cp * 16 + (unsigned long)h;
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail_at(P, at, "the escape \\%c names no character (U+%lX)", e, cp);
    step_to(P, c, c->pos + 2 + (size_t)n);
    return kg_buf_put_utf8(b, (uint32_t)cp) == KG_OK ? KG_OK : no_memory(P);
}

static KgStatus lex_var(Parser *P, Cursor *c)
{
    step(P, c);
    if (c->pos >= P->len || !is_var_char((unsigned char)P->text[c->pos]))
        return fail_at(P, P->tok.at, "expected a variable name after '%c'",
                       P->text[P->tok.at.pos]);
    while (c->pos < P->len && is_var_char((unsigned char)P->text[c->pos])) step(P, c);
    P->tok.kind = T_VAR;
    return KG_OK;
}

static KgStatus lex_iri(Parser *P, Cursor *c)
{
    char buf[16];
    step(P, c);
    for (;;) {
        if (c->pos >= P->len) return fail_at(P, P->tok.at, "unterminated IRI: expected '>'");
        unsigned char ch = (unsigned char)P->text[c->pos];
        if (ch == '>') {
            step(P, c);
            break;
        }
        if (ch == '\\') {
            char e = c->pos + 1 < P->len ? P->text[c->pos + 1] : 0;
            if (e != 'u' && e != 'U')
                return fail_at(P, *c, "only \\u and \\U escapes may appear in an IRI");
            KgStatus s = read_uchar(P, c, &P->val);
            if (s != KG_OK) return s;
            continue;
        }
        if (ch <= 0x20 || ch == '<' || ch == '"' || ch == '{' || ch == '}' || ch == '|' ||
            ch == '^' || ch == '`')
            return fail_at(P, *c, "%s is not allowed in an IRI",
                           describe_char(ch, buf, sizeof buf));
        if (put(P, &P->val, (const char *)&P->text[c->pos], 1) != KG_OK) return KG_ERR_NOMEM;
        step(P, c);
    }
    P->tok.kind = T_IRI;
    return KG_OK;
}

static KgStatus lex_string(Parser *P, Cursor *c)
{
    const char *t = P->text;
    char q = t[c->pos];
    int is_long = c->pos + 2 < P->len && t[c->pos + 1] == q && t[c->pos + 2] == q;
    step_to(P, c, c->pos + (is_long ? 3 : 1));
    for (;;) {
        if (c->pos >= P->len) return fail_at(P, P->tok.at, "unterminated string");
        char ch = t[c->pos];
        if (ch == q) {
            if (!is_long) {
                step(P, c);
                break;
            }
            if (c->pos + 2 < P->len && t[c->pos + 1] == q && t[c->pos + 2] == q) {
                step_to(P, c, c->pos + 3);
                break;
            }
        } else if (ch == '\\') {
            char e = c->pos + 1 < P->len ? t[c->pos + 1] : 0;
            const char *rep = NULL;
            switch (e) {
            case 't': rep = "\t"; break;
            case 'b': rep = "\b"; break;
            case 'n': rep = "\n"; break;
            case 'r': rep = "\r"; break;
            case 'f': rep = "\f"; break;
            case '"': rep = "\""; break;
            case '\'': rep = "'"; break;
            case '\\': rep = "\\"; break;
            case 'u':
            case 'U': {
                KgStatus s = read_uchar(P, c, &P->val);
                if (s != KG_OK) return s;
                continue;
            }
            default:
                if (!e) return fail_at(P, P->tok.at, "unterminated string");
                return fail_at(P, *c, "unknown escape in a string (\\t \\b \\n \\r \\f \\\" \\' "
                                      "\\\\ \\u \\U are known)");
            }
            if (put(P, &P->val, rep, 1) != KG_OK) return KG_ERR_NOMEM;
            step_to(P, c, c->pos + 2);
            continue;
        } else if (!is_long && (ch == '\n' || ch == '\r')) {
            return fail_at(P, *c, "a line break in a string: write \\n, or use \"\"\"...\"\"\"");
        }
        if (put(P, &P->val, &t[c->pos], 1) != KG_OK) return KG_ERR_NOMEM;
        step(P, c);
    }
    if (c->pos < P->len && t[c->pos] == '@') {
        Cursor at = *c;
        step(P, c);
        if (c->pos >= P->len || !is_alpha((unsigned char)t[c->pos]))
            return fail_at(P, at, "expected a language tag after '@'");
        while (c->pos < P->len && is_alpha((unsigned char)t[c->pos])) {
            char l = (char)lower((unsigned char)t[c->pos]);
            if (put(P, &P->lang, &l, 1) != KG_OK) return KG_ERR_NOMEM;
            step(P, c);
        }
        while (c->pos + 1 < P->len && t[c->pos] == '-' &&
               (is_alpha((unsigned char)t[c->pos + 1]) || is_digit((unsigned char)t[c->pos + 1]))) {
            do {
                char l = (char)lower((unsigned char)t[c->pos]);
                if (put(P, &P->lang, &l, 1) != KG_OK) return KG_ERR_NOMEM;
                step(P, c);
            } while (c->pos < P->len &&
                     (is_alpha((unsigned char)t[c->pos]) || is_digit((unsigned char)t[c->pos])));
        }
    } else if (c->pos + 1 < P->len && t[c->pos] == '^' && t[c->pos + 1] == '^') {
        step_to(P, c, c->pos + 2);
        P->tok.has_datatype = 1;
    }
    P->tok.kind = T_STRING;
    return KG_OK;
}

/* [+-]? digits? ('.' digits)? ([eE] [+-]? digits)?, with at least one digit. */
static KgStatus lex_number(Parser *P, Cursor *c)
{
    const char *t = P->text;
    size_t n = P->len, i = c->pos, int_digits = 0, frac_digits = 0;
    int is_decimal = 0, is_double = 0;
    if (t[i] == '+' || t[i] == '-') i++;
    while (i < n && is_digit((unsigned char)t[i])) i++, int_digits++;
    if (i + 1 < n && t[i] == '.' && is_digit((unsigned char)t[i + 1])) {
        i++;
        while (i < n && is_digit((unsigned char)t[i])) i++, frac_digits++;
        is_decimal = 1;
    }
    /* an exponent: e5, E-5; "1.e5" too (Turtle's DOUBLE), but "18." is 18 and a '.' */
    size_t e = i;
    if (!is_decimal && int_digits && e < n && t[e] == '.') e++;
    if (int_digits + frac_digits && e < n && (t[e] == 'e' || t[e] == 'E')) {
        size_t k = e + 1;
        if (k < n && (t[k] == '+' || t[k] == '-')) k++;
        if (k < n && is_digit((unsigned char)t[k])) {
            while (k < n && is_digit((unsigned char)t[k])) k++;
            i = k;
            is_double = 1;
        }
    }
    if (int_digits + frac_digits == 0) {
        char buf[16];
        return fail_at(P, P->tok.at, "unexpected %s",
                       describe_char((unsigned char)t[c->pos], buf, sizeof buf));
    }
    step_to(P, c, i);
    P->tok.kind = T_NUMBER;
    P->tok.datatype = is_double    ? KG_NS_XSD "double"
                      : is_decimal ? KG_NS_XSD "decimal"
                                   : KG_NS_XSD "integer";
    return KG_OK;
}

static KgStatus lex_directive(Parser *P, Cursor *c)
{
    step(P, c);
    size_t from = c->pos;
    while (c->pos < P->len && is_alpha((unsigned char)P->text[c->pos])) step(P, c);
    size_t n = c->pos - from;
    if (n == 6 && memcmp(P->text + from, "prefix", 6) == 0)
        P->tok.kind = T_AT_PREFIX;
    else if (n == 4 && memcmp(P->text + from, "base", 4) == 0)
        P->tok.kind = T_AT_BASE;
    else
        return fail_at(P, P->tok.at, "unknown directive '@%.*s' (@prefix and @base are known)",
                       (int)(n > 32 ? 32 : n), P->text + from);
    return KG_OK;
}

/* A bare word, or a prefixed name prefix:local (Turtle's PN_PREFIX and PN_LOCAL, the local
 * part's %XX kept and its \-escapes decoded into P->val). Neither ends with a '.'. */
static KgStatus lex_name(Parser *P, Cursor *c)
{
    const char *t = P->text;
    size_t n = P->len, end = c->pos;
    while (end < n && (is_name_char((unsigned char)t[end]) || t[end] == '.')) end++;
    while (end > c->pos && t[end - 1] == '.') end--;
    if (end >= n || t[end] != ':') {
        step_to(P, c, end);
        P->tok.kind = T_WORD;
        return KG_OK;
    }
    P->tok.kind = T_PNAME;
    P->tok.prefix_len = end - c->pos;
    size_t i = end + 1;
    for (;;) {
        if (i >= n) break;
        unsigned char ch = (unsigned char)t[i];
        if (is_name_char(ch) || ch == ':') {
            if (put(P, &P->val, &t[i], 1) != KG_OK) return KG_ERR_NOMEM;
            i++;
        } else if (ch == '.') {
            size_t j = i;
            while (j < n && t[j] == '.') j++;
            if (j >= n || !(is_name_char((unsigned char)t[j]) || t[j] == ':' || t[j] == '%' ||
                            t[j] == '\\'))
                break;
            if (put(P, &P->val, &t[i], j - i) != KG_OK) return KG_ERR_NOMEM;
            i = j;
        } else if (ch == '%') {
            if (i + 2 >= n || kg_hex_digit((unsigned char)t[i + 1]) < 0 ||
                kg_hex_digit((unsigned char)t[i + 2]) < 0) {
                step_to(P, c, i);
                return fail_at(P, *c, "'%%' in a prefixed name must be followed by two "
                                      "hexadecimal digits");
            }
            if (put(P, &P->val, &t[i], 3) != KG_OK) return KG_ERR_NOMEM;
            i += 3;
        } else if (ch == '\\') {
            if (i + 1 >= n || !strchr("_~.-!$&'()*+,;=/?#@%", t[i + 1]) || !t[i + 1]) {
                step_to(P, c, i);
                return fail_at(P, *c, "bad escape in a prefixed name");
            }
            if (put(P, &P->val, &t[i + 1], 1) != KG_OK) return KG_ERR_NOMEM;
            i += 2;
        } else {
            break;
        }
    }
    step_to(P, c, i);
    return KG_OK;
}

/* Reads the next token into P->tok, its value into P->val / P->lang. */
static KgStatus lex(Parser *P)
{
    Cursor c = P->cur;
    skip_space(P, &c);
    Tok *t = &P->tok;
    memset(t, 0, sizeof *t);
    t->at = c;
    P->val.len = 0;
    P->lang.len = 0;
    KgStatus s = KG_OK;
    if (c.pos >= P->len) {
        t->kind = T_EOF;
        P->cur = c;
        return KG_OK;
    }
    unsigned char ch = (unsigned char)P->text[c.pos];
    unsigned char next = c.pos + 1 < P->len ? (unsigned char)P->text[c.pos + 1] : 0;
    TokKind single = T_EOF;
    switch (ch) {
    case '[': single = T_LBRACK; break;
    case ']': single = T_RBRACK; break;
    case ',': single = T_COMMA; break;
    case '(': single = T_LPAREN; break;
    case ')': single = T_RPAREN; break;
    case '.':
        if (is_digit(next))
            s = lex_number(P, &c);
        else
            single = T_DOT;
        break;
    case ':':
        if (next == '-' || next == ':') {
            t->kind = next == '-' ? T_IF : T_DCOLON;
            step_to(P, &c, c.pos + 2);
        } else {
            s = lex_name(P, &c);
        }
        break;
    case '?':
    case '$': s = lex_var(P, &c); break;
    case '<': s = lex_iri(P, &c); break;
    case '"':
    case '\'': s = lex_string(P, &c); break;
    case '@': s = lex_directive(P, &c); break;
    case '+':
    case '-': s = lex_number(P, &c); break;
    default:
        if (is_digit(ch)) {
            s = lex_number(P, &c);
        } else if (ch == '_' && next == ':') {
            s = fail_at(P, c, "blank nodes are not allowed in rules");
        } else if (is_alpha(ch) || ch == '_' || ch >= 0x80) {
            s = lex_name(P, &c);
        } else {
            char buf[16];
            s = fail_at(P, c, "unexpected %s", describe_char(ch, buf, sizeof buf));
        }
    }
    if (s != KG_OK) return s;
    if (single != T_EOF) {
        t->kind = single;
        step(P, &c);
    }
    t->len = c.pos - t->at.pos;
    P->cur = c;
    return KG_OK;
}

static int tok_is_word(const Parser *P, const char *word)
{
    return P->tok.kind == T_WORD && same_word(P->text + P->tok.at.pos, P->tok.len, word);
}

/* ---------------------------------------------------------------- IRIs */

/* The current T_IRI or T_PNAME token as an absolute IRI in P->scratch. */
static KgStatus tok_iri(Parser *P)
{
    KgBuf *out = &P->scratch;
    out->len = 0;
    const char *v = P->val.data ? P->val.data : "";
    if (P->tok.kind == T_IRI) {
        if (kg_iri_has_scheme(v, P->val.len)) return put(P, out, v, P->val.len);
        if (!P->base)
            return fail_at(P, P->tok.at,
                           "relative IRI <%.*s> without a @base to resolve it against",
                           (int)(P->val.len > 64 ? 64 : P->val.len), v);
        if (kg_iri_resolve(P->base, v, P->val.len, out) != KG_OK) return no_memory(P);
        return KG_OK;
    }
    const char *prefix = P->text + P->tok.at.pos;
    size_t n = P->tok.prefix_len;
    for (size_t i = 0; i < P->n_prefixes; i++)
        if (strlen(P->prefixes[i].name) == n && memcmp(P->prefixes[i].name, prefix, n) == 0) {
            if (put(P, out, P->prefixes[i].ns, strlen(P->prefixes[i].ns)) != KG_OK)
                return KG_ERR_NOMEM;
            return put(P, out, v, P->val.len);
        }
    /* not declared in the file: the store's prefixes (rdf, rdfs, xsd, owl always) */
    P->tmp.len = 0;
    if (put(P, &P->tmp, prefix, n + 1) != KG_OK || put(P, &P->tmp, v, P->val.len) != KG_OK)
        return KG_ERR_NOMEM;
    const char *curie = kg_buf_cstr(&P->tmp);
    if (!curie) return no_memory(P);
    KgError e = {0};
    KgStatus s = kg_prefix_expand(P->prog->store, curie, out, &e);
    if (s == KG_ERR_NOT_FOUND)
        return fail_at(P, P->tok.at, "unknown prefix '%.*s:'", (int)(n > 64 ? 64 : n), prefix);
    if (s != KG_OK)
        return kg_error_at(P->err, s, P->name, P->tok.at.line, P->tok.at.col, "%s",
                           kg_error_message(&e));
    return KG_OK;
}

static KgStatus arena_copy(Parser *P, const char *s, size_t n, const char **out)
{
    char *d = kg_arena_strndup(P->prog->arena, s ? s : "", s ? n : 0);
    if (!d) return no_memory(P);
    *out = d;
    return KG_OK;
}

/* ---------------------------------------------------------------- directives */

static KgStatus set_prefix(Parser *P, const char *name, size_t n, const char *ns, size_t ns_len)
{
    char *nsc = kg_strndup(ns, ns_len);
    if (!nsc) return no_memory(P);
    for (size_t i = 0; i < P->n_prefixes; i++)
        if (strlen(P->prefixes[i].name) == n && memcmp(P->prefixes[i].name, name, n) == 0) {
            kg_free(P->prefixes[i].ns);
            P->prefixes[i].ns = nsc;
            return KG_OK;
        }
    if (P->n_prefixes == P->cap_prefixes) {
        size_t cap = P->cap_prefixes ? P->cap_prefixes * 2 : 8;
        Prefix *a = kg_realloc(P->prefixes, cap * sizeof *a);
        if (!a) {
            kg_free(nsc);
            return no_memory(P);
        }
        P->prefixes = a;
        P->cap_prefixes = cap;
    }
    char *namec = kg_strndup(name, n);
    if (!namec) {
        kg_free(nsc);
        return no_memory(P);
    }
    P->prefixes[P->n_prefixes++] = (Prefix){namec, nsc};
    return KG_OK;
}

/* @prefix p: <iri> .  or  PREFIX p: <iri>  (SPARQL's form has no '.') */
static KgStatus parse_prefix(Parser *P, int sparql)
{
    KgStatus s;
    if ((s = lex(P)) != KG_OK) return s;
    if (P->tok.kind != T_PNAME || P->tok.len != P->tok.prefix_len + 1)
        return unexpected(P, "a prefix name such as 'ex:'");
    size_t name_pos = P->tok.at.pos, name_len = P->tok.prefix_len;
    if ((s = lex(P)) != KG_OK) return s;
    if (P->tok.kind != T_IRI) return unexpected(P, "the namespace IRI in angle brackets");
    if ((s = tok_iri(P)) != KG_OK) return s;
    s = set_prefix(P, P->text + name_pos, name_len, P->scratch.data ? P->scratch.data : "",
                   P->scratch.len);
    if (s != KG_OK || (s = lex(P)) != KG_OK) return s;
    if (sparql) return KG_OK;
    if (P->tok.kind != T_DOT) return unexpected(P, "'.' after the @prefix directive");
    return lex(P);
}

static KgStatus parse_base(Parser *P, int sparql)
{
    KgStatus s;
    if ((s = lex(P)) != KG_OK) return s;
    if (P->tok.kind != T_IRI) return unexpected(P, "the base IRI in angle brackets");
    if ((s = tok_iri(P)) != KG_OK) return s;
    char *base = kg_strndup(P->scratch.data ? P->scratch.data : "", P->scratch.len);
    if (!base) return no_memory(P);
    kg_free(P->base);
    P->base = base;
    if ((s = lex(P)) != KG_OK) return s;
    if (sparql) return KG_OK;
    if (P->tok.kind != T_DOT) return unexpected(P, "'.' after the @base directive");
    return lex(P);
}

/* ---------------------------------------------------------------- terms and atoms */

static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) return arr;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *a = kg_realloc(arr, ncap * elem);
    if (a) *cap = ncap;
    return a;
}

static KgStatus var_index(Parser *P, const char *name, size_t n, Cursor at, uint32_t *out)
{
    for (size_t i = 0; i < P->n_vars; i++)
        if (P->vars[i].len == n && memcmp(P->vars[i].name, name, n) == 0) {
            *out = (uint32_t)i;
            return KG_OK;
        }
    if (P->n_vars >= MAX_RULE_VARS)
        return fail_at(P, at, "a rule may have at most %d variables", MAX_RULE_VARS);
    VarRef *v = grow(P->vars, &P->cap_vars, P->n_vars, sizeof *v);
    if (!v) return no_memory(P);
    P->vars = v;
    v[P->n_vars] = (VarRef){name, n};
    *out = (uint32_t)P->n_vars++;
    return KG_OK;
}

enum { AT_SUBJECT, AT_PREDICATE, AT_OBJECT };

/* A term at the current token, which it consumes. */
static KgStatus parse_term(Parser *P, int where, RsTerm *out)
{
    Tok t = P->tok;
    const char *src = P->text + t.at.pos;
    KgStatus s = KG_OK;
    memset(out, 0, sizeof *out);
    switch (t.kind) {
    case T_VAR:
        out->is_var = 1;
        s = var_index(P, src + 1, t.len - 1, t.at, &out->var);
        break;
    case T_IRI:
    case T_PNAME:
        out->term.kind = KG_TERM_IRI;
        if ((s = tok_iri(P)) != KG_OK) return s;
        out->term.lex_len = P->scratch.len;
        s = arena_copy(P, P->scratch.data, P->scratch.len, &out->term.lex);
        break;
    case T_STRING:
        out->term.kind = KG_TERM_LITERAL;
        out->term.lex_len = P->val.len;
        /* copy before the datatype's token replaces P->val */
        if ((s = arena_copy(P, P->val.data, P->val.len, &out->term.lex)) != KG_OK) return s;
        if (P->lang.len && (s = arena_copy(P, P->lang.data, P->lang.len, &out->term.lang)) != KG_OK)
            return s;
        if (t.has_datatype) {
            if ((s = lex(P)) != KG_OK) return s;
            if (P->tok.kind != T_IRI && P->tok.kind != T_PNAME)
                return unexpected(P, "a datatype IRI after '^^'");
            if ((s = tok_iri(P)) != KG_OK) return s;
            if (P->scratch.len != sizeof XSD_STRING - 1 ||
                memcmp(P->scratch.data, XSD_STRING, P->scratch.len) != 0)
                s = arena_copy(P, P->scratch.data, P->scratch.len, &out->term.datatype);
        }
        break;
    case T_NUMBER:
        out->term.kind = KG_TERM_LITERAL;
        out->term.lex_len = t.len;
        out->term.datatype = t.datatype;
        s = arena_copy(P, src, t.len, &out->term.lex);
        break;
    case T_WORD:
        if (tok_is_word(P, "a") && src[0] == 'a') {
            if (where != AT_PREDICATE)
                return fail_at(P, t.at, "'a' (rdf:type) may only stand for a predicate");
            out->term = (KgTerm){KG_TERM_IRI, KG_RDF_TYPE, sizeof KG_RDF_TYPE - 1, NULL, NULL};
        } else if ((t.len == 4 && memcmp(src, "true", 4) == 0) ||
                   (t.len == 5 && memcmp(src, "false", 5) == 0)) {
            out->term = (KgTerm){KG_TERM_LITERAL, src[0] == 't' ? "true" : "false", t.len,
                                 KG_NS_XSD "boolean", NULL};
        } else {
            return unexpected(P, "a term (a variable, an IRI, a prefixed name or a literal)");
        }
        break;
    default: return unexpected(P, "a term (a variable, an IRI, a prefixed name or a literal)");
    }
    if (s != KG_OK) return s;
    if (where == AT_PREDICATE && !out->is_var && out->term.kind != KG_TERM_IRI)
        return fail_at(P, t.at, "a predicate must be an IRI or a variable");
    return lex(P);
}

static KgStatus expect(Parser *P, TokKind kind, const char *what)
{
    return P->tok.kind == kind ? lex(P) : unexpected(P, what);
}

/* [s, p, o], p[s, o] or C[s] (s rdf:type C). */
static KgStatus parse_triple(Parser *P, RsTerm out[3])
{
    KgStatus s;
    if (P->tok.kind == T_LBRACK) {
        if ((s = lex(P)) != KG_OK || (s = parse_term(P, AT_SUBJECT, &out[0])) != KG_OK ||
            (s = expect(P, T_COMMA, "',' after the subject")) != KG_OK ||
            (s = parse_term(P, AT_PREDICATE, &out[1])) != KG_OK ||
            (s = expect(P, T_COMMA, "',' after the predicate")) != KG_OK ||
            (s = parse_term(P, AT_OBJECT, &out[2])) != KG_OK)
            return s;
        return expect(P, T_RBRACK, "']' after the object");
    }
    if (P->tok.kind != T_IRI && P->tok.kind != T_PNAME)
        return unexpected(P, "an atom ('[' or a predicate name)");
    RsTerm pred;
    if ((s = parse_term(P, AT_PREDICATE, &pred)) != KG_OK ||
        (s = expect(P, T_LBRACK, "'[' after the predicate name")) != KG_OK ||
        (s = parse_term(P, AT_SUBJECT, &out[0])) != KG_OK)
        return s;
    if (P->tok.kind == T_COMMA) {
        out[1] = pred;
        if ((s = lex(P)) != KG_OK || (s = parse_term(P, AT_OBJECT, &out[2])) != KG_OK) return s;
        return expect(P, T_RBRACK, "']' after the object");
    }
    memset(&out[1], 0, sizeof out[1]);
    out[1].term = (KgTerm){KG_TERM_IRI, KG_RDF_TYPE, sizeof KG_RDF_TYPE - 1, NULL, NULL};
    out[2] = pred;
    return expect(P, T_RBRACK, "',' or ']' after the subject");
}

/* FILTER(expr) or BIND(expr AS ?v), the current token being the keyword. The expression is
 * kept as text, from its first to its last significant character, for the engine to compile;
 * the scan only balances parentheses outside strings, IRIs and comments, and finds the last
 * top-level AS. */
static KgStatus parse_expression(Parser *P, RsAtom *a, int is_bind)
{
    const char *what = is_bind ? "BIND" : "FILTER";
    const char *t = P->text;
    KgStatus s = lex(P);
    if (s != KG_OK) return s;
    if (P->tok.kind != T_LPAREN) {
        char buf[32];
        snprintf(buf, sizeof buf, "'(' after %s", what);
        return unexpected(P, buf);
    }
    Cursor open = P->tok.at, c = P->cur;
    skip_space(P, &c);
    Cursor start = c, sig_end = c, before_as = c, as_end = c;
    size_t depth = 1;
    int have_as = 0;
    for (;;) {
        if (c.pos >= P->len) return fail_at(P, open, "%s( is never closed: expected ')'", what);
        unsigned char ch = (unsigned char)t[c.pos];
        if (is_space(ch)) {
            step(P, &c);
            continue;
        }
        if (ch == '#') {
            while (c.pos < P->len && t[c.pos] != '\n') step(P, &c);
            continue;
        }
        if (ch == ')' && depth == 1) break;
        Cursor w = c;
        if (ch == '(' || ch == ')') {
            if (ch == '(')
                depth++;
            else
                depth--;
            step(P, &c);
        } else if (ch == '"' || ch == '\'') {
            size_t e = string_end(t, P->len, c.pos);
            if (!e) return fail_at(P, c, "unterminated string in the %s expression", what);
            step_to(P, &c, e);
        } else if (ch == '<') {
            size_t e = iriref_end(t, P->len, c.pos);
            step_to(P, &c, e ? e : c.pos + 1);
        } else if (ch == '?' || ch == '$') {
            step(P, &c);
            while (c.pos < P->len && is_var_char((unsigned char)t[c.pos])) step(P, &c);
        } else if (is_name_char(ch)) {
            while (c.pos < P->len && (is_name_char((unsigned char)t[c.pos]) || t[c.pos] == ':' ||
                                      t[c.pos] == '.'))
                step(P, &c);
            if (is_bind && depth == 1 && same_word(t + w.pos, c.pos - w.pos, "as")) {
                have_as = 1;
                before_as = sig_end;
                as_end = c;
            }
        } else {
            step(P, &c);
        }
        sig_end = c;
    }
    Cursor close = c;
    size_t end = sig_end.pos, v_pos = 0, v_end = 0;
    if (is_bind) {
        if (!have_as) return fail_at(P, close, "expected 'AS ?variable' before ')' in BIND");
        end = before_as.pos;
        c = as_end;
        skip_space(P, &c);
        if (c.pos + 1 >= P->len || (t[c.pos] != '?' && t[c.pos] != '$') ||
            !is_var_char((unsigned char)t[c.pos + 1]))
            return fail_at(P, c, "expected a variable after AS");
        v_pos = c.pos;
        step(P, &c);
        while (c.pos < P->len && is_var_char((unsigned char)t[c.pos])) step(P, &c);
        v_end = c.pos;
        skip_space(P, &c);
        if (c.pos != close.pos) return fail_at(P, c, "expected ')' after the BIND variable");
    }
    if (end <= start.pos) return fail_at(P, start, "expected an expression in %s( )", what);
    char *expr = kg_arena_strndup(P->prog->arena, t + start.pos, end - start.pos);
    if (!expr) return no_memory(P);
    /* the expression's variables, then BIND's own: first appearance order */
    size_t pos = 0, n;
    const char *name;
    uint32_t ignored;
    while (rs_expr_next_var(expr, end - start.pos, &pos, &name, &n))
        if ((s = var_index(P, name, n, start, &ignored)) != KG_OK) return s;
    if (is_bind &&
        (s = var_index(P, t + v_pos + 1, v_end - v_pos - 1, start, &a->bind_var)) != KG_OK)
        return s;
    /* the file's prefixes so far, for the expression's prefixed names */
    const char **pfx = kg_arena_alloc(P->prog->arena, (2 * P->n_prefixes + 1) * sizeof *pfx);
    if (!pfx) return no_memory(P);
    for (size_t i = 0; i < P->n_prefixes; i++) {
        pfx[2 * i] = kg_arena_strndup(P->prog->arena, P->prefixes[i].name, strlen(P->prefixes[i].name));
        pfx[2 * i + 1] = kg_arena_strndup(P->prog->arena, P->prefixes[i].ns, strlen(P->prefixes[i].ns));
        if (!pfx[2 * i] || !pfx[2 * i + 1]) return no_memory(P);
    }
    pfx[2 * P->n_prefixes] = NULL;
    a->prefixes = pfx;
    a->kind = is_bind ? RS_ATOM_BIND : RS_ATOM_FILTER;
    a->expr = expr;
    a->expr_len = end - start.pos;
    a->expr_line = start.line;
    a->expr_col = start.col;
    P->cur = close;
    step(P, &P->cur);
    return lex(P);
}

static KgStatus parse_body_atom(Parser *P)
{
    RsAtom a;
    memset(&a, 0, sizeof a);
    a.line = P->tok.at.line;
    a.col = P->tok.at.col;
    KgStatus s;
    if (P->n_heads + P->n_body >= MAX_RULE_ATOMS)
        return fail_at(P, P->tok.at, "a rule may have at most %d atoms", MAX_RULE_ATOMS);
    if (tok_is_word(P, "not")) {
        a.kind = RS_ATOM_NOT;
        if ((s = lex(P)) != KG_OK) return s;
        if (tok_is_word(P, "exists"))
            return fail_at(P, P->tok.at, "NOT EXISTS is not supported: write NOT followed by "
                                         "one atom");
        s = parse_triple(P, a.t);
    } else if (tok_is_word(P, "filter") || tok_is_word(P, "bind")) {
        s = parse_expression(P, &a, tok_is_word(P, "bind"));
    } else {
        a.kind = RS_ATOM_TRIPLE;
        s = parse_triple(P, a.t);
    }
    if (s != KG_OK) return s;
    RsAtom *body = grow(P->body, &P->cap_body, P->n_body, sizeof *body);
    if (!body) return no_memory(P);
    P->body = body;
    body[P->n_body++] = a;
    return KG_OK;
}

/* ---------------------------------------------------------------- rules */

/* The rule's source from `from` to `to`, comments dropped and each run of white space made
 * one space, strings and IRIs kept as they are. */
static KgStatus rule_text(Parser *P, size_t from, size_t to, const char **out)
{
    const char *t = P->text;
    KgBuf *b = &P->scratch;
    b->len = 0;
    int space = 0;
    size_t i = from;
    while (i < to) {
        char ch = t[i];
        if (is_space((unsigned char)ch)) {
            space = 1;
            i++;
            continue;
        }
        if (ch == '#') {
            while (i < to && t[i] != '\n') i++;
            space = 1;
            continue;
        }
        if (space && b->len && put(P, b, " ", 1) != KG_OK) return KG_ERR_NOMEM;
        space = 0;
        size_t e = i + 1;
        if (ch == '"' || ch == '\'') {
            e = string_end(t, to, i);
            if (!e) e = to;
        } else if (ch == '<') {
            e = iriref_end(t, to, i);
            if (!e) e = i + 1;
        }
        if (put(P, b, t + i, e - i) != KG_OK) return KG_ERR_NOMEM;
        i = e;
    }
    return arena_copy(P, b->data, b->len, out);
}

static KgStatus add_rule(Parser *P, Cursor start, double weight)
{
    RsProgram *p = P->prog;
    KgArena *A = p->arena;
    RsRule r;
    memset(&r, 0, sizeof r);
    r.n_heads = P->n_heads;
    r.n_body = P->n_body;
    r.n_vars = (uint32_t)P->n_vars;
    r.weight = weight;
    r.line = start.line;
    r.col = start.col;
    r.heads = kg_arena_alloc(A, P->n_heads * sizeof *r.heads);
    r.body = kg_arena_alloc(A, P->n_body * sizeof *r.body + 1);
    r.var_names = kg_arena_alloc(A, P->n_vars * sizeof *r.var_names + 1);
    if (!r.heads || !r.body || !r.var_names) return no_memory(P);
    memcpy(r.heads, P->heads, P->n_heads * sizeof *r.heads);
    if (P->n_body) memcpy(r.body, P->body, P->n_body * sizeof *r.body);
    KgStatus s;
    for (size_t i = 0; i < P->n_vars; i++)
        if ((s = arena_copy(P, P->vars[i].name, P->vars[i].len, &r.var_names[i])) != KG_OK)
            return s;
    size_t label_len = strlen(P->name) + 24;
    char *label = kg_arena_alloc(A, label_len);
    if (!label) return no_memory(P);
    snprintf(label, label_len, "%s:%lu", P->name, start.line);
    r.label = label;
    if ((s = arena_copy(P, P->name, strlen(P->name), &r.file)) != KG_OK) return s;
    if ((s = rule_text(P, start.pos, P->cur.pos, &r.text)) != KG_OK) return s;
    if (p->n_rules >= MAX_RULES)
        return fail_at(P, start, "a program may have at most %d rules", MAX_RULES);
    RsRule *rules = grow(p->rules, &p->cap_rules, p->n_rules, sizeof *rules);
    if (!rules) return no_memory(P);
    p->rules = rules;
    rules[p->n_rules++] = r;
    return KG_OK;
}

static KgStatus parse_weight(Parser *P, double *out)
{
    char buf[64];
    size_t n = P->tok.len < sizeof buf - 1 ? P->tok.len : sizeof buf - 1;
    memcpy(buf, P->text + P->tok.at.pos, n);
    buf[n] = '\0';
    double w = strtod(buf, NULL);
    if (!(w > 0 && w <= 1))
        return fail_at(P, P->tok.at, "the weight must be in (0, 1], found %s", buf);
    *out = w;
    KgStatus s = lex(P);
    if (s != KG_OK) return s;
    if (P->tok.kind != T_DCOLON) return unexpected(P, "'::' after the weight");
    return lex(P);
}

/* [W ::] head, ... :- body, ... . */
static KgStatus parse_rule(Parser *P)
{
    Cursor start = P->tok.at;
    double weight = 1;
    KgStatus s;
    P->n_vars = P->n_heads = P->n_body = 0;
    if (P->tok.kind == T_NUMBER && (s = parse_weight(P, &weight)) != KG_OK) return s;
    for (;;) {
        if (P->n_heads >= MAX_RULE_ATOMS)
            return fail_at(P, P->tok.at, "a rule may have at most %d atoms", MAX_RULE_ATOMS);
        RsTerm (*heads)[3] = grow(P->heads, &P->cap_heads, P->n_heads, sizeof *heads);
        if (!heads) return no_memory(P);
        P->heads = heads;
        Cursor at = P->tok.at;
        if (P->tok.kind != T_LBRACK && P->tok.kind != T_IRI && P->tok.kind != T_PNAME)
            return unexpected(P, P->n_heads ? "a head atom ('[' or a predicate name)"
                                            : "a rule's head atom ('[' or a predicate name)");
        if ((s = parse_triple(P, heads[P->n_heads])) != KG_OK) return s;
        if (!heads[P->n_heads][0].is_var && heads[P->n_heads][0].term.kind == KG_TERM_LITERAL)
            return fail_at(P, at, "the subject of a head atom cannot be a literal");
        P->n_heads++;
        if (P->tok.kind == T_COMMA) {
            if ((s = lex(P)) != KG_OK) return s;
            continue;
        }
        if (P->tok.kind == T_IF) break;
        return unexpected(P, "',' or ':-' after a head atom");
    }
    if ((s = lex(P)) != KG_OK) return s;
    for (;;) {
        if ((s = parse_body_atom(P)) != KG_OK) return s;
        if (P->tok.kind == T_COMMA) {
            if ((s = lex(P)) != KG_OK) return s;
            continue;
        }
        if (P->tok.kind == T_DOT) break;
        return unexpected(P, "',' or '.' after a body atom");
    }
    if ((s = add_rule(P, start, weight)) != KG_OK) return s;
    return lex(P);
}

static KgStatus parse_statement(Parser *P)
{
    switch (P->tok.kind) {
    case T_AT_PREFIX: return parse_prefix(P, 0);
    case T_AT_BASE: return parse_base(P, 0);
    case T_LBRACK:
    case T_IRI:
    case T_PNAME:
    case T_NUMBER: return parse_rule(P);
    case T_WORD:
        if (tok_is_word(P, "prefix")) return parse_prefix(P, 1);
        if (tok_is_word(P, "base")) return parse_base(P, 1);
        break;
    default: break;
    }
    return unexpected(P, "a rule, @prefix or @base");
}

KgStatus rs_parse(RsProgram *p, const char *name, const char *text, size_t len, KgError *err)
{
    if (!name) name = "rules";
    if (!text && len) return kg_error_set(err, KG_ERR_ARG, "no rule text");
    Parser P;
    memset(&P, 0, sizeof P);
    P.prog = p;
    P.name = name;
    P.text = text ? text : "";
    P.len = len;
    P.err = err;
    P.cur = (Cursor){0, 1, 1};
    size_t first = p->n_rules;
    KgStatus s = lex(&P);
    while (s == KG_OK && P.tok.kind != T_EOF) s = parse_statement(&P);
    if (s == KG_OK) {
        s = rs_stratify(p, first, err);
        /* rs_stratify names the file from the rule's label; the caller's name lives longer */
        if (s != KG_OK && err && err->file && strcmp(err->file, name) == 0) err->file = name;
    }
    if (s != KG_OK) p->n_rules = first;
    kg_buf_free(&P.val);
    kg_buf_free(&P.lang);
    kg_buf_free(&P.scratch);
    kg_buf_free(&P.tmp);
    for (size_t i = 0; i < P.n_prefixes; i++) {
        kg_free(P.prefixes[i].name);
        kg_free(P.prefixes[i].ns);
    }
    kg_free(P.prefixes);
    kg_free(P.base);
    kg_free(P.vars);
    kg_free(P.heads);
    kg_free(P.body);
    return s;
}
