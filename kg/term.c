/* kg/term.c: terms as text. Writing a term in N-Triples syntax (escaped so that the output
 * always reads back) or short form (CURIEs, bare numbers), and reading a term as a user types
 * it on the command line or in the shell. */
#include "internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Which bytes need an escape: bit 1 in an IRI (<...>), bit 2 in a string ("..."). Query
 * output writes every term through here, so the common case is one lookup per byte. */
static const unsigned char escape_class[256] = {
    [0x00] = 3, [0x01] = 3, [0x02] = 3, [0x03] = 3, [0x04] = 3, [0x05] = 3, [0x06] = 3,
    [0x07] = 3, [0x08] = 3, [0x09] = 3, [0x0a] = 3, [0x0b] = 3, [0x0c] = 3, [0x0d] = 3,
    [0x0e] = 3, [0x0f] = 3, [0x10] = 3, [0x11] = 3, [0x12] = 3, [0x13] = 3, [0x14] = 3,
    [0x15] = 3, [0x16] = 3, [0x17] = 3, [0x18] = 3, [0x19] = 3, [0x1a] = 3, [0x1b] = 3,
    [0x1c] = 3, [0x1d] = 3, [0x1e] = 3, [0x1f] = 3, [0x20] = 1, [0x22] = 3, [0x3c] = 1,
    [0x3e] = 1, [0x5c] = 3, [0x5e] = 1, [0x60] = 1, [0x7b] = 1, [0x7c] = 1, [0x7d] = 1,
    [0x7f] = 2,
};

/* Appends s[0..n) with the escapes of an N-Triples IRI (<...>) or string ("..."). */
static KgStatus write_escaped_plain(KgBuf *b, const char *s, size_t n, int in_iri)
{
    size_t start = 0;
    KgStatus st = KG_OK;
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(escape_class[c] & (in_iri ? 1 : 2))) continue;
        const char *esc = NULL;
        char ubuf[11];
        if (!in_iri) {
            switch (c) {
            case '\\': esc = "\\\\"; break;
            case '"': esc = "\\\""; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            default: break;
            }
        }
        if (!esc) {
            snprintf(ubuf, sizeof ubuf, "\\u%04X", c);
            esc = ubuf;
        }
        st = kg_buf_append(b, s + start, i - start);
        if (st == KG_OK) st = kg_buf_puts(b, esc);
        start = i + 1;
    }
    if (st == KG_OK) st = kg_buf_append(b, s + start, n - start);
    return st;
}

/* Rewrites each '@' of b->data[from..] that the loaders would take for the start of a language
 * tag longer than raptor2 can hold (kg/validate.c) as \u0040, which reads back as '@': a
 * string or IRI holding "@" and 300 letters then loads back from the store's own export. */
static KgStatus escape_long_tag_runs(KgBuf *b, size_t from)
{
    if (b->len <= from || !memchr(b->data + from, '@', b->len - from)) return KG_OK;
    // From the right: a "\u0040" written for a later '@' is part of an earlier one's run.
    for (size_t p = b->len; p-- > from;) {
        if (b->data[p] != '@' || kg_lang_run_length(b->data + p + 1, b->len - p - 1) <= KG_MAX_LANG_TAG)
            continue;
        size_t tail = b->len - p - 1;
        if (kg_buf_append(b, "u0040", 5) != KG_OK) return KG_ERR_NOMEM; /* room for 5 more */
        memmove(b->data + p + 6, b->data + p + 1, tail);
        memcpy(b->data + p, "\\u0040", 6);
    }
    return KG_OK;
}

/* Appends s[0..n) escaped for an N-Triples IRI (<...>) or string ("..."). */
static KgStatus write_escaped(KgBuf *b, const char *s, size_t n, int in_iri)
{
    size_t from = b->len;
    KgStatus st = write_escaped_plain(b, s, n, in_iri);
    return st == KG_OK ? escape_long_tag_runs(b, from) : st;
}

static KgStatus write_iri(KgBuf *b, const char *iri)
{
    KgStatus s = kg_buf_append(b, "<", 1);
    if (s == KG_OK) s = write_escaped(b, iri, strlen(iri), 1);
    if (s == KG_OK) s = kg_buf_append(b, ">", 1);
    return s;
}

/* Blank-node labels are written with only the characters every syntax accepts: letters,
 * digits and '_' as they are, anything else as -XX (so distinct labels stay distinct). */
static KgStatus write_blank(KgBuf *b, const char *label, size_t n)
{
    KgStatus s = kg_buf_puts(b, "_:");
    if (s == KG_OK && (n == 0 || !(isalnum((unsigned char)label[0]) || label[0] == '_')))
        s = kg_buf_puts(b, "b");
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        unsigned char c = (unsigned char)label[i];
        if (isalnum(c) || c == '_')
            s = kg_buf_append(b, label + i, 1);
        else
            s = kg_buf_printf(b, "-%02X", c);
    }
    return s;
}

static KgStatus write_string(KgBuf *b, const KgTerm *t)
{
    KgStatus s = kg_buf_append(b, "\"", 1);
    if (s == KG_OK) s = write_escaped(b, t->lex, t->lex_len, 0);
    if (s == KG_OK) s = kg_buf_append(b, "\"", 1);
    return s;
}

