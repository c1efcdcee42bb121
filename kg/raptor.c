/* kg/raptor.c: the RDF syntaxes (N-Triples, Turtle, N-Quads, TriG, RDF/XML) through raptor2.
 * raptor parses; this file copies each term into the dictionary inside the callback (raptor's
 * terms are never kept), records the first error with its line and column, and adds the
 * strict checks of kg/validate.c for what raptor2 lets through. */
#include "internal.h"

#include <raptor2.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    KgLoadCtx *lc;
    raptor_parser *parser;
    KgError *err;
    KgStatus status; /* first failure; parsing is aborted on it */
} RaptorCtx;

static const char *parser_name(KgFormat f)
{
    switch (f) {
    case KG_FMT_NTRIPLES: return "ntriples";
    case KG_FMT_TURTLE: return "turtle";
    case KG_FMT_NQUADS: return "nquads";
    case KG_FMT_TRIG: return "trig";
    case KG_FMT_RDFXML: return "rdfxml";
    default: return NULL;
    }
}

static void locate(RaptorCtx *rc, unsigned long *line, unsigned long *col)
{
    raptor_locator *loc = raptor_parser_get_locator(rc->parser);
    *line = loc && loc->line > 0 ? (unsigned long)loc->line : 0;
    *col = loc && loc->column > 0 ? (unsigned long)loc->column : 0;
}

/* Where a term is checked: raptor's locator is then past the statement's end, so its column
 * would not point at the term; only the line is given. */
static void locate_term(RaptorCtx *rc, unsigned long *line, unsigned long *col)
{
    locate(rc, line, col);
    *col = 0;
}

static void fail(RaptorCtx *rc, KgStatus st)
{
    if (rc->status == KG_OK) rc->status = st;
    raptor_parser_parse_abort(rc->parser);
}

/* raptor2 only warns about rdf:aboutEach and rdf:aboutEachPrefix, which RDF 1.1 removed
 * from RDF/XML (rdfms-abouteach-error001/002 must be rejected), and skips the element. */
static int warning_is_error(const raptor_log_message *m)
{
    return m->level == RAPTOR_LOG_LEVEL_WARN && m->text &&
           strstr(m->text, "aboutEach") != NULL;
}

void kg_raptor_message(char *out, size_t cap, const char *text)
{
    snprintf(out, cap, "%s", text);
    // raptor's messages sometimes end with a newline or a space; keep ours tidy.
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = '\0';
}

static void on_log(void *user, raptor_log_message *m)
{
    RaptorCtx *rc = user;
    if ((m->level < RAPTOR_LOG_LEVEL_ERROR && !warning_is_error(m)) || rc->status != KG_OK)
        return;
    unsigned long line = m->locator && m->locator->line > 0 ? (unsigned long)m->locator->line : 0;
    unsigned long col = m->locator && m->locator->column > 0 ? (unsigned long)m->locator->column : 0;
    // Some Turtle errors (an undeclared prefix) come without a locator; the parser's own
    // locator still knows the line.
    if (line == 0 && rc->parser) locate(rc, &line, &col);
    char text[200];
    kg_raptor_message(text, sizeof text,
                      warning_is_error(m) ? "rdf:aboutEach and rdf:aboutEachPrefix were removed from RDF"
                      : m->text           ? m->text
                                          : "syntax error");
    kg_error_at(rc->err, KG_ERR_SYNTAX, rc->lc->name, line, col, "%s", text);
    fail(rc, KG_ERR_SYNTAX);
}

/* A term longer than KG_MAX_TERM_BYTES is refused where it is. */
static KgStatus check_length(RaptorCtx *rc, const char *what, size_t len)
{
    if (len <= KG_MAX_TERM_BYTES) return KG_OK;
    unsigned long line, col;
    locate_term(rc, &line, &col);
    return kg_error_at(rc->err, KG_ERR_SYNTAX, rc->lc->name, line, col, "%s of %zu bytes: a term is at most %zu MiB",
                       what, len, KG_MAX_TERM_BYTES >> 20);
}

