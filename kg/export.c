/* kg/export.c: writing the store out as N-Triples, N-Quads or Turtle. N-Triples and Turtle
 * hold the triples of every graph (each triple once); N-Quads keeps the graphs. Terms are
 * escaped so that the file loads back to the same set of triples (up to blank-node names). */
#include "internal.h"

#include <string.h>

typedef struct {
    KgStore *store;
    FILE *out;
    KgBuf line;
    KgError *err;
    KgStatus status; /* of the prefix callbacks, which cannot return one */
} Writer;

static KgStatus put_term(Writer *w, KgTermId id, int shorten)
{
    return kg_term_write_id(w->store, id, shorten, &w->line, w->err);
}

static KgStatus flush_line(Writer *w)
{
    if (w->line.len && fwrite(w->line.data, 1, w->line.len, w->out) != w->line.len)
        return kg_error_set(w->err, KG_ERR_IO, "write error during export");
    w->line.len = 0;
    return KG_OK;
}

static void write_prefix(void *ctx, const char *prefix, const char *ns)
{
    Writer *w = ctx;
    KgTerm t = {KG_TERM_IRI, ns, strlen(ns), NULL, NULL};
    if (w->status != KG_OK) return;
    if (kg_buf_printf(&w->line, "@prefix %s: ", prefix) != KG_OK ||
        kg_term_write_nt(&t, &w->line) != KG_OK || kg_buf_puts(&w->line, " .\n") != KG_OK)
        w->status = kg_error_set(w->err, KG_ERR_NOMEM, "out of memory during export");
}

KgStatus kg_export(KgStore *store, FILE *out, KgFormat format, unsigned marks, KgError *err)
{
    const char *sql;
    if (format == KG_FMT_NQUADS)
        sql = "SELECT s, p, o, g FROM quads WHERE (mark & ?1) != 0";
    else if (format == KG_FMT_NTRIPLES || format == KG_FMT_TURTLE)
        sql = "SELECT DISTINCT s, p, o FROM quads WHERE (mark & ?1) != 0 ORDER BY s, p, o";
    else
        return kg_error_set(err, KG_ERR_ARG, "export writes nt, nq or ttl, not %s",
                            kg_format_name(format));
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
        return kg_db_error(store, err, "exporting");
    sqlite3_bind_int(st, 1, (int)marks);
    Writer w = {store, out, {0}, err, KG_OK};
    KgStatus s = KG_OK;
    int turtle = format == KG_FMT_TURTLE;
    if (turtle) {
        // The built-in prefixes first: a stored one of the same name comes later and wins,
        // as it does when terms are shortened.
        s = kg_buf_puts(&w.line, "@prefix rdf: <" KG_NS_RDF "> .\n"
                                 "@prefix rdfs: <" KG_NS_RDFS "> .\n"
                                 "@prefix xsd: <" KG_NS_XSD "> .\n"
                                 "@prefix owl: <" KG_NS_OWL "> .\n"
                                 "@prefix kg: <" KG_TSV_DEFAULT_NS "> .\n");
        if (s == KG_OK) s = kg_prefix_each(store, write_prefix, &w, err);
        if (s == KG_OK) s = w.status;
        if (s == KG_OK) s = kg_buf_puts(&w.line, "\n");
        if (s == KG_OK) s = flush_line(&w);
    }
    KgTermId last_s = 0, last_p = 0;
    int rc = SQLITE_DONE;
    while (s == KG_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        KgTermId q[4];
        for (int i = 0; i < (format == KG_FMT_NQUADS ? 4 : 3); i++)
            q[i] = (KgTermId)sqlite3_column_int64(st, i);
        if (turtle) {
            // Subjects and predicates come sorted, so ';' and ',' group them.
            if (q[0] == last_s && q[1] == last_p) {
                s = kg_buf_puts(&w.line, " ,\n        ");
            } else if (q[0] == last_s) {
                s = kg_buf_puts(&w.line, " ;\n    ");
                if (s == KG_OK) s = put_term(&w, q[1], 1);
                if (s == KG_OK) s = kg_buf_puts(&w.line, " ");
            } else {
                if (last_s) s = kg_buf_puts(&w.line, " .\n");
                if (s == KG_OK) s = put_term(&w, q[0], 1);
                if (s == KG_OK) s = kg_buf_puts(&w.line, " ");
                if (s == KG_OK) s = put_term(&w, q[1], 1);
                if (s == KG_OK) s = kg_buf_puts(&w.line, " ");
            }
            if (s == KG_OK) s = put_term(&w, q[2], 1);
            last_s = q[0];
            last_p = q[1];
        } else {
            for (int i = 0; i < 3 && s == KG_OK; i++) {
                s = put_term(&w, q[i], 0);
                if (s == KG_OK) s = kg_buf_puts(&w.line, " ");
            }
            if (s == KG_OK && format == KG_FMT_NQUADS && q[3] != KG_DEFAULT_GRAPH) {
                s = put_term(&w, q[3], 0);
                if (s == KG_OK) s = kg_buf_puts(&w.line, " ");
            }
            if (s == KG_OK) s = kg_buf_puts(&w.line, ".\n");
        }
        if (s == KG_OK && w.line.len > 1 << 16) s = flush_line(&w);
    }
    if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory during export");
    if (s == KG_OK && rc != SQLITE_DONE) s = kg_db_error(store, err, "exporting");
    if (s == KG_OK && turtle && last_s) s = kg_buf_puts(&w.line, " .\n");
    if (s == KG_OK) s = flush_line(&w);
    if (s == KG_OK && fflush(out) != 0) s = kg_error_set(err, KG_ERR_IO, "write error during export");
    sqlite3_finalize(st);
    kg_buf_free(&w.line);
    return s;
}
