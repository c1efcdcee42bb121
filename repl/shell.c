/* repl/shell.c: the shell. Each line is a command of the same table as the command line,
 * written `.load FILE` or `load FILE`, or the start of a SPARQL query (sparql_input.c says
 * where it ends). On a terminal libedit gives line editing, history in ~/.nous_history and
 * tab completion, errors are reported and the shell goes on, and Ctrl-C stops the running
 * command or clears the line. Otherwise the input is a script: no prompt, and the first
 * failing line ends it (unless --keep-going) with that line's exit status. */
#include "repl/internal.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROMPT "nous> "
#define CONTINUATION_PROMPT " ...> "
#define HISTORY_FILE ".nous_history"
#define HISTORY_MAX 1000
#define READ_DEPTH_MAX 16

/* Where lines come from: libedit at a terminal (in == NULL), or a script. */
typedef struct {
    FILE *in;
    const char *name;       /* query error positions: "query", "<stdin>" or the file */
    int keep_line_numbers;  /* errors in a query give the script's line numbers */
    unsigned long line_no;  /* of the last line read */
    KgBuf line;             /* the last line read, without its end of line */
} Source;

enum { LINE_OK, LINE_EOF, LINE_CANCELLED };

static int read_line(Source *src, const char *prompt)
{
    src->line.len = 0;
    if (!src->in) {
        kg_interrupt_clear(); // a Ctrl-C between two commands is not meant for the next one
        char *text = readline(prompt);
        if (!text) {
            // libedit returns NULL both at Ctrl-D and when Ctrl-C interrupts its read().
            if (!kg_interrupted()) return LINE_EOF;
            kg_interrupt_clear();
            return LINE_CANCELLED;
        }
        src->line_no++;
        if (text[strspn(text, " \t")]) add_history(text);
        KgStatus s = kg_buf_puts(&src->line, text);
        free(text); // readline's own memory, from malloc
        return s == KG_OK ? LINE_OK : LINE_EOF;
    }
    char chunk[4096];
    int got = 0;
    while (fgets(chunk, sizeof chunk, src->in)) {
        got = 1;
        if (kg_buf_puts(&src->line, chunk) != KG_OK) return LINE_EOF;
        if (strchr(chunk, '\n')) break;
    }
    if (!got) return LINE_EOF;
    src->line_no++;
    while (src->line.len &&
           (src->line.data[src->line.len - 1] == '\n' || src->line.data[src->line.len - 1] == '\r'))
        src->line.data[--src->line.len] = '\0';
    if (!src->line.data) return kg_buf_puts(&src->line, "") == KG_OK ? LINE_OK : LINE_EOF;
    return LINE_OK;
}

static int is_blank(const char *line) { return line[strspn(line, " \t\r\n")] == '\0'; }

/* Runs one command line. *timed tells whether it was work (a command of the main table)
 * rather than a shell setting, for .timer. */
static int run_command(Repl *r, const char *line, int *timed)
{
    int argc;
    char **argv;
    KgError err = {0};
    *timed = 0;
    if (repl_split_words(line, &argc, &argv, &err) != KG_OK) {
        repl_error(r, &err);
        return REPL_USAGE;
    }
    if (argc == 0) {
        repl_words_free(argc, argv);
        return REPL_OK;
    }
    char *name = argv[0][0] == '.' ? argv[0] + 1 : argv[0];
    memmove(argv[0], name, strlen(name) + 1);
    int status;
    const ReplCommand *c = repl_command_find(r, argv[0]);
    if (!c) {
        status = repl_usage_error(r, NULL, "unknown command '%s' (try .help)", argv[0]);
    } else {
        *timed = 1;
        for (const ReplCommand *s = repl_shell_commands; s->name; s++)
            if (s == c) *timed = 0;
        status = repl_command_run(r, argc, argv);
    }
    repl_words_free(argc, argv);
    return status;
}

