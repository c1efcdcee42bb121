/* repl/query.c: the query command, `nous query [--format F] [--explain] [-f FILE | SPARQL]`
 * and `.query` in the shell, which also runs SPARQL typed at its prompt through
 * repl_query_run(). It picks the output format, runs the query and maps failures to exit
 * statuses: 1 for a bad query, 2 for bad arguments, 130 for Ctrl-C. */
#include "repl/internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int repl_query_run(Repl *r, const char *text, size_t len, const char *name,
                   unsigned long first_line, const char *format, int explain)
{
    KgStore *store = repl_store(r);
    if (!store) return REPL_FAIL;
    KgQuery *q = NULL;
    KgError err = {0};
    KgStatus s = kg_query_prepare(store, text, len, name, &q, &err);
    if (s != KG_OK) {
        if (err.line) err.line += first_line - 1;
        repl_error(r, &err);
        return repl_status_of(s);
    }
    int status = REPL_OK;
    if (explain) {
        const char *plan = kg_query_explain(q);
        size_t n = strlen(plan);
        fputs(plan, r->out);
        if (n && plan[n - 1] != '\n') fputc('\n', r->out);
        goto out;
    }
    ReplRows rows = repl_rows_of_query(q);
    status = repl_write_rows(r, "query", store, &rows, format);
out:
    kg_query_free(q);
    return status;
}

/* Reads all of `path` ("-": standard input) into buf. */
KgStatus repl_read_file(const char *path, KgBuf *buf, KgError *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot read: %s", strerror(errno));
    char chunk[8192];
    size_t n;
    KgStatus s = KG_OK;
    while (s == KG_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (kg_buf_append(buf, chunk, n) != KG_OK)
            s = kg_error_at(err, KG_ERR_NOMEM, path, 0, 0, "out of memory reading the query");
    if (s == KG_OK && ferror(f))
        s = kg_error_at(err, KG_ERR_IO, path, 0, 0, "read error: %s", strerror(errno));
    if (f != stdin) fclose(f);
    return s;
}

int repl_cmd_query(Repl *r, int argc, char **argv)
{
    const char *format = NULL, *file = NULL, *v;
    int explain = 0, n_words = 0, status;
    KgBuf text = {0};
    for (int i = 1; i < argc; i++) {
        if ((v = repl_opt_value(argc, argv, &i, "--format"))) {
            if ((status = repl_check_format(r, "query", v)) != REPL_OK) goto out;
            format = v;
        } else if (strcmp(argv[i], "--explain") == 0) {
            explain = 1;
        } else if ((v = repl_opt_value(argc, argv, &i, "-f")) ||
                   (v = repl_opt_value(argc, argv, &i, "--file"))) {
            file = v;
        } else if (repl_is_option(argv[i]) && n_words == 0) {
            status = repl_usage_error(r, "query", "unknown or incomplete option '%s'", argv[i]);
            goto out;
        } else {
            // The query, possibly split into words by the shell: joined back with blanks.
            if ((n_words++ && kg_buf_puts(&text, " ") != KG_OK) ||
                kg_buf_puts(&text, argv[i]) != KG_OK) {
                status = repl_usage_error(r, "query", "out of memory");
                goto out;
            }
        }
    }
    if (file && n_words) {
        status = repl_usage_error(r, "query", "give the query as text or with -f FILE, not both");
        goto out;
    }
    if (!file && !n_words) {
        status = repl_usage_error(r, "query", "no query (give it as an argument or with -f FILE)");
        goto out;
    }
    const char *name = "query";
    if (file) {
        KgError err = {0};
        if (repl_read_file(file, &text, &err) != KG_OK) {
            repl_error(r, &err);
            status = REPL_FAIL;
            goto out;
        }
        name = strcmp(file, "-") == 0 ? "<stdin>" : file;
    }
    status = repl_query_run(r, kg_buf_cstr(&text), text.len, name, 1, format, explain);
out:
    kg_buf_free(&text);
    return status;
}
