/* kg/validate.c: the checks raptor2 does not make. raptor2 accepts some input that RDF 1.1
 * forbids (IRIs with spaces or bad characters, \u escapes of UTF-16 surrogates, colons in
 * blank-node labels, malformed language tags); the W3C syntax suites say such files must be
 * rejected, so every term from raptor passes through here. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

/* Bytes an IRI may not hold (RDF 1.1 IRIREF): controls, space and <>"{}|^`\ . */
static int iri_forbidden(unsigned char c)
{
    return c <= 0x20 || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' ||
           c == '^' || c == '`' || c == '\\';
}

static KgStatus bad_utf8(uint32_t cp, const char *what, const char *file, unsigned long line,
                         unsigned long col, KgError *err)
{
    if (cp != UINT32_MAX)
        return kg_error_at(err, KG_ERR_SYNTAX, file, line, col,
                           "%s holds U+%04X, half of a UTF-16 surrogate pair, which is not a "
                           "character (a bad \\u escape?)", what, (unsigned)cp);
    return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "%s is not valid UTF-8", what);
}

KgStatus kg_validate_utf8(const char *s, size_t len, const char *what, const char *file,
                          unsigned long line, unsigned long col, KgError *err)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = kg_utf8_decode(p + i, len - i, &cp);
        if (n == 0) return bad_utf8(cp, what, file, line, col, err);
        i += n;
    }
    return KG_OK;
}

/* PN_CHARS_BASE of the Turtle and N-Triples grammars, beyond ASCII letters. */
static int pn_chars_base(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) ||
           (c >= 0x2070 && c <= 0x218F) || (c >= 0x2C00 && c <= 0x2FEF) ||
           (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

/* PN_CHARS: PN_CHARS_U ('_' included) plus '-', digits and the combining marks. */
static int pn_chars(uint32_t c)
{
    return pn_chars_base(c) || c == '_' || c == '-' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

KgStatus kg_validate_blank(const char *label, size_t len, const char *file, unsigned long line,
                           unsigned long col, KgError *err)
{
    // BLANK_NODE_LABEL: (PN_CHARS_U | [0-9]) ((PN_CHARS | '.')* PN_CHARS)?, where the
    // W3C suites (nt-syntax-bad-bnode-01) read PN_CHARS_U without the ':' of the 2014 text.
    const unsigned char *p = (const unsigned char *)label;
    uint32_t c = 0;
    for (size_t i = 0; i < len;) {
        size_t n = kg_utf8_decode(p + i, len - i, &c);
        if (n == 0) return bad_utf8(c, "a blank-node label", file, line, col, err);
        int ok = i == 0 ? pn_chars_base(c) || c == '_' || (c >= '0' && c <= '9')
                        : pn_chars(c) || (c == '.' && i + n < len);
        if (!ok)
            return kg_error_at(err, KG_ERR_SYNTAX, file, line, col,
                               "character '%.*s' not allowed %s the blank-node label _:%.*s",
                               (int)n, label + i, i == 0 ? "at the start of" : "in",
                               (int)(len > 80 ? 80 : len), label);
        i += n;
    }
    if (len == 0)
        return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "empty blank-node label");
    return KG_OK;
}

KgStatus kg_validate_iri(const char *iri, size_t len, const char *file, unsigned long line,
                         unsigned long col, KgError *err)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)iri[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = kg_utf8_decode((const unsigned char *)iri + i, len - i, &cp);
            if (n == 0) return bad_utf8(cp, "an IRI", file, line, col, err);
            i += n - 1;
            continue;
        }
        if (iri_forbidden(c))
            return kg_error_at(err, KG_ERR_SYNTAX, file, line, col,
                               "character %s%c%s (0x%02X) not allowed in the IRI <%.*s>",
                               c > 0x20 ? "'" : "", c > 0x20 ? c : ' ', c > 0x20 ? "'" : "", c,
                               (int)(len > 80 ? 80 : len), iri);
    }
    // An IRI (after resolution against the base) is absolute: it has a scheme.
    size_t i = 0;
    if (len && isalpha((unsigned char)iri[0])) {
        while (i < len && (isalnum((unsigned char)iri[i]) || strchr("+-.", iri[i]))) i++;
    }
    if (i == 0 || i >= len || iri[i] != ':')
        return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "relative IRI <%.*s> with no base",
                           (int)(len > 80 ? 80 : len), iri);
    return KG_OK;
}