/* Runs the lines of src; returns REPL_OK or, for a script, the first failure's status. */
static int run_source(Repl *r, Source *src, int interactive)
{
    KgBuf query = {0};             // the SPARQL query being typed, over several lines
    unsigned long query_line = 0;  // its first line
    int status = REPL_OK;
    while (!r->quit) {
        int got = read_line(src, query.len ? CONTINUATION_PROMPT : PROMPT);
        if (got == LINE_CANCELLED) { // Ctrl-C at the prompt: drop the line (and the query)
            fputc('\n', stdout);
            query.len = 0;
            continue;
        }
        int at_eof = got == LINE_EOF;
        // Ctrl-D leaves, dropping a half-typed query; a script's last query runs as it is.
        if (at_eof && (!query.len || interactive)) break;
        const char *line = at_eof ? "" : kg_buf_cstr(&src->line);
        if (!line) break;
        int last, timed = 1;
        double start = kg_now();
        if (!query.len && !repl_starts_query(line)) {
            last = run_command(r, line, &timed);
        } else {
            size_t end = 0;
            if (!query.len) query_line = src->line_no;
            if (!at_eof &&
                (kg_buf_puts(&query, line) != KG_OK || kg_buf_puts(&query, "\n") != KG_OK)) {
                KgError err;
                kg_error_set(&err, KG_ERR_NOMEM, "out of memory reading a query");
                repl_error(r, &err);
                query.len = 0;
                last = REPL_FAIL;
            } else if (!repl_query_complete(query.data, query.len, is_blank(line), &end) &&
                       !at_eof) {
                continue;
            } else {
                if (at_eof) end = query.len;
                last = repl_query_run(r, query.data, end, src->name,
                                      src->keep_line_numbers ? query_line : 1, NULL, 0);
                query.len = 0;
            }
        }
        kg_interrupt_clear();
        fflush(r->out);
        if (r->timer && timed) fprintf(r->err, "Run time: %.4f s\n", kg_now() - start);
        if (last != REPL_OK) {
            if (status == REPL_OK) status = last;
            if (!interactive && (!r->keep_going || last == REPL_INTERRUPTED)) break;
        }
        if (at_eof) break;
    }
    kg_buf_free(&query);
    return interactive ? REPL_OK : status;
}

int repl_shell_run_file(Repl *r, FILE *in, const char *name)
{
    if (r->read_depth >= READ_DEPTH_MAX) {
        KgError err;
        kg_error_at(&err, KG_ERR_ARG, name, 0, 0, ".read nested more than %d deep",
                    READ_DEPTH_MAX);
        repl_error(r, &err);
        return REPL_FAIL;
    }
    r->read_depth++;
    Source src = {in, name, 1, 0, {0}};
    int status = run_source(r, &src, 0);
    kg_buf_free(&src.line);
    r->read_depth--;
    return status;
}

/* $HOME/.nous_history, or NULL without a HOME. Caller frees with kg_free(). */
static char *history_path(void)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    KgBuf b = {0};
    if (kg_buf_printf(&b, "%s/%s", home, HISTORY_FILE) != KG_OK) {
        kg_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static void print_banner(Repl *r)
{
    fprintf(r->out,
            "nous %s, store %s\n"
            "Enter .help for usage; .quit or Ctrl-D leaves. SPARQL runs at a ';' ending a line.\n"
            "On the demo data (make demo) try:\n"
            "  SELECT ?pizza WHERE { ?pizza rdfs:subClassOf pizza:NamedPizza } LIMIT 5;\n"
            "  .match ? kg:causes kg:disease_or_syndrome\n"
            "  .explain pizza:American rdfs:subClassOf pizza:Pizza\n"
            "  .predict kg:acquired_abnormality kg:location_of ? -k 5\n"
            "  .stats\n",
            NOUS_VERSION, r->db_path);
}

int repl_shell(Repl *r)
{
    r->in_shell = 1;
    int interactive = isatty(STDIN_FILENO);
    int status;
    if (interactive) {
        char *history = history_path();
        rl_readline_name = "nous";
        using_history();
        stifle_history(HISTORY_MAX);
        if (history) read_history(history); // a missing or unreadable file: no history
        repl_completion_install(r);
        print_banner(r);
        fflush(r->out);
        repl_store(r); // open now, so that a bad store is reported before the first prompt
        Source src = {NULL, "query", 0, 0, {0}};
        status = run_source(r, &src, 1);
        if (!r->quit) fputc('\n', stdout); // Ctrl-D: end the prompt's line
        if (history) write_history(history); // an unwritable file: history is not kept
        kg_free(history);
        kg_buf_free(&src.line);
        repl_completion_free(r);
    } else {
        Source src = {stdin, "<stdin>", 1, 0, {0}};
        status = run_source(r, &src, 0);
        kg_buf_free(&src.line);
    }
    if (r->out_file) {
        if (fclose(r->out_file) != 0 && status == REPL_OK) status = REPL_FAIL;
        r->out_file = NULL;
        r->out = stdout;
    }
    return status;
}
