/* repl/results.c: query results as text, one writer per format and one row per writer in
 * repl_result_formats: an aligned table for people, the W3C's SPARQL 1.1 TSV, CSV and JSON
 * result formats for programs, and N-Triples or Turtle for the triples of a CONSTRUCT. A new
 * format is one function and one row. */
#include "repl/internal.h"

#include <string.h>

static KgStatus nomem(KgError *err)
{
    return kg_error_set(err, KG_ERR_NOMEM, "out of memory writing the results");
}

/* KG_DONE (the last row was read) becomes KG_OK; anything else is passed on. */
static KgStatus finished(KgStatus s) { return s == KG_DONE ? KG_OK : s; }

/* ASK answers: the next row gives KG_OK for true, KG_DONE for false. */
static KgStatus ask_answer(ReplRows *q, int *yes, KgError *err)
{
    KgStatus s = q->next(q, err);
    *yes = s == KG_OK;
    return s == KG_OK || s == KG_DONE ? KG_OK : s;
}

/* ------------------------------------------------------------ table */

/* Columns are as wide as their widest cell among the first TABLE_ROWS_MEASURED rows; later
 * rows stream with those widths, so a huge result needs no huge buffer. */
#define TABLE_ROWS_MEASURED 1000

typedef struct {
    size_t n_cols;
    size_t *width;   /* display width of each column */
    KgBuf cells;     /* the buffered rows' cells, each NUL-terminated */
    size_t *offsets; /* where each buffered cell starts in `cells` */
    size_t n_rows;   /* buffered rows */
} Table;

/* Characters on screen: UTF-8 code points (continuation bytes take no column). */
static size_t display_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

/* " text   |", the last cell of a row without padding or a trailing blank. */
static void print_cell(FILE *out, const char *text, size_t width, int last)
{
    if (!last || *text) fprintf(out, " %s", text);
    if (!last)
        for (size_t w = display_width(text); w < width; w++) fputc(' ', out);
    fputs(last ? "\n" : " |", out);
}

static void print_rule(FILE *out, const Table *t)
{
    for (size_t i = 0; i < t->n_cols; i++) {
        for (size_t w = 0; w < t->width[i] + 2; w++) fputc('-', out);
        if (i + 1 < t->n_cols) fputc('+', out);
    }
    fputc('\n', out);
}

/* Appends the current row's cells (short form: CURIEs, bare numbers; "" when unbound). */
static KgStatus buffer_row(KgStore *store, ReplRows *q, Table *t, KgError *err)
{
    size_t *more = kg_realloc(t->offsets, (t->n_rows + 1) * t->n_cols * sizeof *more);
    if (!more) return nomem(err);
    t->offsets = more;
    for (size_t i = 0; i < t->n_cols; i++) {
        size_t start = t->cells.len;
        KgTerm term;
        KgStatus s = q->value(q, i, &term) ? kg_term_write_short(store, &term, &t->cells)
                                                 : KG_OK;
        if (s == KG_OK) s = kg_buf_append(&t->cells, "", 1); // the cell's NUL
        if (s != KG_OK) return nomem(err);
        t->offsets[t->n_rows * t->n_cols + i] = start;
        size_t w = display_width(t->cells.data + start);
        if (w > t->width[i]) t->width[i] = w;
    }
    t->n_rows++;
    return KG_OK;
}