KgStatus kg_validate_lang(const char *lang, size_t len, const char *file, unsigned long line,
                          unsigned long col, KgError *err)
{
    // BCP 47 as the RDF syntaxes write it: [a-zA-Z]+ ('-' [a-zA-Z0-9]+)*
    size_t i = 0, n = 0;
    while (i < len && isalpha((unsigned char)lang[i])) i++, n++;
    if (n == 0) goto bad;
    while (i < len && lang[i] == '-') {
        i++;
        n = 0;
        while (i < len && isalnum((unsigned char)lang[i])) i++, n++;
        if (n == 0) goto bad;
    }
    if (i < len) goto bad;
    return KG_OK;
bad:
    return kg_error_at(err, KG_ERR_SYNTAX, file, line, col, "bad language tag '@%.*s'",
                       (int)(len > 80 ? 80 : len), lang);
}

/* ---------------------------------------------------------------- N-Triples lines */

enum { NT_TEXT, NT_IRI, NT_STRING, NT_ESCAPE, NT_COMMENT };

/* The end of a line: a statement on it must have ended with '.'. */
static KgStatus end_line(KgNtScan *sc, const char *file, KgError *err)
{
    char last = sc->last;
    sc->last = 0;
    sc->state = NT_TEXT;
    if (last && last != '.')
        return kg_error_at(err, KG_ERR_SYNTAX, file, sc->line, sc->last_col + 1,
                           "expected '.' at the end of the statement");
    return KG_OK;
}

KgStatus kg_validate_nt_chunk(KgNtScan *sc, const char *buf, size_t n, int at_end,
                              const char *file, KgError *err)
{
    if (sc->line == 0) sc->line = sc->col = 1;
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (c == '\n' || c == '\r') {
            // A string or IRI cut by the line end is raptor's error to report; CR LF is one
            // line end, as raptor counts lines.
            KgStatus s = end_line(sc, file, err);
            if (s != KG_OK) return s;
            if (c == '\n') sc->line++, sc->col = 1;
            continue;
        }
        int significant = 0;
        switch (sc->state) {
        case NT_TEXT:
            if (c == '#') sc->state = NT_COMMENT;
            else if (c == '<') sc->state = NT_IRI, significant = 1;
            else if (c == '"') sc->state = NT_STRING, significant = 1;
            else significant = c != ' ' && c != '\t';
            break;
        case NT_IRI:
            if (c == '>') sc->state = NT_TEXT, significant = 1;
            break;
        case NT_STRING:
            if (c == '\\') sc->state = NT_ESCAPE;
            else if (c == '"') sc->state = NT_TEXT, significant = 1;
            break;
        case NT_ESCAPE: sc->state = NT_STRING; break;
        default: break; // a comment runs to the line end
        }
        if (significant) sc->last = c, sc->last_col = sc->col;
        // Columns count characters: UTF-8 continuation bytes do not start one.
        if (((unsigned char)c & 0xC0) != 0x80) sc->col++;
    }
    return at_end ? end_line(sc, file, err) : KG_OK;
}

/* The refusal of a language tag past KG_MAX_LANG_TAG bytes, at its '@'. */
static KgStatus tag_too_long(const KgRawScan *sc, const char *file, KgError *err)
{
    return kg_error_at(err, KG_ERR_SYNTAX, file, sc->tag_line, sc->tag_col,
                       "a language tag longer than %d bytes: raptor2, which reads RDF for nous, "
                       "cannot hold one (any '@' followed by that many bytes raptor2 could take "
                       "into a tag counts, in a string or a comment too)", KG_MAX_LANG_TAG);
}

