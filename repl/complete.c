/* repl/complete.c: tab completion in the shell (libedit). A word that starts a line with '.'
 * completes to a command of either table; any other word to a SPARQL keyword, a prefix
 * ("pizza:") or a CURIE the store uses for a predicate or a class. The store's words are
 * read once and kept until a command changes the store (Repl.n_writes). */
#include "repl/internal.h"

#include <ctype.h>
#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLASSES_MAX 5000 /* classes offered, at most */

struct ReplCompletion {
    char **words; /* kg_strdup'd, sorted */
    size_t n, cap;
    unsigned long n_writes; /* r->n_writes when the words were read */
    int built;
    int want_commands;   /* the word being completed is a dot-command */
    size_t next_index;   /* next_match's position among the candidates */
};

/* GLOBAL: the shell whose store completion reads: libedit's callbacks take no context. */
static Repl *completing;

static const char *const sparql_keywords[] = {
    "PREFIX", "BASE",   "SELECT", "DISTINCT", "WHERE",    "ASK",    "CONSTRUCT", "DESCRIBE",
    "FILTER", "OPTIONAL", "UNION", "MINUS",  "GRAPH",    "BIND",   "VALUES",    "LIMIT",
    "OFFSET", "ORDER",  "BY",     "GROUP",    "HAVING",   "COUNT",  "REGEX",     "CONTAINS",
    "STR",    "LANG",   "EXISTS", "NOT",      NULL,
};

static void add_word(ReplCompletion *c, const char *w, size_t n)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        char **more = kg_realloc(c->words, cap * sizeof *more);
        if (!more) return; // completion is a convenience: fewer words, no error
        c->words = more;
        c->cap = cap;
    }
    if ((c->words[c->n] = kg_strndup(w, n))) c->n++;
}

static void clear_words(ReplCompletion *c)
{
    for (size_t i = 0; i < c->n; i++) kg_free(c->words[i]);
    c->n = 0;
}

static void add_prefix(void *ctx, const char *prefix, const char *ns)
{
    KgBuf b = {0};
    if (kg_buf_printf(&b, "%s:", prefix) == KG_OK) add_word(ctx, b.data, b.len);
    kg_buf_free(&b);
}

/* A CURIE (not an <IRI>, literal or blank node) as the store writes the term. */
static void add_curie(ReplCompletion *c, const KgBuf *b)
{
    if (b->len && b->data[0] != '<' && b->data[0] != '"' && b->data[0] != '_' &&
        memchr(b->data, ':', b->len))
        add_word(c, b->data, b->len);
}

typedef struct {
    ReplCompletion *c;
    KgStore *store;
    KgBuf name;
} PredCtx;

static int add_predicate(void *ctx, const KgPredStats *ps)
{
    PredCtx *p = ctx;
    p->name.len = 0;
    if (kg_term_write_id(p->store, ps->p, 1, &p->name, NULL) == KG_OK) add_curie(p->c, &p->name);
    return 0;
}

static void add_classes(ReplCompletion *c, KgStore *store)
{
    static const char query[] = "SELECT DISTINCT ?c WHERE { ?x a ?c } LIMIT 5000";
    KgQuery *q = NULL;
    KgBuf b = {0};
    if (kg_query_prepare(store, query, sizeof query - 1, "completion", &q, NULL) != KG_OK) return;
    for (size_t n = 0; n < CLASSES_MAX && kg_query_next(q, NULL) == KG_OK; n++) {
        KgTerm t;
        b.len = 0;
        if (kg_query_value(q, 0, &t) && t.kind == KG_TERM_IRI &&
            kg_term_write_short(store, &t, &b) == KG_OK)
            add_curie(c, &b);
    }
    kg_buf_free(&b);
    kg_query_free(q);
}

