/* kg/locate.c: the column of a Turtle or TriG syntax error. raptor2's Turtle parser reports
 * only the line, and users need line:column. The input is parsed again, cut after each token
 * of that line (binary search): the shortest cut that fails for a reason other than ending
 * early ends with the offending token. Only the error path pays for this. */
#include "internal.h"

#include <raptor2.h>
#include <string.h>

typedef struct {
    int failed; /* an error that is not "the input ended early" */
    unsigned long line;
    raptor_parser *parser;
} Probe;

static void probe_log(void *user, raptor_log_message *m)
{
    Probe *p = user;
    if (m->level < RAPTOR_LOG_LEVEL_ERROR || p->failed) return;
    if (m->text && strstr(m->text, "$end")) return;
    p->failed = 1;
    p->line = m->locator && m->locator->line > 0 ? (unsigned long)m->locator->line : 0;
    // Some errors (an undeclared prefix) come without a locator; the parser knows the line.
    raptor_locator *loc = p->line ? NULL : raptor_parser_get_locator(p->parser);
    if (loc && loc->line > 0) p->line = (unsigned long)loc->line;
}

static void probe_statement(void *user, raptor_statement *st) { (void)user, (void)st; }

/* Does data[0..n) fail, with an error on `line`, other than by ending early? */
static int prefix_fails(const char *parser_name, const char *base, const char *data, size_t n,
                        unsigned long line)
{
    Probe p = {0, 0, NULL};
    raptor_world *world = raptor_new_world();
    if (!world || raptor_world_open(world) != 0) {
        raptor_free_world(world);
        return -1;
    }
    raptor_world_set_log_handler(world, &p, probe_log);
    raptor_parser *parser = raptor_new_parser(world, parser_name);
    raptor_uri *uri = raptor_new_uri(world, (const unsigned char *)base);
    int result = -1;
    p.parser = parser;
    if (parser && uri) {
        raptor_parser_set_statement_handler(parser, &p, probe_statement);
        raptor_parser_set_option(parser, RAPTOR_OPTION_NO_NET, NULL, 1);
        raptor_parser_set_option(parser, RAPTOR_OPTION_NO_FILE, NULL, 1);
        if (raptor_parser_parse_start(parser, uri) == 0) {
            raptor_parser_parse_chunk(parser, (const unsigned char *)data, n, 1);
            result = p.failed && p.line == line;
        }
    }
    raptor_free_uri(uri);
    raptor_free_parser(parser);
    raptor_free_world(world);
    return result;
}

#define MAX_TOKENS 512

unsigned long kg_locate_column(const char *parser_name, const char *base, const char *data,
                               size_t len, unsigned long line)
{
    if (!line || len > KG_LOCATE_MAX_INPUT) return 0;
    // Find the line.
    size_t start = 0;
    for (unsigned long l = 1; l < line; l++) {
        const char *nl = memchr(data + start, '\n', len - start);
        if (!nl) return 0;
        start = (size_t)(nl - data) + 1;
    }
    const char *nl = memchr(data + start, '\n', len - start);
    size_t end = nl ? (size_t)(nl - data) : len;
    // The tokens of the line: where each starts, and the cut just after it.
    size_t cuts[MAX_TOKENS], starts[MAX_TOKENS];
    int n_cuts = 0;
    size_t i = start;
    while (i < end && n_cuts < MAX_TOKENS) {
        while (i < end && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r')) i++;
        if (i == end) break;
        starts[n_cuts] = i;
        while (i < end && data[i] != ' ' && data[i] != '\t' && data[i] != '\r') i++;
        cuts[n_cuts++] = i;
    }
    if (n_cuts == 0) return 0;
    // Binary search for the first cut that already fails.
    int lo = 0, hi = n_cuts - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int r = prefix_fails(parser_name, base, data, cuts[mid], line);
        if (r < 0) return 0;
        if (r) {
            found = mid;
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }
    if (found < 0) return 0;
    // Columns count characters, not bytes.
    unsigned long col = 1;
    for (size_t j = start; j < starts[found]; j++)
        if (((unsigned char)data[j] & 0xC0) != 0x80) col++;
    return col;
}
