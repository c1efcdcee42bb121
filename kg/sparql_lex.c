/* kg/sparql_lex.c: the SPARQL 1.1 tokenizer (§19.8 of the recommendation). It never reads
 * past `len`, decodes escapes as it scans (so a bad escape is reported where it stands), and
 * leaves every decision that needs context to the parser in kg/sparql_parse.c. Non-ASCII
 * bytes count as name characters; the text as a whole is checked to be UTF-8 first. */
#include "sparql_lex.h"

#include <string.h>

void sp_lex_init(SpLexer *lx, const char *text, size_t len, const char *name, KgError *err)
{
    memset(lx, 0, sizeof *lx);
    lx->text = text;
    lx->len = len;
    lx->line = lx->col = 1;
    lx->name = name;
    lx->err = err;
}

void sp_lex_free(SpLexer *lx) { kg_buf_free(&lx->val); }

/* ------------------------------------------------------------ characters */

static int is_alpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
/* PN_CHARS_BASE, PN_CHARS_U and PN_CHARS, with every non-ASCII byte taken as a letter. */
static int is_base(unsigned char c) { return is_alpha(c) || c >= 0x80; }
static int is_name_u(unsigned char c) { return is_base(c) || c == '_'; }
static int is_name(unsigned char c) { return is_name_u(c) || c == '-' || is_digit(c); }

static int at(const SpLexer *lx, size_t i) /* the byte at off + i, or -1 past the end */
{
    return lx->off + i < lx->len ? (unsigned char)lx->text[lx->off + i] : -1;
}

/* Moves n bytes on, keeping line and column (in characters: continuation bytes don't count). */
static void adv(SpLexer *lx, size_t n)
{
    for (size_t i = 0; i < n && lx->off < lx->len; i++) {
        unsigned char c = (unsigned char)lx->text[lx->off++];
        if (c == '\n') {
            lx->line++;
            lx->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            lx->col++;
        }
    }
}

/* These return their status themselves rather than kg_error_at's and kg_error_set's, so
 * that a reader (or an analyzer) of this file alone sees that an error is never KG_OK. */
static KgStatus lex_error(const SpLexer *lx, unsigned long line, unsigned long col, const char *msg)
{
    kg_error_at(lx->err, KG_ERR_SYNTAX, lx->name, line, col, "%s", msg);
    return KG_ERR_SYNTAX;
}

static KgStatus nomem(const SpLexer *lx)
{
    kg_error_set(lx->err, KG_ERR_NOMEM, "out of memory reading the query");
    return KG_ERR_NOMEM;
}

static KgStatus put(SpLexer *lx, const char *s, size_t n)
{
    return kg_buf_append(&lx->val, s, n) == KG_OK ? KG_OK : nomem(lx);
}

static KgStatus put_utf8(SpLexer *lx, unsigned long cp)
{
    return kg_buf_put_utf8(&lx->val, (uint32_t)cp) == KG_OK ? KG_OK : nomem(lx);
}

/* At a backslash followed by 'u' or 'U': reads the escape (consuming it) into *cp; an error
 * when the hex digits are missing or name no character. */
static KgStatus read_uchar(SpLexer *lx, unsigned long *cp)
{
    unsigned long line = lx->line, col = lx->col;
    size_t n = at(lx, 1) == 'u' ? 4 : 8;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        int c = at(lx, 2 + i);
        if (c < 0 || !is_hex((unsigned char)c))
            return lex_error(lx, line, col,
                             n == 4 ? "\\u must be followed by 4 hexadecimal digits"
                                    : "\\U must be followed by 8 hexadecimal digits");
        v = (v << 4) | (unsigned)kg_hex_digit(c);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return lex_error(lx, line, col, "the escape does not name a character");
    adv(lx, 2 + n);
    *cp = v;
    return KG_OK;
}

/* ------------------------------------------------------------ tokens */

/* IRIREF: '<' ([^<>"{}|^`\]-[#x00-#x20] | UCHAR)* '>'. Returns 1 when the text at off is
 * one (without consuming anything), so that '<' alone is the operator. */
static int looks_like_iri(const SpLexer *lx)
{
    for (size_t i = 1;; i++) {
        int c = at(lx, i);
        if (c < 0) return 0;
        if (c == '>') return 1;
        if (c <= 0x20 || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' ||
            c == '`')
            return 0;
    }
}