static KgStatus write_table(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    KgQueryForm form = q->form;
    if (form == KG_QUERY_ASK) {
        int yes;
        KgStatus s = ask_answer(q, &yes, err);
        if (s == KG_OK) fputs(yes ? "yes\n" : "no\n", out);
        return s;
    }
    Table t = {q->n_columns, NULL, {0}, NULL, 0};
    KgStatus s = KG_OK;
    t.width = kg_calloc(t.n_cols ? t.n_cols : 1, sizeof *t.width);
    if (!t.width) return nomem(err);
    for (size_t i = 0; i < t.n_cols; i++) t.width[i] = display_width(q->column(q, i));
    while (t.n_rows < TABLE_ROWS_MEASURED && (s = q->next(q, err)) == KG_OK)
        s = buffer_row(store, q, &t, err);
    if (s != KG_OK && s != KG_DONE) goto out;
    for (size_t i = 0; i < t.n_cols; i++)
        print_cell(out, q->column(q, i), t.width[i], i + 1 == t.n_cols);
    print_rule(out, &t);
    for (size_t row = 0; row < t.n_rows; row++)
        for (size_t i = 0; i < t.n_cols; i++)
            print_cell(out, t.cells.data + t.offsets[row * t.n_cols + i], t.width[i],
                       i + 1 == t.n_cols);
    unsigned long long n_rows = t.n_rows;
    if (s == KG_OK) { // more rows than were measured: stream them with the same widths
        while ((s = q->next(q, err)) == KG_OK) {
            t.cells.len = 0;
            t.n_rows = 0;
            if ((s = buffer_row(store, q, &t, err)) != KG_OK) break;
            for (size_t i = 0; i < t.n_cols; i++)
                print_cell(out, t.cells.data + t.offsets[i], t.width[i], i + 1 == t.n_cols);
            n_rows++;
        }
        if (s != KG_DONE) goto out;
    }
    s = KG_OK;
    if (form == KG_QUERY_CONSTRUCT)
        fprintf(out, "(%llu triple%s)\n", n_rows, n_rows == 1 ? "" : "s");
    else
        fprintf(out, "(%llu row%s)\n", n_rows, n_rows == 1 ? "" : "s");
out:
    kg_free(t.width);
    kg_free(t.offsets);
    kg_buf_free(&t.cells);
    return s;
}

/* ------------------------------------------------------------ TSV (SPARQL 1.1 TSV results) */

/* Header "?x\t?y"; each term in N-Triples syntax (tabs and newlines escaped); unbound is an
 * empty field. */
static KgStatus write_tsv(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    if (q->form == KG_QUERY_ASK) {
        int yes;
        KgStatus s = ask_answer(q, &yes, err);
        if (s == KG_OK) fputs(yes ? "true\n" : "false\n", out);
        return s;
    }
    size_t n_cols = q->n_columns;
    for (size_t i = 0; i < n_cols; i++) fprintf(out, "%s?%s", i ? "\t" : "", q->column(q, i));
    fputc('\n', out);
    KgBuf line = {0};
    KgStatus s;
    while ((s = q->next(q, err)) == KG_OK) {
        line.len = 0;
        for (size_t i = 0; i < n_cols && s == KG_OK; i++) {
            KgTerm t;
            if (i) s = kg_buf_append(&line, "\t", 1);
            if (s == KG_OK && q->value(q, i, &t)) s = kg_term_write_nt(&t, &line);
        }
        if (s == KG_OK) s = kg_buf_append(&line, "\n", 1);
        if (s != KG_OK) {
            s = nomem(err);
            break;
        }
        fwrite(line.data, 1, line.len, out);
    }
    kg_buf_free(&line);
    return finished(s);
}

/* ------------------------------------------------------------ CSV (SPARQL 1.1 CSV results) */

