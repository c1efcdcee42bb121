/* repl/shell.c: the interactive shell. Each line is a command of the same table as the
 * command line, written `.load FILE` or `load FILE`; libedit gives line editing and history
 * on a terminal, and a script on standard input runs line by line without a prompt. */
#include "repl/internal.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

KgStatus repl_split_words(const char *line, int *argc, char ***argv, KgError *err)
{
    *argc = 0;
    *argv = NULL;
    size_t cap = 8;
    char **words = kg_calloc(cap, sizeof *words);
    KgBuf w = {0};
    int n = 0;
    KgStatus s = words ? KG_OK : KG_ERR_NOMEM;
    const char *p = line;
    while (s == KG_OK) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (!*p || *p == '#') break;
        w.len = 0;
        while (s == KG_OK && *p && !strchr(" \t\r\n", *p)) {
            if (*p == '\'') {
                const char *end = strchr(p + 1, '\'');
                if (!end) {
                    s = kg_error_set(err, KG_ERR_ARG, "unterminated ' in the line");
                    break;
                }
                s = kg_buf_append(&w, p + 1, (size_t)(end - p - 1));
                p = end + 1;
            } else if (*p == '"' || *p == '<') {
                // An RDF literal or IRI: kept whole, quotes and brackets included.
                char close = *p == '"' ? '"' : '>';
                const char *q = p + 1;
                while (*q && *q != close) q += (*q == '\\' && q[1]) ? 2 : 1;
                if (!*q) {
                    s = kg_error_set(err, KG_ERR_ARG, "unterminated %c in the line", *p);
                    break;
                }
                s = kg_buf_append(&w, p, (size_t)(q + 1 - p));
                p = q + 1;
            } else {
                s = kg_buf_append(&w, p++, 1);
            }
        }
        if (s != KG_OK) break;
        if ((size_t)n + 1 >= cap) {
            char **bigger = kg_realloc(words, cap * 2 * sizeof *words);
            if (!bigger) {
                s = KG_ERR_NOMEM;
                break;
            }
            words = bigger;
            cap *= 2;
        }
        if (!(words[n] = kg_strndup(w.data ? w.data : "", w.len))) {
            s = KG_ERR_NOMEM;
            break;
        }
        words[++n] = NULL;
    }
    kg_buf_free(&w);
    if (s != KG_OK) {
        if (s == KG_ERR_NOMEM) kg_error_set(err, s, "out of memory reading the line");
        repl_words_free(n, words);
        return s;
    }
    *argc = n;
    *argv = words;
    return KG_OK;
}

void repl_words_free(int argc, char **argv)
{
    if (!argv) return;
    for (int i = 0; i < argc; i++) kg_free(argv[i]);
    kg_free(argv);
}

/* Runs one line; returns 1 when the shell should end. */
static int run_line(Repl *r, const char *line, int *status)
{
    int argc;
    char **argv;
    KgError err = {0};
    if (repl_split_words(line, &argc, &argv, &err) != KG_OK) {
        repl_error(r, &err);
        *status = REPL_USAGE;
        return 0;
    }
    if (argc == 0) {
        repl_words_free(argc, argv);
        return 0;
    }
    char *name = argv[0][0] == '.' ? argv[0] + 1 : argv[0];
    if (strcmp(name, "quit") == 0 || strcmp(name, "exit") == 0) {
        repl_words_free(argc, argv);
        return 1;
    }
    memmove(argv[0], name, strlen(name) + 1);
    *status = repl_command_run(r, argc, argv);
    kg_interrupt_clear();
    fflush(r->out);
    repl_words_free(argc, argv);
    return 0;
}

int repl_shell(Repl *r)
{
    r->in_shell = 1;
    int interactive = isatty(STDIN_FILENO);
    int status = REPL_OK, last = REPL_OK;
    if (interactive) {
        fprintf(r->out, "nous shell on %s. Type .help for commands, .quit or Ctrl-D to leave.\n",
                r->db_path);
        char *line;
        while ((line = readline("nous> ")) != NULL) {
            if (*line) add_history(line);
            int done = run_line(r, line, &last);
            free(line); // readline's own memory
            if (done) break;
        }
        if (!line) fputc('\n', r->out);
        return REPL_OK;
    }
    // A script: every line runs; the exit status is that of the first failure.
    KgBuf line = {0};
    char chunk[4096];
    int done = 0;
    while (!done && fgets(chunk, sizeof chunk, stdin)) {
        kg_buf_puts(&line, chunk);
        if (!strchr(chunk, '\n') && !feof(stdin)) continue;
        done = run_line(r, kg_buf_cstr(&line), &last);
        if (last != REPL_OK && status == REPL_OK) status = last;
        line.len = 0;
    }
    if (!done && line.len) {
        run_line(r, kg_buf_cstr(&line), &last);
        if (last != REPL_OK && status == REPL_OK) status = last;
    }
    kg_buf_free(&line);
    return status;
}