static KgStatus read_iri(SpLexer *lx)
{
    adv(lx, 1);
    for (;;) {
        int c = at(lx, 0);
        if (c == '>') break;
        if (c == '\\') {
            unsigned long line = lx->line, col = lx->col, cp;
            if (at(lx, 1) != 'u' && at(lx, 1) != 'U')
                return lex_error(lx, line, col, "only \\u and \\U escapes may appear in an IRI");
            KgStatus s = read_uchar(lx, &cp);
            if (s != KG_OK) return s;
            if (cp <= 0x20 || (cp < 0x80 && strchr("<>\"{}|^`\\", (int)cp)))
                return lex_error(lx, line, col,
                                 "the escape names a character not allowed in an IRI");
            if ((s = put_utf8(lx, cp)) != KG_OK) return s;
            continue;
        }
        size_t start = lx->off;
        while (at(lx, 0) != '>' && at(lx, 0) != '\\')
            adv(lx, 1);
        KgStatus s = put(lx, lx->text + start, lx->off - start);
        if (s != KG_OK) return s;
    }
    adv(lx, 1);
    return KG_OK;
}

static KgStatus read_string(SpLexer *lx, const SpToken *tok)
{
    int q = at(lx, 0);
    int is_long = at(lx, 1) == q && at(lx, 2) == q;
    adv(lx, is_long ? 3 : 1);
    for (;;) {
        int c = at(lx, 0);
        if (c < 0) return lex_error(lx, tok->pos.line, tok->pos.col, "unterminated string");
        if (c == q) {
            if (!is_long) {
                adv(lx, 1);
                return KG_OK;
            }
            if (at(lx, 1) == q && at(lx, 2) == q) {
                adv(lx, 3);
                return KG_OK;
            }
        }
        if (!is_long && (c == '\n' || c == '\r'))
            return lex_error(
                lx, lx->line, lx->col,
                "line break in a string (write \\n, or use a \"\"\"long string\"\"\")");
        if (c != '\\') {
            char ch = (char)c;
            KgStatus s = put(lx, &ch, 1);
            if (s != KG_OK) return s;
            adv(lx, 1);
            continue;
        }
        int e = at(lx, 1);
        const char *plain = NULL;
        switch (e) {
        case 't': plain = "\t"; break;
        case 'b': plain = "\b"; break;
        case 'n': plain = "\n"; break;
        case 'r': plain = "\r"; break;
        case 'f': plain = "\f"; break;
        case '"': plain = "\""; break;
        case '\'': plain = "'"; break;
        case '\\': plain = "\\"; break;
        case 'u':
        case 'U': {
            unsigned long cp;
            KgStatus s = read_uchar(lx, &cp);
            if (s == KG_OK) s = put_utf8(lx, cp);
            if (s != KG_OK) return s;
            continue;
        }
        default: return lex_error(lx, lx->line, lx->col, "invalid escape in a string");
        }
        KgStatus s = put(lx, plain, 1);
        if (s != KG_OK) return s;
        adv(lx, 2);
    }
}

/* PLX of a local name at off: "%hh" or "\c"; returns its length, 0 when it is not one. */
static size_t plx_len(const SpLexer *lx)
{
    int c = at(lx, 0);
    if (c == '%') {
        int h1 = at(lx, 1), h2 = at(lx, 2);
        return h1 >= 0 && h2 >= 0 && is_hex((unsigned char)h1) && is_hex((unsigned char)h2) ? 3 : 0;
    }
    if (c == '\\') {
        int e = at(lx, 1);
        return e > 0 && strchr("_~.-!$&'()*+,;=/?#@%", e) ? 2 : 0;
    }
    return 0;
}

/* PN_LOCAL after the ':' (possibly empty); the value gets it with '\' escapes removed ("%hh"
 * stays as written, as the recommendation says). A trailing '.' is not part of it. */
static KgStatus read_local(SpLexer *lx)
{
    size_t good_off = lx->off, good_val = lx->val.len;
    unsigned long good_line = lx->line, good_col = lx->col;
    for (int first = 1;; first = 0) {
        int c = at(lx, 0);
        if (c < 0) break;
        unsigned char u = (unsigned char)c;
        if (c == '%' || c == '\\') {
            size_t n = plx_len(lx);
            if (!n)
                return lex_error(
                    lx, lx->line, lx->col,
                    c == '%' ? "'%' in a prefixed name must be followed by 2 hexadecimal digits"
                             : "invalid escape in a prefixed name");
            KgStatus s =
                n == 3 ? put(lx, lx->text + lx->off, 3) : put(lx, lx->text + lx->off + 1, 1);
            if (s != KG_OK) return s;
            adv(lx, n);
        } else if (is_name(u) || c == ':' || (c == '.' && !first)) {
            if (first && c == '-') break;
            char ch = (char)c;
            KgStatus s = put(lx, &ch, 1);
            if (s != KG_OK) return s;
            adv(lx, 1);
            if (c == '.') continue;
        } else {
            break;
        }
        good_off = lx->off;
        good_val = lx->val.len;
        good_line = lx->line;
        good_col = lx->col;
    }
    // Give back trailing dots: "ex:o." is ex:o and the end of a triple.
    lx->off = good_off;
    lx->val.len = good_val;
    lx->line = good_line;
    lx->col = good_col;
    return KG_OK;
}

