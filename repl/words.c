/* repl/words.c: a shell line split into the words of a command, as a POSIX shell would for
 * quotes but keeping RDF's own: a "literal" (with its quotes) and an <IRI> are one word each,
 * '...' quotes a word with blanks, and '#' at the start of a word begins a comment. */
#include "repl/internal.h"

#include <string.h>

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
