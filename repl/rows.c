/* repl/rows.c: rows of terms for the result formats of results.c. Query results are one
 * kind; a table a command fills (similar, analogy, search: entities, labels, scores) is the
 * other, so that those commands print in the shell's .mode (table, tsv, csv, json) exactly as
 * a query does. Also where the format is chosen: --format, else .mode, else by the output. */
#include "repl/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- a query's results */

static const char *query_column(ReplRows *rows, size_t i) { return kg_query_column(rows->ctx, i); }
static KgStatus query_next(ReplRows *rows, KgError *err) { return kg_query_next(rows->ctx, err); }
static int query_value(ReplRows *rows, size_t i, KgTerm *out) { return kg_query_value(rows->ctx, i, out); }

ReplRows repl_rows_of_query(KgQuery *q)
{
    return (ReplRows){kg_query_form(q), kg_query_n_columns(q), query_column, query_next, query_value, q};
}

/* ---------------------------------------------------------------- a table */

/* A cell: a term whose strings live in the table's arena; kind 0 is unbound. */
struct ReplTable {
    char **columns;
    size_t n_columns;
    KgTerm *cells; /* n_rows x n_columns */
    size_t n_rows, cap_rows;
    size_t filled; /* cells of the last row added so far */
    size_t cursor; /* rows read: the current row is cursor - 1 */
    KgArena *arena;
};

ReplTable *repl_table_new(const char *const *columns, size_t n_columns)
{
    ReplTable *t = kg_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->arena = kg_arena_new(4096);
    t->columns = kg_calloc(n_columns ? n_columns : 1, sizeof *t->columns);
    t->n_columns = n_columns;
    if (!t->arena || !t->columns) {
        repl_table_free(t);
        return NULL;
    }
    for (size_t i = 0; i < n_columns; i++)
        if (!(t->columns[i] = kg_arena_strndup(t->arena, columns[i], strlen(columns[i])))) {
            repl_table_free(t);
            return NULL;
        }
    return t;
}

void repl_table_free(ReplTable *t)
{
    if (!t) return;
    kg_free(t->columns);
    kg_free(t->cells);
    kg_arena_free(t->arena);
    kg_free(t);
}

KgStatus repl_table_row(ReplTable *t)
{
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? 2 * t->cap_rows : 16;
        KgTerm *grown = kg_realloc(t->cells, cap * (t->n_columns ? t->n_columns : 1) * sizeof *grown);
        if (!grown) return KG_ERR_NOMEM;
        t->cells = grown, t->cap_rows = cap;
    }
    memset(t->cells + t->n_rows * t->n_columns, 0, t->n_columns * sizeof *t->cells);
    t->n_rows++;
    t->filled = 0;
    return KG_OK;
}

/* The next cell of the last row, NULL when the row is full (or there is none). */
static KgTerm *next_cell(ReplTable *t)
{
    if (!t->n_rows || t->filled == t->n_columns) return NULL;
    return &t->cells[(t->n_rows - 1) * t->n_columns + t->filled++];
}

/* Copies the strings of `term` into the arena as the next cell. */
static KgStatus put_term(ReplTable *t, const KgTerm *term)
{
    KgTerm *cell = next_cell(t);
    if (!cell) return KG_ERR_INTERNAL;
    char *lex = kg_arena_alloc(t->arena, term->lex_len + 1);
    if (!lex) return KG_ERR_NOMEM;
    memcpy(lex, term->lex, term->lex_len);
    lex[term->lex_len] = '\0';
    *cell = (KgTerm){term->kind, lex, term->lex_len, NULL, NULL};
    if (term->datatype && !(cell->datatype = kg_arena_strndup(t->arena, term->datatype, strlen(term->datatype)))) return KG_ERR_NOMEM;
    if (term->lang && !(cell->lang = kg_arena_strndup(t->arena, term->lang, strlen(term->lang)))) return KG_ERR_NOMEM;
    return KG_OK;
}

KgStatus repl_table_term_id(ReplTable *t, KgStore *store, KgTermId id, KgError *err)
{
    KgTerm term;
    KgStatus s = kg_dict_get(store, id, &term, err);
    if (s != KG_OK) return s;
    s = put_term(t, &term);
    return s == KG_OK ? KG_OK : kg_error_set(err, s, "out of memory building the results");
}