/* A number at off (a sign first when `signed_`): INTEGER, DECIMAL or DOUBLE. */
static void read_number(SpLexer *lx, SpToken *tok, int signed_)
{
    size_t i = signed_ ? 1 : 0;
    int kind = SP_TK_INTEGER;
    while (at(lx, i) >= 0 && is_digit((unsigned char)at(lx, i)))
        i++;
    size_t n_int = i - (signed_ ? 1 : 0);
    if (at(lx, i) == '.' && at(lx, i + 1) >= 0 && is_digit((unsigned char)at(lx, i + 1))) {
        i++;
        while (at(lx, i) >= 0 && is_digit((unsigned char)at(lx, i)))
            i++;
        kind = SP_TK_DECIMAL;
    }
    // An exponent, possibly after a bare '.' ("1.e5"), makes a DOUBLE.
    size_t e = i;
    if (kind == SP_TK_INTEGER && n_int && at(lx, e) == '.') e++;
    if (at(lx, e) == 'e' || at(lx, e) == 'E') {
        size_t j = e + 1;
        if (at(lx, j) == '+' || at(lx, j) == '-') j++;
        if (at(lx, j) >= 0 && is_digit((unsigned char)at(lx, j))) {
            while (at(lx, j) >= 0 && is_digit((unsigned char)at(lx, j)))
                j++;
            i = j;
            kind = SP_TK_DOUBLE;
        }
    }
    tok->kind = kind;
    adv(lx, i);
}

static KgStatus read_var(SpLexer *lx)
{
    adv(lx, 1);
    size_t start = lx->off;
    while (at(lx, 0) >= 0 &&
           (is_name_u((unsigned char)at(lx, 0)) || is_digit((unsigned char)at(lx, 0))))
        adv(lx, 1);
    return put(lx, lx->text + start, lx->off - start);
}

static KgStatus read_blank(SpLexer *lx, const SpToken *tok)
{
    adv(lx, 2);
    int c = at(lx, 0);
    if (c < 0 || !(is_name_u((unsigned char)c) || is_digit((unsigned char)c)))
        return lex_error(lx, tok->pos.line, tok->pos.col, "expected a blank-node label after '_:'");
    size_t start = lx->off, end = lx->off;
    unsigned long line = lx->line, col = lx->col;
    for (;;) {
        c = at(lx, 0);
        if (c < 0 || !(is_name((unsigned char)c) || c == '.')) break;
        adv(lx, 1);
        if (c != '.') {
            end = lx->off;
            line = lx->line;
            col = lx->col;
        }
    }
    lx->off = end;
    lx->line = line;
    lx->col = col;
    return put(lx, lx->text + start, end - start);
}

static KgStatus read_langtag(SpLexer *lx, const SpToken *tok)
{
    adv(lx, 1);
    size_t start = lx->off;
    if (at(lx, 0) < 0 || !is_alpha((unsigned char)at(lx, 0)))
        return lex_error(lx, tok->pos.line, tok->pos.col, "expected a language tag after '@'");
    while (at(lx, 0) >= 0 && is_alpha((unsigned char)at(lx, 0)))
        adv(lx, 1);
    while (at(lx, 0) == '-' && at(lx, 1) >= 0 &&
           (is_alpha((unsigned char)at(lx, 1)) || is_digit((unsigned char)at(lx, 1)))) {
        adv(lx, 1);
        while (at(lx, 0) >= 0 &&
               (is_alpha((unsigned char)at(lx, 0)) || is_digit((unsigned char)at(lx, 0))))
            adv(lx, 1);
    }
    for (size_t i = start; i < lx->off; i++) {
        char c = lx->text[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + ('a' - 'A'));
        KgStatus s = put(lx, &c, 1);
        if (s != KG_OK) return s;
    }
    return KG_OK;
}