/* RFC 4180: a field holding '"', ',', CR or LF is quoted, its quotes doubled. */
static void csv_field(FILE *out, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == '"' || s[i] == ',' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        fwrite(s, 1, n, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

/* Header "x,y"; values without their syntax (IRI text, a literal's lexical form, _:label for
 * a blank node), lines ending in CRLF as the specification says. */
static KgStatus write_csv(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    if (q->form == KG_QUERY_ASK) {
        int yes;
        KgStatus s = ask_answer(q, &yes, err);
        if (s == KG_OK) fputs(yes ? "true\r\n" : "false\r\n", out);
        return s;
    }
    size_t n_cols = q->n_columns;
    for (size_t i = 0; i < n_cols; i++) {
        if (i) fputc(',', out);
        const char *name = q->column(q, i);
        csv_field(out, name, strlen(name));
    }
    fputs("\r\n", out);
    KgBuf blank = {0};
    KgStatus s;
    while ((s = q->next(q, err)) == KG_OK) {
        for (size_t i = 0; i < n_cols; i++) {
            KgTerm t;
            if (i) fputc(',', out);
            if (!q->value(q, i, &t)) continue;
            if (t.kind == KG_TERM_BLANK) {
                blank.len = 0;
                if (kg_term_write_nt(&t, &blank) != KG_OK) {
                    s = nomem(err);
                    break;
                }
                csv_field(out, blank.data, blank.len);
            } else {
                csv_field(out, t.lex, t.kind == KG_TERM_LITERAL ? t.lex_len : strlen(t.lex));
            }
        }
        if (s != KG_OK) break;
        fputs("\r\n", out);
    }
    kg_buf_free(&blank);
    return finished(s);
}

/* ------------------------------------------------------------ JSON (SPARQL 1.1 JSON results) */

/* A JSON string: '"', '\\' and control characters escaped, other UTF-8 as it is. */
static void json_string(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

static void json_cstr(FILE *out, const char *s) { json_string(out, s, strlen(s)); }

/* {"type": ..., "value": ...} with "xml:lang" or "datatype" for a literal. Blank nodes get
 * the label N-Triples output shows (without "_:"), so all formats agree. */
static KgStatus json_term(FILE *out, const KgTerm *t, KgBuf *scratch)
{
    switch (t->kind) {
    case KG_TERM_IRI:
        fputs("{\"type\": \"uri\", \"value\": ", out);
        json_cstr(out, t->lex);
        break;
    case KG_TERM_BLANK:
        scratch->len = 0;
        if (kg_term_write_nt(t, scratch) != KG_OK) return KG_ERR_NOMEM;
        fputs("{\"type\": \"bnode\", \"value\": ", out);
        json_string(out, scratch->data + 2, scratch->len - 2);
        break;
    case KG_TERM_LITERAL:
        fputs("{\"type\": \"literal\", \"value\": ", out);
        json_string(out, t->lex, t->lex_len);
        if (t->lang) {
            fputs(", \"xml:lang\": ", out);
            json_cstr(out, t->lang);
        } else if (t->datatype) {
            fputs(", \"datatype\": ", out);
            json_cstr(out, t->datatype);
        }
        break;
    }
    fputc('}', out);
    return KG_OK;
}

/* One binding per line, so that line tools still work on the output:
 *   {"head": {"vars": ["x"]}, "results": {"bindings": [
 *     {"x": {"type": "uri", "value": "http://example.org/a"}}
 *   ]}}                                                              ASK: {"head": {}, "boolean": true} */
static KgStatus write_json(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    if (q->form == KG_QUERY_ASK) {
        int yes;
        KgStatus s = ask_answer(q, &yes, err);
        if (s == KG_OK) fprintf(out, "{\"head\": {}, \"boolean\": %s}\n", yes ? "true" : "false");
        return s;
    }
    size_t n_cols = q->n_columns;
    fputs("{\"head\": {\"vars\": [", out);
    for (size_t i = 0; i < n_cols; i++) {
        if (i) fputs(", ", out);
        json_cstr(out, q->column(q, i));
    }
    fputs("]}, \"results\": {\"bindings\": [", out);
    KgBuf scratch = {0};
    KgStatus s;
    unsigned long long n_rows = 0;
    while ((s = q->next(q, err)) == KG_OK) {
        fputs(n_rows++ ? ",\n  {" : "\n  {", out);
        int n_bound = 0;
        for (size_t i = 0; i < n_cols && s == KG_OK; i++) {
            KgTerm t;
            if (!q->value(q, i, &t)) continue;
            if (n_bound++) fputs(", ", out);
            json_cstr(out, q->column(q, i));
            fputs(": ", out);
            if (json_term(out, &t, &scratch) != KG_OK) s = nomem(err);
        }
        if (s != KG_OK) break;
        fputc('}', out);
    }
    kg_buf_free(&scratch);
    if ((s = finished(s)) == KG_OK) fputs(n_rows ? "\n]}}\n" : "]}}\n", out);
    return s;
}

/* ------------------------------------------------------------ N-Triples */

static KgStatus write_ntriples(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    KgBuf line = {0};
    KgStatus s;
    while ((s = q->next(q, err)) == KG_OK) {
        line.len = 0;
        for (size_t i = 0; i < 3 && s == KG_OK; i++) {
            KgTerm t;
            if (!q->value(q, i, &t)) {
                s = kg_error_set(err, KG_ERR_INTERNAL, "a CONSTRUCT triple with an unbound term");
                break;
            }
            s = kg_term_write_nt(&t, &line);
            if (s == KG_OK) s = kg_buf_puts(&line, i < 2 ? " " : " .\n");
            if (s != KG_OK) s = nomem(err);
        }
        if (s != KG_OK) break;
        fwrite(line.data, 1, line.len, out);
    }
    kg_buf_free(&line);
    return finished(s);
}

/* ------------------------------------------------------------ Turtle */

/* The prefixes a Turtle document uses, in the order of first use. */
typedef struct {
    KgBuf names; /* "p1\0p2\0..." */
    size_t n;
} UsedPrefixes;

/* Records the prefix of a CURIE written by kg_term_write_short (text[0..n) = "p:local"). */
static KgStatus note_prefix(UsedPrefixes *u, const char *text, size_t n)
{
    const char *colon = memchr(text, ':', n);
    if (!colon || text[0] == '<' || text[0] == '_') return KG_OK;
    size_t len = (size_t)(colon - text);
    for (size_t off = 0; off < u->names.len; off += strlen(u->names.data + off) + 1)
        if (strlen(u->names.data + off) == len && memcmp(u->names.data + off, text, len) == 0)
            return KG_OK;
    u->n++;
    KgStatus s = kg_buf_append(&u->names, text, len);
    return s == KG_OK ? kg_buf_append(&u->names, "", 1) : s;
}

/* Writes a term in short form into b and records the prefixes it used (a literal's datatype
 * comes after its closing quote: the last "^^ in the text). */
static KgStatus turtle_term(KgStore *store, const KgTerm *t, KgBuf *b, UsedPrefixes *u)
{
    size_t start = b->len;
    KgStatus s = kg_term_write_short(store, t, b);
    if (s != KG_OK) return s;
    const char *text = b->data + start;
    size_t n = b->len - start;
    if (t->kind == KG_TERM_IRI) return note_prefix(u, text, n);
    if (t->kind == KG_TERM_LITERAL && t->datatype) {
        for (size_t i = n; i >= 3; i--)
            if (memcmp(text + i - 3, "\"^^", 3) == 0) return note_prefix(u, text + i, n - i);
    }
    return KG_OK;
}

/* @prefix lines for the prefixes used, then the triples, consecutive triples of one subject
 * joined with ';' and rdf:type written `a`. The body is built first, since the prefixes
 * must come before it. */
static KgStatus write_turtle(KgStore *store, ReplRows *q, FILE *out, KgError *err)
{
    KgBuf body = {0}, subject = {0}, previous = {0}, ns = {0};
    UsedPrefixes used = {{0}, 0};
    KgStatus s;
    while ((s = q->next(q, err)) == KG_OK) {
        KgTerm t[3];
        for (size_t i = 0; i < 3; i++)
            if (!q->value(q, i, &t[i])) {
                s = kg_error_set(err, KG_ERR_INTERNAL, "a CONSTRUCT triple with an unbound term");
                goto out;
            }
        subject.len = 0;
        s = turtle_term(store, &t[0], &subject, &used);
        if (s == KG_OK && previous.len && previous.len == subject.len &&
            memcmp(previous.data, subject.data, subject.len) == 0) {
            s = kg_buf_puts(&body, " ;\n    ");
        } else if (s == KG_OK) {
            if (body.len) s = kg_buf_puts(&body, " .\n");
            if (s == KG_OK) s = kg_buf_append(&body, subject.data, subject.len);
            if (s == KG_OK) s = kg_buf_puts(&body, " ");
            previous.len = 0;
            if (s == KG_OK) s = kg_buf_append(&previous, subject.data, subject.len);
        }
        if (s == KG_OK) {
            if (t[1].kind == KG_TERM_IRI && strcmp(t[1].lex, KG_RDF_TYPE) == 0)
                s = kg_buf_puts(&body, "a");
            else
                s = turtle_term(store, &t[1], &body, &used);
        }
        if (s == KG_OK) s = kg_buf_puts(&body, " ");
        if (s == KG_OK) s = turtle_term(store, &t[2], &body, &used);
        if (s != KG_OK) {
            s = nomem(err);
            goto out;
        }
    }
    if (s != KG_DONE) goto out;
    s = KG_OK;
    for (size_t off = 0, i = 0; i < used.n; i++, off += strlen(used.names.data + off) + 1) {
        const char *p = used.names.data + off;
        ns.len = 0;
        if (kg_buf_printf(&ns, "%s:", p) != KG_OK) {
            s = nomem(err);
            goto out;
        }
        char *curie = kg_strdup(ns.data);
        if (!curie) {
            s = nomem(err);
            goto out;
        }
        ns.len = 0;
        s = kg_prefix_expand(store, curie, &ns, err);
        kg_free(curie);
        if (s != KG_OK) goto out;
        fprintf(out, "@prefix %s: <%s> .\n", p, kg_buf_cstr(&ns));
    }
    if (used.n && body.len) fputc('\n', out);
    if (body.len) fprintf(out, "%s .\n", body.data);
out:
    kg_buf_free(&body);
    kg_buf_free(&subject);
    kg_buf_free(&previous);
    kg_buf_free(&ns);
    kg_buf_free(&used.names);
    return s;
}

/* ------------------------------------------------------------ the table of formats */

#define ALL_FORMS (REPL_FOR_SELECT | REPL_FOR_ASK | REPL_FOR_CONSTRUCT)

const ReplResultFormat repl_result_formats[] = {
    {"table", ALL_FORMS, write_table, "aligned columns and a row count (CURIEs)"},
    {"tsv", ALL_FORMS, write_tsv, "SPARQL 1.1 TSV: ?x<TAB>?y, terms in N-Triples syntax"},
    {"csv", ALL_FORMS, write_csv, "SPARQL 1.1 CSV: x,y, plain values, CRLF"},
    {"json", ALL_FORMS, write_json, "SPARQL 1.1 Query Results JSON"},
    {"ntriples", REPL_FOR_CONSTRUCT, write_ntriples, "CONSTRUCT: one triple a line"},
    {"turtle", REPL_FOR_CONSTRUCT, write_turtle, "CONSTRUCT: @prefix lines, CURIEs"},
    {NULL, 0, NULL, NULL},
};

const ReplResultFormat *repl_result_format_find(const char *name)
{
    static const struct {
        const char *alias, *name;
    } aliases[] = {{"nt", "ntriples"}, {"ttl", "turtle"}, {NULL, NULL}};
    for (size_t i = 0; aliases[i].alias; i++)
        if (strcmp(name, aliases[i].alias) == 0) name = aliases[i].name;
    for (const ReplResultFormat *f = repl_result_formats; f->name; f++)
        if (strcmp(f->name, name) == 0) return f;
    return NULL;
}

unsigned repl_form_bit(KgQueryForm form)
{
    switch (form) {
    case KG_QUERY_SELECT: return REPL_FOR_SELECT;
    case KG_QUERY_ASK: return REPL_FOR_ASK;
    case KG_QUERY_CONSTRUCT: return REPL_FOR_CONSTRUCT;
    }
    return 0;
}