KgStatus kg_term_write_nt(const KgTerm *t, KgBuf *b)
{
    switch (t->kind) {
    case KG_TERM_IRI: return write_iri(b, t->lex);
    case KG_TERM_BLANK: return write_blank(b, t->lex, t->lex_len);
    case KG_TERM_LITERAL: {
        KgStatus s = write_string(b, t);
        if (s == KG_OK && t->lang) s = kg_buf_printf(b, "@%s", t->lang);
        if (s == KG_OK && t->datatype) {
            s = kg_buf_puts(b, "^^");
            if (s == KG_OK) s = write_iri(b, t->datatype);
        }
        return s;
    }
    }
    return KG_ERR_INTERNAL;
}

static KgStatus write_iri_short(KgStore *store, KgBuf *b, const char *iri)
{
    const char *prefix;
    size_t off;
    if (kg_prefix_shorten(store, iri, &prefix, &off)) return kg_buf_printf(b, "%s:%s", prefix, iri + off);
    return write_iri(b, iri);
}

/* A lexical form that a Turtle reader would read back as the same number unquoted. */
static int bare_number(const char *dt, const char *lex)
{
    const char *p = lex;
    if (strcmp(dt, KG_NS_XSD "integer") == 0) {
        if (*p == '+' || *p == '-') p++;
        if (!*p) return 0;
        for (; *p; p++)
            if (!isdigit((unsigned char)*p)) return 0;
        return 1;
    }
    if (strcmp(dt, KG_NS_XSD "decimal") == 0) {
        int dot = 0, digits_after = 0;
        if (*p == '+' || *p == '-') p++;
        for (; *p; p++) {
            if (*p == '.' && !dot)
                dot = 1;
            else if (isdigit((unsigned char)*p))
                digits_after += dot;
            else
                return 0;
        }
        return dot && digits_after;
    }
    if (strcmp(dt, KG_NS_XSD "boolean") == 0) return !strcmp(lex, "true") || !strcmp(lex, "false");
    return 0;
}

KgStatus kg_term_write_short(KgStore *store, const KgTerm *t, KgBuf *b)
{
    switch (t->kind) {
    case KG_TERM_IRI: return write_iri_short(store, b, t->lex);
    case KG_TERM_BLANK: return write_blank(b, t->lex, t->lex_len);
    case KG_TERM_LITERAL:
        if (t->datatype && strlen(t->lex) == t->lex_len && bare_number(t->datatype, t->lex))
            return kg_buf_append(b, t->lex, t->lex_len);
        {
            KgStatus s = write_string(b, t);
            if (s == KG_OK && t->lang) s = kg_buf_printf(b, "@%s", t->lang);
            if (s == KG_OK && t->datatype) {
                s = kg_buf_puts(b, "^^");
                if (s == KG_OK) s = write_iri_short(store, b, t->datatype);
            }
            return s;
        }
    }
    return KG_ERR_INTERNAL;
}

KgStatus kg_term_write_id(KgStore *store, KgTermId id, int shorten, KgBuf *buf, KgError *err)
{
    KgTerm t;
    KgStatus s = kg_dict_get(store, id, &t, err);
    if (s != KG_OK) return s;
    s = shorten ? kg_term_write_short(store, &t, buf) : kg_term_write_nt(&t, buf);
    if (s != KG_OK) return kg_error_set(err, s, "out of memory writing a term");
    return KG_OK;
}

/* ------------------------------------------------------------ reading a term */

/* Reads a quoted string starting at *p (the quote), unescaping into b; *p ends after it. */
static KgStatus read_quoted(const char **pp, KgBuf *b, const char *text, KgError *err)
{
    const char *p = *pp;
    char q = *p++;
    KgStatus s = KG_OK;
    while (*p && *p != q && s == KG_OK) {
        if (*p != '\\') {
            s = kg_buf_append(b, p++, 1);
            continue;
        }
        p++;
        char e = *p++;
        switch (e) {
        case 'n': s = kg_buf_append(b, "\n", 1); break;
        case 't': s = kg_buf_append(b, "\t", 1); break;
        case 'r': s = kg_buf_append(b, "\r", 1); break;
        case 'b': s = kg_buf_append(b, "\b", 1); break;
        case 'f': s = kg_buf_append(b, "\f", 1); break;
        case '"': case '\'': case '\\': s = kg_buf_append(b, &e, 1); break;
        case 'u': case 'U': {
            int n = e == 'u' ? 4 : 8;
            unsigned long cp = 0;
            for (int i = 0; i < n; i++) {
                int h = kg_hex_digit((unsigned char)p[i]);
                if (h < 0)
                    return kg_error_set(err, KG_ERR_ARG, "bad \\%c escape in %s", e, text);
                cp = cp * 16 + (unsigned long)h;
            }
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return kg_error_set(err, KG_ERR_ARG, "bad code point U+%lX in %s", cp, text);
            p += n;
            s = kg_buf_put_utf8(b, (uint32_t)cp);
            break;
        }
        default:
            return kg_error_set(err, KG_ERR_ARG, "unknown escape '\\%c' in %s", e ? e : '0', text);
        }
    }
    if (s != KG_OK) return kg_error_set(err, s, "out of memory reading %s", text);
    if (*p != q) return kg_error_set(err, KG_ERR_ARG, "unterminated string in %s", text);
    *pp = p + 1;
    return KG_OK;
}