/* A prefixed name, or else a bare word (keywords and function names). */
static KgStatus read_name(SpLexer *lx, SpToken *tok)
{
    size_t i = 0;
    if (at(lx, 0) != ':') {
        i = 1;
        while (at(lx, i) >= 0 && (is_name((unsigned char)at(lx, i)) || at(lx, i) == '.'))
            i++;
    }
    if (at(lx, i) == ':' && (i == 0 || at(lx, i - 1) != '.')) {
        tok->kind = SP_TK_PNAME;
        tok->prefix_len = i;
        adv(lx, i + 1);
        return read_local(lx);
    }
    i = 1;
    while (at(lx, i) >= 0 && is_name((unsigned char)at(lx, i)))
        i++;
    tok->kind = SP_TK_WORD;
    adv(lx, i);
    return KG_OK;
}

static void skip_space(SpLexer *lx)
{
    for (;;) {
        int c = at(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            adv(lx, 1);
        } else if (c == '#') {
            while (at(lx, 0) >= 0 && at(lx, 0) != '\n' && at(lx, 0) != '\r')
                adv(lx, 1);
        } else {
            return;
        }
    }
}

static KgStatus unexpected_char(const SpLexer *lx)
{
    char msg[64];
    unsigned char c = (unsigned char)lx->text[lx->off];
    if (c > 0x20 && c < 0x7f)
        snprintf(msg, sizeof msg, "unexpected character '%c'", c);
    else
        snprintf(msg, sizeof msg, "unexpected byte 0x%02X", c);
    return lex_error(lx, lx->line, lx->col, msg);
}

KgStatus sp_lex_next(SpLexer *lx, SpToken *tok)
{
    skip_space(lx);
    lx->val.len = 0;
    memset(tok, 0, sizeof *tok);
    tok->off = lx->off;
    tok->pos.line = lx->line;
    tok->pos.col = lx->col;
    KgStatus s = KG_OK;
    int c = at(lx, 0), c1 = at(lx, 1);
    int digit1 = c1 >= 0 && is_digit((unsigned char)c1);
    if (c < 0) {
        tok->kind = SP_TK_EOF;
        return KG_OK;
    }
    if (is_digit((unsigned char)c) || (c == '.' && digit1)) {
        read_number(lx, tok, 0);
    } else if ((c == '+' || c == '-') &&
               (digit1 || (c1 == '.' && at(lx, 2) >= 0 && is_digit((unsigned char)at(lx, 2))))) {
        read_number(lx, tok, 1);
    } else if (c == '<' && looks_like_iri(lx)) {
        tok->kind = SP_TK_IRI;
        s = read_iri(lx);
    } else if (c == '"' || c == '\'') {
        tok->kind = SP_TK_STRING;
        s = read_string(lx, tok);
    } else if ((c == '?' || c == '$') && c1 >= 0 &&
               (is_name_u((unsigned char)c1) || is_digit((unsigned char)c1))) {
        tok->kind = SP_TK_VAR;
        s = read_var(lx);
    } else if (c == '$') {
        return lex_error(lx, lx->line, lx->col, "expected a variable name after '$'");
    } else if (c == '_' && c1 == ':') {
        tok->kind = SP_TK_BLANK;
        s = read_blank(lx, tok);
    } else if (c == '@') {
        tok->kind = SP_TK_LANGTAG;
        s = read_langtag(lx, tok);
    } else if (c == ':' || is_base((unsigned char)c)) {
        s = read_name(lx, tok);
    } else {
        static const struct {
            char a, b;
            int kind;
        } pairs[] = {{'&', '&', SP_TK_AND}, {'|', '|', SP_TK_OR}, {'!', '=', SP_TK_NE},
                     {'<', '=', SP_TK_LE},  {'>', '=', SP_TK_GE}, {'^', '^', SP_TK_DTYPE}};
        for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++)
            if (c == pairs[i].a && c1 == pairs[i].b) {
                tok->kind = pairs[i].kind;
                adv(lx, 2);
                break;
            }
        if (tok->kind == SP_TK_EOF) {
            if (!strchr("{}()[].,;*/+-=!<>|^?", c) || c == 0) return unexpected_char(lx);
            tok->kind = c;
            adv(lx, 1);
        }
    }
    tok->len = lx->off - tok->off;
    return s;
}

KgStatus sp_lex_check_utf8(const char *text, size_t len, const char *name, KgError *err)
{
    unsigned long line = 1, col = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x80) {
            if (c == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            i++;
            continue;
        }
        size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (n > len - i) n = len - i;
        KgStatus s = kg_validate_utf8(text + i, n, "the query", name, line, col, err);
        if (s != KG_OK) return s;
        i += n;
        col++;
    }
    return KG_OK;
}