KgStatus repl_table_decimal(ReplTable *t, double value)
{
    char text[64];
    int n = snprintf(text, sizeof text, "%.4f", value);
    if (n < 0 || (size_t)n >= sizeof text || !isfinite(value)) /* no decimal for these: a double */
        return put_term(t, &(KgTerm){KG_TERM_LITERAL, isnan(value) ? "NaN" : value > 0 ? "INF" : "-INF",
                                     isnan(value) ? 3 : value > 0 ? 3 : 4, KG_NS_XSD "double", NULL});
    return put_term(t, &(KgTerm){KG_TERM_LITERAL, text, (size_t)n, KG_NS_XSD "decimal", NULL});
}

KgStatus repl_table_boolean(ReplTable *t, int value)
{
    return put_term(t, &(KgTerm){KG_TERM_LITERAL, value ? "true" : "false", value ? 4 : 5, KG_NS_XSD "boolean", NULL});
}

KgStatus repl_table_integer(ReplTable *t, long long value)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%lld", value);
    return put_term(t, &(KgTerm){KG_TERM_LITERAL, text, (size_t)n, KG_NS_XSD "integer", NULL});
}

KgStatus repl_table_skip(ReplTable *t) { return next_cell(t) ? KG_OK : KG_ERR_INTERNAL; }

static const char *table_column(ReplRows *rows, size_t i) { return ((ReplTable *)rows->ctx)->columns[i]; }

static KgStatus table_next(ReplRows *rows, KgError *err)
{
    ReplTable *t = rows->ctx;
    if (t->cursor == t->n_rows) return KG_DONE;
    t->cursor++;
    return KG_OK;
}

static int table_value(ReplRows *rows, size_t i, KgTerm *out)
{
    ReplTable *t = rows->ctx;
    if (!t->cursor || i >= t->n_columns) return 0;
    const KgTerm *cell = &t->cells[(t->cursor - 1) * t->n_columns + i];
    if (!cell->kind) return 0;
    *out = *cell;
    return 1;
}

ReplRows repl_table_rows(ReplTable *t)
{
    t->cursor = 0;
    return (ReplRows){KG_QUERY_SELECT, t->n_columns, table_column, table_next, table_value, t};
}

/* ---------------------------------------------------------------- choosing the format */

static const char *form_name(KgQueryForm form)
{
    switch (form) {
    case KG_QUERY_SELECT: return "SELECT";
    case KG_QUERY_ASK: return "ASK";
    case KG_QUERY_CONSTRUCT: return "CONSTRUCT";
    }
    return "this";
}

int repl_check_format(Repl *r, const char *cmd, const char *format)
{
    if (repl_result_format_find(format)) return REPL_OK;
    return repl_usage_error(r, cmd, "unknown format '%s' (table, tsv, csv, json, ntriples, turtle)", format);
}

/* Without --format or .mode: a table for a person at a terminal; for a program, N-Triples
 * for the triples of a CONSTRUCT and SPARQL TSV for the rest. */
static const ReplResultFormat *default_format(Repl *r, KgQueryForm form)
{
    if (isatty(fileno(r->out))) return repl_result_format_find("table");
    return repl_result_format_find(form == KG_QUERY_CONSTRUCT ? "ntriples" : "tsv");
}

int repl_write_rows(Repl *r, const char *cmd, KgStore *store, ReplRows *rows, const char *format)
{
    const ReplResultFormat *f = NULL;
    if (format) {
        f = repl_result_format_find(format);
        if (!f) return repl_check_format(r, cmd, format);
        if (!(f->forms & repl_form_bit(rows->form)))
            return repl_usage_error(r, cmd, "--format %s does not fit a %s query", f->name, form_name(rows->form));
    } else if (r->mode) {
        f = repl_result_format_find(r->mode);
        if (f && !(f->forms & repl_form_bit(rows->form))) f = NULL; // e.g. .mode turtle and a SELECT
    }
    if (!f) f = default_format(r, rows->form);
    KgError err = {0};
    KgStatus s = f->write(store, rows, r->out, &err);
    if (fflush(r->out) != 0 && s == KG_OK)
        s = kg_error_set(&err, KG_ERR_IO, "cannot write the results: %s", strerror(errno));
    if (s == KG_OK) return REPL_OK;
    repl_error(r, &err);
    return repl_status_of(s);
}