static int compare_words(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the store's prefixes, predicates and classes, sorted and without repeats. */
static void build(ReplCompletion *c, Repl *r)
{
    static const char *const always[] = {"rdf", "rdfs", "xsd", "owl", "kg", NULL};
    clear_words(c);
    c->built = 1;
    c->n_writes = r->n_writes;
    KgStore *store = r->store;
    if (!store) return;
    for (int i = 0; always[i]; i++) add_prefix(c, always[i], NULL);
    kg_prefix_each(store, add_prefix, c, NULL);
    PredCtx p = {c, store, {0}};
    kg_pred_stats_each(store, add_predicate, &p, NULL);
    kg_buf_free(&p.name);
    add_classes(c, store);
    kg_interrupt_clear(); // a Ctrl-C while reading only shortens the list
    if (!c->n) return;
    qsort(c->words, c->n, sizeof *c->words, compare_words);
    size_t kept = 1;
    for (size_t i = 1; i < c->n; i++) {
        if (strcmp(c->words[i], c->words[kept - 1]) == 0)
            kg_free(c->words[i]);
        else
            c->words[kept++] = c->words[i];
    }
    c->n = kept;
}

/* libedit frees the candidates it is given, hence malloc'd copies (strdup): the one place
 * repl/ allocates outside kg_malloc. */
static char *copy_with_case(const char *word, int lower)
{
    char *s = strdup(word);
    if (s && lower)
        for (char *p = s; *p; p++) *p = (char)tolower((unsigned char)*p);
    return s;
}

/* The candidates for the word being completed, one per call, state 0 for the first. */
static char *next_match(const char *text, int state)
{
    ReplCompletion *c = completing->completion;
    size_t n = strlen(text);
    if (state == 0) c->next_index = 0;
    if (c->want_commands) { // ".lo" -> ".load": both tables, one index over their rows
        size_t n_main = 0;
        while (repl_commands[n_main].name) n_main++;
        for (;; c->next_index++) {
            size_t i = c->next_index;
            const ReplCommand *cmd = i < n_main ? &repl_commands[i] : &repl_shell_commands[i - n_main];
            if (!cmd->name) return NULL;
            if (strncmp(cmd->name, text + 1, n - 1) == 0) {
                c->next_index++;
                KgBuf b = {0};
                char *s = kg_buf_printf(&b, ".%s", cmd->name) == KG_OK ? strdup(b.data) : NULL;
                kg_buf_free(&b);
                return s;
            }
        }
    }
    // Keywords first (in the case the user types them), then the store's words.
    size_t n_keywords = 0;
    while (sparql_keywords[n_keywords]) n_keywords++;
    for (; c->next_index < n_keywords + c->n; c->next_index++) {
        size_t i = c->next_index;
        if (i < n_keywords) {
            const char *k = sparql_keywords[i];
            if (n && strncasecmp(k, text, n) == 0 && !strchr(text, ':')) {
                c->next_index++;
                return copy_with_case(k, islower((unsigned char)text[0]));
            }
        } else if (strncmp(c->words[i - n_keywords], text, n) == 0) {
            c->next_index++;
            return strdup(c->words[i - n_keywords]);
        }
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    Repl *r = completing;
    rl_attempted_completion_over = 1; // never file names
    rl_completion_append_character = ' ';
    const char *line = rl_line_buffer ? rl_line_buffer : "";
    r->completion->want_commands = text[0] == '.' && (size_t)start == strspn(line, " \t");
    if (!r->completion->want_commands && (!r->completion->built || r->completion->n_writes != r->n_writes))
        build(r->completion, r);
    char **matches = rl_completion_matches(text, next_match);
    // "pizza:" is a start, not a word: no blank after it. One match is {match, NULL} or,
    // from libedit, {common part, match, NULL}.
    int single = matches && matches[0] && (!matches[1] || !matches[2]);
    if (single && matches[0][0] && matches[0][strlen(matches[0]) - 1] == ':')
        rl_completion_append_character = '\0';
    return matches;
}

void repl_completion_install(Repl *r)
{
    if (!r->completion && !(r->completion = kg_calloc(1, sizeof *r->completion))) return;
    completing = r;
    rl_attempted_completion_function = complete;
    // Words break at blanks and SPARQL punctuation, not at ':' (CURIEs) or '.' (commands).
    rl_basic_word_break_characters = " \t\n\"'`<>=;|&{}(),";
}

void repl_completion_free(Repl *r)
{
    if (!r->completion) return;
    clear_words(r->completion);
    kg_free(r->completion->words);
    kg_free(r->completion);
    r->completion = NULL;
    if (completing == r) {
        completing = NULL;
        rl_attempted_completion_function = NULL;
    }
}
