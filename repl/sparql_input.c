/* repl/sparql_input.c: SPARQL typed at the shell's prompt. A line whose first word is a
 * SPARQL keyword that can open a query starts one; more lines are read until the braces
 * balance and a line ends with ';' (or an empty line comes). Braces, ';' and '#' inside
 * strings, IRIs and comments do not count, so the text is scanned with SPARQL's own token
 * rules for those three. */
#include "repl/internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

int repl_starts_query(const char *line)
{
    static const char *const keywords[] = {"PREFIX", "BASE",      "SELECT",   "ASK",
                                           "CONSTRUCT", "DESCRIBE", NULL};
    while (*line == ' ' || *line == '\t') line++;
    size_t n = 0;
    while (isalpha((unsigned char)line[n])) n++;
    for (int i = 0; keywords[i]; i++)
        if (strlen(keywords[i]) == n && strncasecmp(line, keywords[i], n) == 0) return 1;
    return 0;
}

/* SPARQL's IRIREF: '<' then no blank, control character or <>"{}|^`\ up to '>'. Anything
 * else starting with '<' is the less-than operator. Returns the offset after '>' or 0. */
static size_t iri_end(const char *s, size_t i, size_t len)
{
    for (size_t j = i + 1; j < len; j++) {
        unsigned char c = (unsigned char)s[j];
        if (c == '>') return j + 1;
        if (c <= 0x20 || strchr("<\"{}|^`\\", c)) return 0;
    }
    return 0;
}

int repl_query_complete(const char *text, size_t len, int blank_line, size_t *end)
{
    long depth = 0;
    size_t last = len; // offset of the last character outside comments and blanks
    size_t i = 0;
    while (i < len) {
        char c = text[i];
        if (c == '#') {
            while (i < len && text[i] != '\n') i++;
            continue;
        }
        if (c == '<') {
            size_t e = iri_end(text, i, len);
            if (e) {
                last = e - 1;
                i = e;
                continue;
            }
        } else if (c == '"' || c == '\'') {
            int is_long = i + 2 < len && text[i + 1] == c && text[i + 2] == c;
            size_t j = i + (is_long ? 3 : 1);
            for (;;) {
                if (j >= len) {
                    if (is_long) return 0; // a long string goes on over the next lines
                    break;
                }
                if (text[j] == '\\') {
                    j += 2;
                } else if (is_long ? (j + 2 < len && text[j] == c && text[j + 1] == c &&
                                      text[j + 2] == c)
                                   : text[j] == c) {
                    j += is_long ? 3 : 1;
                    break;
                } else if (!is_long && text[j] == '\n') {
                    break; // a short string cannot span lines: the parser will say so
                } else {
                    j++;
                }
            }
            last = (j > len ? len : j) - 1;
            i = j;
            continue;
        } else if (c == '{') {
            depth++;
        } else if (c == '}') {
            depth--;
        }
        if (!isspace((unsigned char)c)) last = i;
        i++;
    }
    if (depth > 0) return 0;
    if (last < len && text[last] == ';') {
        *end = last;
        return 1;
    }
    if (blank_line) {
        *end = len;
        return 1;
    }
    return 0;
}