/* The escapes raptor2's N-Triples reader knows (those of strings and of IRIs). It reports any
 * other, or a \u cut short, but then leaves the string it was reading without its end, and
 * goes on reading memory past the line: N-Triples and N-Quads with such an escape are refused
 * before it sees them. Bytes taken into a tag after the backslash: \u and \U take 4 and 8
 * more. */
static int escape_length(char c)
{
    if (c == 'u') return 5;
    if (c == 'U') return 9;
    return c && strchr("\"\\bfnrt<>{}|^`", c) ? 1 : -1;
}

/* One more byte of the run after '@'; 0 when `c` ends it. Turtle's lexer takes [A-Za-z0-9_-]
 * into LANGTAG. raptor2's N-Triples reader takes those, any byte of a non-ASCII character
 * together with as many bytes as its first byte announces (without checking them: "\xC3!" is
 * two bytes of the tag), and escapes (see escape_length). A run ends at the line's end. */
static int tag_takes(KgRawScan *sc, char c)
{
    unsigned char b = (unsigned char)c;
    if (c == '\n' || c == '\r') return 0;
    if (sc->tag_swallow) {
        sc->tag_swallow--;
        return 1;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_')
        return 1;
    if (!sc->ntriples) return 0;
    if (sc->tag_escape) {
        int len = escape_length(c); /* a bad one is refused below */
        sc->tag_escape = 0;
        sc->tag_swallow = len > 1 ? (unsigned)len - 1 : 0;
        return 1;
    }
    if (c == '\\') return sc->tag_escape = 1;
    if (b >= 0x80) {
        sc->tag_swallow = b >= 0xFC ? 5 : b >= 0xF8 ? 4 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
        return 1;
    }
    return 0;
}

/* An escape raptor2's N-Triples reader does not know, `c` after the backslash (0 at the end
 * of the input). */
static KgStatus bad_escape(const KgRawScan *sc, char c, const char *file, KgError *err)
{
    unsigned long col = sc->col > 1 && c ? sc->col - 1 : sc->col;
    if (!c || c == '\n' || c == '\r')
        return kg_error_at(err, KG_ERR_SYNTAX, file, sc->line, col,
                           "a backslash at the end of a line escapes nothing");
    return kg_error_at(err, KG_ERR_SYNTAX, file, sc->line, col,
                       "an escape raptor2 does not know: '\\%c' (it knows \\t \\b \\n \\r \\f "
                       "\\\" \\\\ \\u \\U and, in IRIs, \\< \\> \\{ \\} \\| \\^ \\`)", c);
}

static KgStatus nul_byte(const KgRawScan *sc, const char *file, KgError *err)
{
    return kg_error_at(err, KG_ERR_SYNTAX, file, sc->line, sc->col, "a NUL byte cannot be stored in a term");
}

/* A \u or \U escape without its hex digits (N-Triples: raptor2 would read past the line). */
static KgStatus short_escape(const KgRawScan *sc, const char *file, KgError *err)
{
    return kg_error_at(err, KG_ERR_SYNTAX, file, sc->esc_line, sc->esc_col,
                       "a \\%c escape needs %d hexadecimal digits", sc->esc_letter,
                       sc->esc_letter == 'u' ? 4 : 8);
}

/* The tag run, escapes and NUL escapes of one byte outside a comment line; KG_OK or the error,
 * with *bad_at set. */
static KgStatus scan_byte(KgRawScan *sc, char c, size_t i, size_t *bad_at, const char *file, KgError *err)
{
    if (sc->in_tag) {
        if (!tag_takes(sc, c)) {
            sc->in_tag = 0;
        } else if (++sc->tag_run > KG_MAX_LANG_TAG) {
            // refused at once: raptor2 must not be given any of it
            *bad_at = sc->tag_at;
            return tag_too_long(sc, file, err);
        }
    }
    if (!sc->in_tag && c == '@') {
        sc->in_tag = 1;
        sc->tag_run = 0;
        sc->tag_swallow = 0;
        sc->tag_escape = 0;
        sc->tag_line = sc->line, sc->tag_col = sc->col;
        sc->tag_at = i;
    }
    if (c == '\0') {
        *bad_at = i;
        return nul_byte(sc, file, err);
    }
    if (sc->hex_left > 0) {
        int d = kg_hex_digit((unsigned char)c);
        if (d < 0 && sc->ntriples) {
            *bad_at = sc->esc_at;
            return short_escape(sc, file, err);
        } else if (d < 0) {
            sc->hex_left = 0; /* not an escape: the parser reports it */
        } else {
            sc->value = sc->value * 16 + (uint32_t)d;
            if (--sc->hex_left == 0 && sc->value == 0) {
                *bad_at = sc->esc_at;
                return kg_error_at(err, KG_ERR_SYNTAX, file, sc->esc_line, sc->esc_col,
                                   "a NUL character (\\u0000) cannot be stored in a term");
            }
        }
    }
    if (c != '\\' && sc->backslashes % 2 == 1 && sc->ntriples && escape_length(c) < 0) {
        *bad_at = i > 0 ? i - 1 : 0;
        return bad_escape(sc, c, file, err);
    }
    if (c == '\\') {
        sc->backslashes++;
    } else {
        if ((c == 'u' || c == 'U') && sc->backslashes % 2 == 1 && sc->hex_left == 0) {
            sc->hex_left = c == 'u' ? 4 : 8;
            sc->esc_letter = c;
            sc->value = 0;
            sc->esc_line = sc->line, sc->esc_col = sc->col - 1;
            sc->esc_at = i > 0 ? i - 1 : 0;
        }
        sc->backslashes = 0;
    }
    return KG_OK;
}

KgStatus kg_validate_raw_chunk(KgRawScan *sc, const char *buf, size_t n, size_t *bad_at,
                               const char *file, KgError *err)
{
    if (sc->line == 0) sc->line = sc->col = 1;
    *bad_at = 0;
    KgStatus s = KG_OK;
    for (size_t i = 0; i < n && s == KG_OK; i++) {
        char c = buf[i];
        // N-Triples: raptor2 skips a line whose first non-blank byte is '#' without reading
        // escapes or tags in it (Turtle's long strings can hold such a line: no skipping there).
        if (sc->ntriples && !sc->line_started && c != ' ' && c != '\t') {
            sc->line_started = 1;
            sc->comment_line = c == '#';
        }
        if (!sc->comment_line) {
            s = scan_byte(sc, c, i, bad_at, file, err);
        } else if (c == '\0') {
            *bad_at = i;
            s = nul_byte(sc, file, err);
        }
        if (s != KG_OK) break;
        if (c == '\n' || c == '\r') sc->line_started = sc->comment_line = 0;
        if (c == '\n') sc->line++, sc->col = 1;
        else if (((unsigned char)c & 0xC0) != 0x80) sc->col++;
    }
    // At the end of the input: an escape cut short.
    if (s == KG_OK && n == 0 && sc->ntriples && sc->hex_left > 0)
        s = short_escape(sc, file, err);
    else if (s == KG_OK && n == 0 && sc->ntriples && sc->backslashes % 2 == 1)
        s = bad_escape(sc, 0, file, err);
    if (s != KG_OK) {
        // Nothing from the '@' of an open run on reaches raptor2 either.
        if (sc->in_tag && sc->tag_at < *bad_at) *bad_at = sc->tag_at;
        return s;
    }
    // A run still open goes on in the next chunk: offsets there start again from 0.
    sc->tag_at = 0, sc->esc_at = 0;
    return KG_OK;
}

size_t kg_lang_run_length(const char *s, size_t n)
{
    KgRawScan sc = {0};
    sc.ntriples = 1;
    sc.in_tag = 1;
    size_t i = 0;
    while (i < n && i <= KG_MAX_LANG_TAG && tag_takes(&sc, s[i])) i++;
    return i;
}
