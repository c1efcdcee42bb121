/* tests/neural/svg_check.h: what the plot tests (test_plot.c, test_scatter.c) share to read
 * an SVG back as text: counting a string, the files of a directory, and a small
 * well-formedness check, since unit tests do not link libxml2. */
#ifndef NOUS_TESTS_NEURAL_SVG_CHECK_H
#define NOUS_TESTS_NEURAL_SVG_CHECK_H

#include "../kg/helpers.h"

static inline size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

static inline size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

/* A small well-formedness check, since unit tests do not link libxml2: the document is one
 * <svg> element after an optional XML declaration, every start tag is closed by the end
 * tag of the same name, attribute values are quoted, and every '&' starts an entity. */
static inline void assert_well_formed(const char *svg)
{
    size_t len = strlen(svg);
    cr_assert(strncmp(svg, "<?xml", 5) == 0 || strncmp(svg, "<svg", 4) == 0,
              "starts with %.20s", svg);
    cr_assert(len >= 7 && strcmp(svg + len - 7, "</svg>\n") == 0, "does not end with </svg>");
    const char *p = svg;
    if (strncmp(p, "<?xml", 5) == 0) {
        p = strstr(p, "?>");
        cr_assert_not_null(p);
        p += 2;
    }
    char stack[64][32];
    int depth = 0, seen_root = 0;
    while (*p) {
        if (*p == '&') {
            size_t n = strspn(p + 1, "abcdefghijklmnopqrstuvwxyz#0123456789");
            cr_assert(n > 0 && p[1 + n] == ';', "a bare '&' at: %.30s", p);
            p++;
            continue;
        }
        if (*p != '<') {
            cr_assert(*p != '>' || depth > 0, "text outside the root");
            p++;
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t name_len = strcspn(name, " \t\n/>");
        cr_assert(name_len > 0 && name_len < 32, "a bad tag at: %.30s", p);
        // find the end of the tag, stepping over quoted attribute values
        const char *q = name + name_len;
        while (*q && *q != '>') {
            if (*q == '"' || *q == '\'') {
                const char *close = strchr(q + 1, *q);
                cr_assert_not_null(close, "an unterminated attribute value");
                cr_assert(memchr(q + 1, '<', (size_t)(close - q - 1)) == NULL,
                          "a raw '<' in an attribute value");
                q = close;
            }
            q++;
        }
        cr_assert_eq(*q, '>', "an unterminated tag");
        int empty = q[-1] == '/';
        if (closing) {
            cr_assert(depth > 0, "a stray end tag");
            depth--;
            cr_assert(strlen(stack[depth]) == name_len &&
                          strncmp(stack[depth], name, name_len) == 0,
                      "<%s> closed by </%.*s>", stack[depth], (int)name_len, name);
        } else if (!empty) {
            cr_assert(depth > 0 || !seen_root, "two root elements");
            cr_assert(depth < 64);
            memcpy(stack[depth], name, name_len);
            stack[depth][name_len] = '\0';
            depth++;
            seen_root = 1;
        }
        p = q + 1;
    }
    cr_assert_eq(depth, 0, "%d elements left open", depth);
    cr_assert(seen_root);
}

#endif
