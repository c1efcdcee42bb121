/* repl/session.c: one run of nous: the global options, the store it works on, error
 * reporting in GNU form, and dispatch to the command table or the shell. */
#include "repl/internal.h"
#include "neural/nn.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

KgStore *repl_store(Repl *r)
{
    if (r->store) return r->store;
    KgError err = {0};
    if (kg_store_open(r->db_path, &r->store, &err) != KG_OK) {
        repl_error(r, &err);
        return NULL;
    }
    return r->store;
}

void repl_error(Repl *r, const KgError *err)
{
    char where[512];
    kg_error_where(err, where, sizeof where);
    fprintf(r->err, "%s: error: %s\n", where[0] ? where : "nous", kg_error_message(err));
}

int repl_usage_error(Repl *r, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(r->err, "nous: error: ");
    va_start(ap, fmt);
    vfprintf(r->err, fmt, ap);
    va_end(ap);
    fputc('\n', r->err);
    const ReplCommand *c = cmd ? repl_command_find(r, cmd) : NULL;
    if (c)
        fprintf(r->err, "usage: %s%s%s%s\n", r->in_shell ? "." : "nous ", c->name,
                c->usage[0] ? " " : "", c->usage);
    return REPL_USAGE;
}

int repl_parse_count(Repl *r, const char *cmd, const char *name, const char *v, size_t max, size_t *out)
{
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-' || x == 0 || x > max)
        return repl_usage_error(r, cmd, "%s takes a count from 1 to %zu, not '%s'", name, max, v);
    *out = (size_t)x;
    return REPL_OK;
}

int repl_status_of(KgStatus st) { return st == KG_ERR_INTERRUPTED ? REPL_INTERRUPTED : REPL_FAIL; }

int repl_main(int argc, char **argv)
{
    Repl r = {.out = stdout, .err = stderr, .err_is_tty = isatty(STDERR_FILENO)};
    r.db_path = getenv("NOUS_DB");
    if (!r.db_path || !*r.db_path) r.db_path = "nous.db";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            if (i + 1 >= argc) return repl_usage_error(&r, NULL, "--db needs a path");
            r.db_path = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            r.db_path = argv[i] + 5;
        } else if (strcmp(argv[i], "--keep-going") == 0) {
            r.keep_going = 1;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("nous %s (store schema %d; OpenBLAS %s kernel, %d threads)\n", NOUS_VERSION,
                   kg_schema_version(), nn_blas_kernel(), nn_blas_threads());
            return REPL_OK;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            char help_name[] = "help";
            char *help[] = {help_name, NULL};
            return repl_command_run(&r, 1, help);
        } else {
            return repl_usage_error(&r, NULL, "unknown option '%s' (see nous --help)", argv[i]);
        }
    }
    kg_interrupt_install();
    int status;
    if (i >= argc)
        status = repl_shell(&r);
    else if (!repl_command_find(&r, argv[i]))
        status = repl_usage_error(&r, NULL, "unknown command '%s' (see nous --help)", argv[i]);
    else
        status = repl_command_run(&r, argc - i, argv + i);
    kg_store_close(r.store);
    if (fflush(stdout) != 0 && status == REPL_OK) status = REPL_FAIL;
    return status;
}