/* Interns one term of a statement; `is_last` tells that it ends the statement. */
static KgStatus intern_term(RaptorCtx *rc, raptor_term *t, int is_last, KgTermId *out)
{
    KgLoadCtx *lc = rc->lc;
    unsigned long line, col;
    switch (t->type) {
    case RAPTOR_TERM_TYPE_URI: {
        size_t len;
        const char *iri = (const char *)raptor_uri_as_counted_string(t->value.uri, &len);
        if (check_length(rc, "an IRI", len) != KG_OK) return KG_ERR_SYNTAX;
        locate_term(rc, &line, &col);
        KgStatus s = kg_validate_iri(iri, len, lc->name, line, col, rc->err);
        if (s != KG_OK) return s;
        KgTerm k = {KG_TERM_IRI, iri, len, NULL, NULL};
        return kg_dict_intern(lc->store, &k, out, rc->err);
    }
    case RAPTOR_TERM_TYPE_BLANK: {
        const char *label = (const char *)t->value.blank.string;
        size_t len = t->value.blank.string_len;
        // raptor2's N-Triples and N-Quads readers take the final '.' of "_:o." into the
        // label; a label never ends with '.', so that dot is the statement's end.
        if (is_last && len > 1 && label[len - 1] == '.' &&
            (lc->format == KG_FMT_NTRIPLES || lc->format == KG_FMT_NQUADS))
            len--;
        // RDF/XML's rdf:nodeID is an XML NCName, which its parser checks; the text syntaxes
        // pass their labels through unchecked.
        if (lc->format != KG_FMT_RDFXML) {
            locate_term(rc, &line, &col);
            KgStatus s = kg_validate_blank(label, len, lc->name, line, col, rc->err);
            if (s != KG_OK) return s;
        }
        return kg_load_blank(lc, label, len, out, rc->err);
    }
    case RAPTOR_TERM_TYPE_LITERAL: {
        const raptor_term_literal_value *lit = &t->value.literal;
        KgTerm k = {KG_TERM_LITERAL, (const char *)lit->string, lit->string_len, NULL, NULL};
        if (check_length(rc, "a literal", lit->string_len) != KG_OK) return KG_ERR_SYNTAX;
        if (k.lex) {
            locate_term(rc, &line, &col);
            KgStatus s = kg_validate_utf8(k.lex, k.lex_len, "a literal", lc->name, line, col,
                                          rc->err);
            if (s != KG_OK) return s;
        }
        if (lit->datatype) {
            size_t len;
            k.datatype = (const char *)raptor_uri_as_counted_string(lit->datatype, &len);
            locate_term(rc, &line, &col);
            KgStatus s = kg_validate_iri(k.datatype, len, lc->name, line, col, rc->err);
            if (s != KG_OK) return s;
        }
        if (lit->language && lit->language_len) {
            locate_term(rc, &line, &col);
            KgStatus s = kg_validate_lang((const char *)lit->language, lit->language_len,
                                          lc->name, line, col, rc->err);
            if (s != KG_OK) return s;
            k.lang = (const char *)lit->language;
        }
        if (!k.lex) k.lex = "";
        return kg_dict_intern(lc->store, &k, out, rc->err);
    }
    case RAPTOR_TERM_TYPE_UNKNOWN: break;
    }
    return kg_error_set(rc->err, KG_ERR_INTERNAL, "raptor gave a term of unknown type");
}

static void on_statement(void *user, raptor_statement *st)
{
    RaptorCtx *rc = user;
    if (rc->status != KG_OK) return;
    KgQuad q = {0, 0, 0, rc->lc->graph_id};
    int has_graph = st->graph != NULL;
    KgStatus s = intern_term(rc, st->subject, 0, &q.s);
    if (s == KG_OK) s = intern_term(rc, st->predicate, 0, &q.p);
    if (s == KG_OK) s = intern_term(rc, st->object, !has_graph, &q.o);
    if (s == KG_OK && has_graph && !rc->lc->opt->graph_iri) s = intern_term(rc, st->graph, 1, &q.g);
    if (s == KG_OK) s = kg_load_add(rc->lc, &q, rc->err);
    if (s != KG_OK) fail(rc, s);
}

static void on_namespace(void *user, raptor_namespace *ns)
{
    RaptorCtx *rc = user;
    if (rc->status != KG_OK) return;
    const unsigned char *prefix = raptor_namespace_get_prefix(ns);
    raptor_uri *uri = raptor_namespace_get_uri(ns);
    if (!prefix || !uri) return; /* the default namespace has no name to print */
    size_t len;
    const char *iri = (const char *)raptor_uri_as_counted_string(uri, &len);
    // raptor's RDF/XML reader takes any xmlns value; a namespace that is not an IRI (a space
    // in it) is not kept as a prefix, or the store's Turtle export, which declares its prefixes,
    // would not load back (found by tests/fuzz/fuzz_load.c). Terms in it are still checked.
    KgError ignored = {0};
    if (kg_validate_iri(iri, len, rc->lc->name, 0, 0, &ignored) != KG_OK) return;
    KgStatus s = kg_prefix_set(rc->lc->store, (const char *)prefix, iri, rc->err);
    if (s != KG_OK) fail(rc, s);
}