static int is_number(const char *s, const char **dt)
{
    const char *p = s;
    int digits = 0, dot = 0, exp = 0;
    if (*p == '+' || *p == '-') p++;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (*p == '.' && !dot && !exp)
            dot = 1;
        else if ((*p == 'e' || *p == 'E') && digits && !exp) {
            exp = 1;
            if (p[1] == '+' || p[1] == '-') p++;
            if (!isdigit((unsigned char)p[1])) return 0;
        } else
            return 0;
    }
    if (!digits) return 0;
    *dt = exp ? KG_NS_XSD "double" : dot ? KG_NS_XSD "decimal" : KG_NS_XSD "integer";
    return 1;
}

static KgStatus read_iri_or_curie(KgStore *store, const char **pp, KgBuf *b, const char *text,
                                  KgError *err)
{
    const char *p = *pp;
    if (*p == '<') {
        const char *end = strchr(p, '>');
        if (!end) return kg_error_set(err, KG_ERR_ARG, "missing '>' in %s", text);
        KgStatus s = kg_buf_append(b, p + 1, (size_t)(end - p - 1));
        if (s != KG_OK) return kg_error_set(err, s, "out of memory");
        *pp = end + 1;
        return KG_OK;
    }
    KgStatus s = kg_prefix_expand(store, p, b, err);
    if (s == KG_OK) *pp = p + strlen(p);
    return s;
}

KgStatus kg_term_parse(KgStore *store, const char *text, KgArena *arena, KgTerm *out,
                       KgError *err)
{
    memset(out, 0, sizeof *out);
    KgBuf lex = {0}, dt = {0};
    KgStatus s = KG_OK;
    const char *p = text;
    const char *dt_const = NULL;
    const char *lang = NULL;
    if (!*text) {
        s = kg_error_set(err, KG_ERR_ARG, "empty term");
        goto out;
    }
    if (strcmp(text, "a") == 0) {
        out->kind = KG_TERM_IRI;
        dt_const = NULL;
        s = kg_buf_puts(&lex, KG_RDF_TYPE);
    } else if (text[0] == '_' && text[1] == ':') {
        out->kind = KG_TERM_BLANK;
        s = kg_buf_puts(&lex, text + 2);
    } else if (text[0] == '"' || text[0] == '\'') {
        out->kind = KG_TERM_LITERAL;
        if ((s = read_quoted(&p, &lex, text, err)) != KG_OK) goto out;
        if (*p == '@') {
            lang = p + 1;
            if (!*lang) {
                s = kg_error_set(err, KG_ERR_ARG, "empty language tag in %s", text);
                goto out;
            }
        } else if (p[0] == '^' && p[1] == '^') {
            p += 2;
            if ((s = read_iri_or_curie(store, &p, &dt, text, err)) != KG_OK) goto out;
            if (*p) {
                s = kg_error_set(err, KG_ERR_ARG, "unexpected '%s' after %s", p, text);
                goto out;
            }
        } else if (*p) {
            s = kg_error_set(err, KG_ERR_ARG, "unexpected '%s' after the string in %s", p, text);
            goto out;
        }
    } else if (is_number(text, &dt_const)) {
        out->kind = KG_TERM_LITERAL;
        s = kg_buf_puts(&lex, text);
    } else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        out->kind = KG_TERM_LITERAL;
        dt_const = KG_NS_XSD "boolean";
        s = kg_buf_puts(&lex, text);
    } else if (text[0] == '<' || strchr(text, ':')) {
        out->kind = KG_TERM_IRI;
        if ((s = read_iri_or_curie(store, &p, &lex, text, err)) != KG_OK) goto out;
        if (*p) {
            s = kg_error_set(err, KG_ERR_ARG, "unexpected '%s' after the IRI in %s", p, text);
            goto out;
        }
    } else {
        s = kg_error_set(err, KG_ERR_ARG,
                         "cannot read the term '%s': write <IRI>, prefix:name, \"literal\", a "
                         "number, _:blank or ?",
                         text);
        goto out;
    }
    if (s != KG_OK) {
        s = kg_error_set(err, s, "out of memory reading %s", text);
        goto out;
    }
    out->lex_len = lex.len;
    out->lex = kg_arena_strndup(arena, lex.data ? lex.data : "", lex.len);
    if (dt.len) out->datatype = kg_arena_strndup(arena, dt.data, dt.len);
    else if (dt_const) out->datatype = dt_const;
    if (lang) out->lang = kg_arena_strndup(arena, lang, strlen(lang));
    if (!out->lex || (dt.len && !out->datatype) || (lang && !out->lang))
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", text);
out:
    kg_buf_free(&lex);
    kg_buf_free(&dt);
    return s;
}
