/* repl/shell_commands.c: the commands that only make sense inside the shell, in a table of
 * their own (the same row type as repl_commands): .mode, .timer, .output, .read, .quit and
 * .exit, named as in sqlite3's shell. They change the session, never the store. */
#include "repl/internal.h"

#include <errno.h>
#include <string.h>

static int cmd_mode(Repl *r, int argc, char **argv)
{
    if (argc > 2) return repl_usage_error(r, "mode", "mode takes one format");
    if (argc == 1) {
        fprintf(r->out, "%s\n",
                r->mode ? r->mode : "auto (table on a terminal, else tsv; CONSTRUCT: ntriples)");
        return REPL_OK;
    }
    if (strcmp(argv[1], "auto") == 0) {
        r->mode = NULL;
        return REPL_OK;
    }
    const ReplResultFormat *f = repl_result_format_find(argv[1]);
    if (!f)
        return repl_usage_error(r, "mode", "unknown mode '%s' (table, tsv, csv, json, ntriples, "
                                "turtle, auto)", argv[1]);
    r->mode = f->name; // static, so it outlives argv
    return REPL_OK;
}

static int cmd_timer(Repl *r, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "on") == 0)
        r->timer = 1;
    else if (argc == 2 && strcmp(argv[1], "off") == 0)
        r->timer = 0;
    else
        return repl_usage_error(r, "timer", "timer takes on or off");
    return REPL_OK;
}

static int cmd_output(Repl *r, int argc, char **argv)
{
    if (argc > 2) return repl_usage_error(r, "output", "output takes one file name");
    FILE *f = stdout;
    if (argc == 2 && strcmp(argv[1], "-") != 0 && !(f = fopen(argv[1], "w"))) {
        KgError err;
        kg_error_at(&err, KG_ERR_IO, argv[1], 0, 0, "cannot write: %s", strerror(errno));
        repl_error(r, &err);
        return REPL_FAIL;
    }
    int status = REPL_OK;
    fflush(r->out);
    if (r->out_file && fclose(r->out_file) != 0) {
        KgError err;
        kg_error_set(&err, KG_ERR_IO, "error closing the previous .output file");
        repl_error(r, &err);
        status = REPL_FAIL;
    }
    r->out_file = f == stdout ? NULL : f;
    r->out = f;
    return status;
}

static int cmd_read(Repl *r, int argc, char **argv)
{
    if (argc != 2) return repl_usage_error(r, "read", "read takes one file name");
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        KgError err;
        kg_error_at(&err, KG_ERR_IO, argv[1], 0, 0, "cannot read: %s", strerror(errno));
        repl_error(r, &err);
        return REPL_FAIL;
    }
    int status = repl_shell_run_file(r, f, argv[1]);
    fclose(f);
    return status;
}

static int cmd_quit(Repl *r, int argc, char **argv)
{
    if (argc > 1) return repl_usage_error(r, argv[0], "%s takes no arguments", argv[0]);
    r->quit = 1;
    return REPL_OK;
}

const ReplCommand repl_shell_commands[] = {
    {"mode", "[table|tsv|csv|json|ntriples|turtle|auto]",
     "result format of queries (no argument: show it)", cmd_mode},
    {"timer", "on|off", "print the run time after each command", cmd_timer},
    {"output", "[FILE]", "write results to FILE (no argument: to the screen)", cmd_output},
    {"read", "FILE", "run the lines of FILE (stops at its first error)", cmd_read},
    {"quit", "", "leave the shell (or Ctrl-D)", cmd_quit},
    {"exit", "", "leave the shell", cmd_quit},
    {NULL, NULL, NULL, NULL},
};
