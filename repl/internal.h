/* repl/internal.h: what the files of repl/ share: the session (store, output streams) and the
 * one command table that serves both `nous CMD ARGS` and `.cmd ARGS` in the shell. */
#ifndef NOUS_REPL_INTERNAL_H
#define NOUS_REPL_INTERNAL_H

#include "kg/kg.h"
#include "repl/repl.h"

#include <stdio.h>

/* Exit statuses: 0 success, 1 failure (bad input, a load that failed), 2 usage error,
 * 130 stopped by Ctrl-C (the shell convention, 128 + SIGINT). */
enum { REPL_OK = 0, REPL_FAIL = 1, REPL_USAGE = 2, REPL_INTERRUPTED = 130 };

typedef struct {
    const char *db_path;
    KgStore *store; /* opened on first use */
    FILE *out, *err;
    int err_is_tty;
    int in_shell;
} Repl;

typedef int (*ReplHandler)(Repl *r, int argc, char **argv); /* argv[0]: the command name */

typedef struct {
    const char *name;
    const char *usage;   /* arguments, shown by help and on a usage error */
    const char *summary; /* one line for help */
    ReplHandler run;
} ReplCommand;

extern const ReplCommand repl_commands[];

const ReplCommand *repl_command_find(const char *name);
/* Runs argv[0] with its arguments; returns an exit status. */
int repl_command_run(Repl *r, int argc, char **argv);

/* The store, opened on first use; NULL after printing why it could not be opened. */
KgStore *repl_store(Repl *r);

/* Prints an error GNU-style: "file:line:col: error: message", or "nous: error: message". */
void repl_error(Repl *r, const KgError *err);
/* Prints "nous: error: <message>" for argument problems; returns REPL_USAGE. */
int repl_usage_error(Repl *r, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The interactive shell (or a script read from standard input). */
int repl_shell(Repl *r);

/* Splits a shell line into words: blanks separate, '...' quotes (and is removed), "..." is
 * kept with its quotes (it is an RDF literal), <...> is one word. Caller frees with
 * repl_words_free(). Returns KG_ERR_ARG for an unterminated quote. */
KgStatus repl_split_words(const char *line, int *argc, char ***argv, KgError *err);
void repl_words_free(int argc, char **argv);

#endif