/* The base IRI: --base, else the file's own URI, as rapper does. */
static raptor_uri *make_base(raptor_world *world, const char *name, const char *base_iri)
{
    if (base_iri) return raptor_new_uri(world, (const unsigned char *)base_iri);
    if (strcmp(name, "<stdin>") == 0)
        return raptor_new_uri(world, (const unsigned char *)"file:///dev/stdin");
    unsigned char *file_uri = raptor_uri_filename_to_uri_string(name);
    if (!file_uri) return NULL;
    raptor_uri *u = raptor_new_uri(world, file_uri);
    raptor_free_memory(file_uri);
    return u;
}

#define CHUNK (1 << 16)
/* N-Triples and N-Quads go to raptor a whole line at a time: raptor2 parses an incomplete
 * line again with each chunk, which makes a line of n bytes cost n^2 / CHUNK. A line holds
 * at most four terms. */
#define MAX_NT_LINE (4 * KG_MAX_TERM_BYTES + 4096)

KgStatus kg_load_raptor(KgLoadCtx *lc, KgReader *rd, KgError *err)
{
    KgStatus s = KG_OK;
    raptor_world *world = raptor_new_world();
    raptor_parser *parser = NULL;
    raptor_uri *base = NULL;
    KgXmlLangGuard *xml_guard = NULL;
    KgBuf held = {0}; /* N-Triples, N-Quads: the start of a line not yet given to raptor */
    char *buf = kg_malloc(CHUNK);
    RaptorCtx rc = {lc, NULL, err, KG_OK};
    KgBuf copy = {0};
    if (!world || !buf || raptor_world_open(world) != 0) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory starting the RDF parser");
        goto out;
    }
    raptor_world_set_log_handler(world, &rc, on_log);
    parser = raptor_new_parser(world, parser_name(lc->format));
    base = make_base(world, lc->name, lc->opt->base_iri);
    if (!parser || !base) {
        s = kg_error_set(err, KG_ERR_NOMEM, "out of memory starting the RDF parser");
        goto out;
    }
    rc.parser = parser;
    raptor_parser_set_statement_handler(parser, &rc, on_statement);
    raptor_parser_set_namespace_handler(parser, &rc, on_namespace);
    // No network: an RDF/XML file must not make nous fetch anything.
    raptor_parser_set_option(parser, RAPTOR_OPTION_NO_NET, NULL, 1);
    raptor_parser_set_option(parser, RAPTOR_OPTION_NO_FILE, NULL, 1);
    if (raptor_parser_parse_start(parser, base) != 0 && rc.status == KG_OK) {
        s = kg_error_at(err, KG_ERR_SYNTAX, lc->name, 0, 0, "the RDF parser could not start");
        goto out;
    }
    int scan_lines = lc->format == KG_FMT_NTRIPLES || lc->format == KG_FMT_NQUADS;
    // raptor's Turtle and TriG errors carry no column; a copy of the input lets
    // kg_locate_column() find it. Past KG_LOCATE_MAX_INPUT the copy is given up.
    int keep_copy = lc->format == KG_FMT_TURTLE || lc->format == KG_FMT_TRIG;
    KgNtScan scan = {0};
    KgRawScan raw_scan = {0};
    raw_scan.ntriples = scan_lines;
    if (lc->format == KG_FMT_RDFXML) {
        xml_guard = kg_xml_lang_guard_new(lc->name, (const char *)raptor_uri_as_string(base));
        if (!xml_guard) {
            s = kg_error_set(err, KG_ERR_NOMEM, "out of memory starting the RDF parser");
            goto out;
        }
    }
    KgError scan_err = {0};
    for (;;) {
        long n = rd->read(rd->ctx, buf, CHUNK);
        if (n < 0) {
            s = kg_error_at(err, KG_ERR_IO, lc->name, 0, 0, "read error (a damaged .gz file?)");
            goto out;
        }
        if (keep_copy && n > 0 &&
            (copy.len + (size_t)n > KG_LOCATE_MAX_INPUT ||
             kg_buf_append(&copy, buf, (size_t)n) != KG_OK)) {
            keep_copy = 0;
            kg_buf_free(&copy);
        }
        // The raw text's checks. raptor2 may read a chunk only up to text they refused.
        KgStatus scan_s;
        size_t feed = (size_t)n;
        if (xml_guard) {
            scan_s = kg_xml_lang_guard_chunk(xml_guard, buf, (size_t)n, n == 0, &scan_err);
            if (scan_s != KG_OK) feed = 0;
        } else {
            scan_s = kg_validate_raw_chunk(&raw_scan, buf, (size_t)n, &feed, lc->name, &scan_err);
            if (scan_s == KG_OK) feed = (size_t)n;
        }
        if (scan_lines) {
            KgError line_err = {0};
            KgStatus line_s = kg_validate_nt_chunk(&scan, buf, (size_t)n, n == 0, lc->name, &line_err);
            if (line_s != KG_OK && (scan_s == KG_OK || line_err.line < scan_err.line)) {
                scan_s = line_s;
                scan_err = line_err;
            }
        }
        int rc_parse = 0;
        if (!scan_lines) {
            // Text the raw scan refused never reaches raptor (an over-long language tag would
            // make it read out of bounds); what comes before it does, so that an earlier
            // syntax error is still the one reported.
            if (scan_s == KG_OK || feed > 0)
                rc_parse = raptor_parser_parse_chunk(parser, (const unsigned char *)buf, feed,
                                                     scan_s == KG_OK && n == 0);
        } else {
            /* up to the chunk's last newline, with what came before it; the rest waits. When
             * the raw scan refused some text, only the whole lines before it. */
            size_t cut = feed;
            while (cut > 0 && buf[cut - 1] != '\n') cut--;
            int at_end = n == 0 && scan_s == KG_OK;
            if (at_end || cut > 0) {
                size_t upto = cut;
                if (held.len) {
                    if (kg_buf_append(&held, buf, upto) != KG_OK) goto out_of_memory;
                    rc_parse = raptor_parser_parse_chunk(parser, (const unsigned char *)held.data, held.len, at_end);
                    held.len = 0;
                } else {
                    rc_parse = raptor_parser_parse_chunk(parser, (const unsigned char *)buf, upto, at_end);
                }
            }
            if (n > 0 && rc_parse == 0 && scan_s == KG_OK) {
                if (held.len + ((size_t)n - cut) > MAX_NT_LINE) {
                    rc.status = kg_error_at(err, KG_ERR_SYNTAX, lc->name, scan.line, 0,
                                            "a line longer than %zu MiB (a term is at most %zu MiB)",
                                            (size_t)MAX_NT_LINE >> 20, KG_MAX_TERM_BYTES >> 20);
                } else if (kg_buf_append(&held, buf + cut, (size_t)n - cut) != KG_OK) {
                    goto out_of_memory;
                }
            }
        }
        if (rc.status == KG_OK && rc_parse != 0) {
            unsigned long line, col;
            locate(&rc, &line, &col);
            rc.status = kg_error_at(err, KG_ERR_SYNTAX, lc->name, line, col, "syntax error");
        }
        // Both found an error in this chunk: report the one that comes first in the file.
        if (scan_s != KG_OK &&
            (rc.status == KG_OK ||
             (rc.status == KG_ERR_SYNTAX && (err->line == 0 || scan_err.line < err->line)))) {
            *err = scan_err;
            rc.status = scan_s;
        }
        if (rc.status != KG_OK || n == 0) break;
    }
    s = rc.status;
    if (s == KG_ERR_SYNTAX && keep_copy && err->line && !err->col)
        err->col = kg_locate_column(parser_name(lc->format), (const char *)raptor_uri_as_string(base),
                                    copy.data, copy.len, err->line);
    goto out;
out_of_memory:
    s = kg_error_set(err, KG_ERR_NOMEM, "out of memory reading %s", lc->name);
out:
    kg_buf_free(&held);
    kg_buf_free(&copy);
    raptor_free_uri(base);
    raptor_free_parser(parser);
    // After the parser: freeing the guard's world cleans libxml2's global state (its
    // encoding handlers), which a live parser's context still points at.
    kg_xml_lang_guard_free(xml_guard);
    raptor_free_world(world);
    kg_free(buf);
    return s;
}
