/* tests/fuzz/fuzz_shell.c: the shell's input: lines split into words (repl/words.c), SPARQL
 * typed over several lines (repl/sparql_input.c), and the commands they name, run by the real
 * shell loop (repl_shell_run_file) against the fixture store, reasoned over with the rdfs
 * profile so that `explain` has proofs to show. Only commands that read the store or change it
 * in memory run: a line naming any other command (load, export, train, .output, .read, ...) or
 * an option that names a file is dropped before the shell sees it, so the fuzzer never writes
 * files or reads from standard input. Output goes to /dev/null. */
#define _POSIX_C_SOURCE 200809L
#include "repl/internal.h"
#include "tests/fuzz/bound.h"
#include "tests/fuzz/fixture.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LINES 64

static const char *const allowed[] = {
    "stats", "match", "query", "add", "retract", "prefixes", "prefix", "help",
    "explain", "mode", "timer", "quit", "exit", NULL,
};

static int is_allowed(const char *name)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], name) == 0) return 1;
    return 0;
}

static int names_a_command(const Repl *r, const char *word)
{
    return repl_command_find(r, word[0] == '.' ? word + 1 : word) != NULL;
}

/* Options that name a file, run a program (dot, for svg) or use other rule sets. */
static int risky_word(const char *w)
{
    return strncmp(w, "-o", 2) == 0 || strncmp(w, "-f", 2) == 0 || strncmp(w, "--rules", 7) == 0 ||
           strncmp(w, "--fused", 7) == 0 || strncmp(w, "--with", 6) == 0 ||
           strncmp(w, "--evidence", 10) == 0 || strstr(w, "svg") != NULL;
}

/* Whether the shell may see this line: it names no command outside `allowed` and no risky
 * option. A line that does not split (an unterminated quote) is kept: that is an error path. */
static int keep_line(const Repl *r, const char *line)
{
    int argc;
    char **argv;
    KgError err = {0};
    KgStatus s = repl_split_words(line, &argc, &argv, &err);
    if (s != KG_OK) {
        fuzz_must(s == KG_ERR_ARG, "splitting a line", &err);
        return 1;
    }
    int keep = 1;
    for (int i = 0; i < argc && keep; i++) {
        fuzz_must(argv[i] != NULL, "a missing word", NULL);
        if (risky_word(argv[i])) keep = 0;
    }
    fuzz_must(argv[argc] == NULL, "the words do not end with NULL", NULL);
    if (keep && argc > 0 && names_a_command(r, argv[0]))
        keep = is_allowed(argv[0][0] == '.' ? argv[0] + 1 : argv[0]);
    repl_words_free(argc, argv);
    return keep;
}

static KgStore *open_reasoned_fixture(void)
{
    KgStore *store = fuzz_fixture_open();
    RsProgram *p = NULL;
    KgError err = {0};
    fuzz_must(rs_program_new(store, &p, &err) == KG_OK, "a program", &err);
    fuzz_must(rs_program_add_profile(p, "rdfs", &err) == KG_OK, "the rdfs profile", &err);
    RsOptions opt = {0};
    fuzz_must(rs_reason(store, p, &opt, NULL, &err) == KG_OK, "reasoning over the fixture", &err);
    rs_program_free(p);
    return store;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static KgStore *store;
    static FILE *devnull;
    if (!devnull && !(devnull = fopen("/dev/null", "w"))) abort();
    if (!store) store = open_reasoned_fixture();
    Repl r = {.db_path = ":memory:", .store = store, .out = devnull, .err = devnull,
              .in_shell = 1, .keep_going = 1};
    // The lines the shell may see, each ended by '\n'.
    KgBuf script = {0}, line = {0};
    size_t n_lines = 0;
    for (size_t i = 0; i < size && n_lines < MAX_LINES;) {
        size_t end = i;
        while (end < size && data[end] != '\n') end++;
        line.len = 0;
        fuzz_must(kg_buf_append(&line, (const char *)data + i, end - i) == KG_OK, "memory", NULL);
        const char *text = kg_buf_cstr(&line);
        fuzz_must(text != NULL, "memory", NULL);
        if (strlen(text) == line.len && keep_line(&r, text)) { // a NUL would end fgets' line early
            fuzz_must(kg_buf_append(&script, text, line.len) == KG_OK, "memory", NULL);
            fuzz_must(kg_buf_append(&script, "\n", 1) == KG_OK, "memory", NULL);
        }
        n_lines++;
        i = end + 1;
    }
    kg_buf_free(&line);
    FuzzSnapshot before = fuzz_snapshot(store);
    if (script.len > 0) {
        FILE *in = fmemopen(script.data, script.len, "r");
        fuzz_must(in != NULL, "fmemopen", NULL);
        fuzz_bound_start(500);
        repl_shell_run_file(&r, in, "fuzz");
        fuzz_bound_stop();
        fclose(in);
    }
    kg_buf_free(&script);
    fuzz_must(r.store == store, "the shell changed stores", NULL);
    fuzz_must(!kg_store_in_transaction(store), "a command left its transaction open", NULL);
    FuzzSnapshot after = fuzz_snapshot(store);
    if (!fuzz_snapshot_equal(&before, &after)) { // an add or a prefix: start again from the fixture
        kg_store_close(store);
        store = NULL;
    }
    return 0;
}
