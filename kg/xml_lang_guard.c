/* kg/xml_lang_guard.c: RDF/XML's xml:lang values checked before raptor2's RDF/XML parser
 * sees them. raptor2 keeps a language tag's length in a byte; its RDF/XML parser writes a
 * longer tag past the end of the copy it allocates, so a file with such a tag corrupts memory
 * before any statement reaches nous. A raw-text search cannot find every such value (entities,
 * character references, DTD defaults, encodings), so the guard reads the same chunks with
 * raptor2's own XML layer (raptor_sax2, on libxml2, in a world of its own) one step ahead of
 * the RDF/XML parser, and refuses an element whose xml:lang is too long before the chunk
 * holding it is given to the parser. Both read the same bytes through the same libxml2 (the
 * guard line by line, to know the line), so the guard meets each start tag no later than the
 * parser does; an XML error the guard meets is reported at once, so that a chunk the guard
 * could not read never reaches the parser. */
#include "internal.h"

#include <raptor2.h>
#include <string.h>

struct KgXmlLangGuard {
    raptor_world *world;
    raptor_sax2 *sax2;
    raptor_uri *base;
    raptor_locator locator; /* raptor_sax2 wants one; it updates it only on errors */
    unsigned long line;     /* of the byte being read, 1-based */
    int started;            /* the XML parser has its first byte */
    const char *file;
    KgError *err; /* where the chunk being read reports */
    KgStatus status;
};

static void on_start(void *user, raptor_xml_element *element)
{
    KgXmlLangGuard *g = user;
    if (g->status != KG_OK) return;
    const unsigned char *lang = raptor_xml_element_get_language(element);
    size_t len = lang ? strlen((const char *)lang) : 0;
    if (len <= KG_MAX_LANG_TAG) return;
    g->status = kg_error_at(g->err, KG_ERR_SYNTAX, g->file, g->line, 0,
                            "an xml:lang of %zu bytes: raptor2, which reads RDF for nous, "
                            "holds a language tag of at most %d", len, KG_MAX_LANG_TAG);
}

/* An XML error stops the guard's reading; the RDF/XML parser meets the same error in the same
 * place, and any error fails a load, so the guard reports it then and there: the parser is not
 * given a chunk the guard could not read to its end. */
static void on_log(void *user, raptor_log_message *m)
{
    KgXmlLangGuard *g = user;
    if (m->level < RAPTOR_LOG_LEVEL_ERROR || g->status != KG_OK) return;
    unsigned long line = m->locator && m->locator->line > 0 ? (unsigned long)m->locator->line : g->line;
    char text[200];
    kg_raptor_message(text, sizeof text, m->text ? m->text : "XML error");
    g->status = kg_error_at(g->err, KG_ERR_SYNTAX, g->file, line, 0, "%s", text);
}

/* Nothing is fetched: no DTD, no external entity, from the network or from a file. */
static int refuse_every_uri(void *user, raptor_uri *uri)
{
    (void)user, (void)uri;
    return 1;
}

KgXmlLangGuard *kg_xml_lang_guard_new(const char *file, const char *base_iri)
{
    KgXmlLangGuard *g = kg_calloc(1, sizeof *g);
    if (!g) return NULL;
    g->file = file;
    g->line = 1;
    g->world = raptor_new_world();
    if (!g->world || raptor_world_open(g->world) != 0) goto fail;
    raptor_world_set_log_handler(g->world, g, on_log);
    g->base = raptor_new_uri(g->world, (const unsigned char *)base_iri);
    g->sax2 = raptor_new_sax2(g->world, &g->locator, g);
    if (!g->base || !g->sax2) goto fail;
    raptor_sax2_set_start_element_handler(g->sax2, on_start);
    raptor_sax2_set_uri_filter(g->sax2, refuse_every_uri, NULL);
    raptor_sax2_parse_start(g->sax2, g->base);
    return g;
fail:
    kg_xml_lang_guard_free(g);
    return NULL;
}

KgStatus kg_xml_lang_guard_chunk(KgXmlLangGuard *g, const char *buf, size_t n, int is_end,
                                 KgError *err)
{
    g->err = err;
    // Line by line: libxml2 reports a start tag once its '>' has been read, so the line being
    // read is the tag's line (raptor2 updates its locator only for errors).
    size_t from = 0;
    if (!g->started && n > 0) {
        // raptor's first call only keeps its bytes (libxml2 tells the encoding from the first
        // four); they are parsed with the next call's, still on the first line.
        from = n < 4 ? n : 4;
        const char *nl = memchr(buf, '\n', from);
        if (nl) from = (size_t)(nl - buf);
        if (from == 0) from = 1;
        raptor_sax2_parse_chunk(g->sax2, (const unsigned char *)buf, from, 0);
        g->started = 1;
    }
    while (g->status == KG_OK && from < n) {
        const char *nl = memchr(buf + from, '\n', n - from);
        size_t to = nl ? (size_t)(nl - buf) + 1 : n;
        raptor_sax2_parse_chunk(g->sax2, (const unsigned char *)buf + from, to - from, 0);
        if (nl && g->status == KG_OK) g->line++;
        from = to;
    }
    if (g->status == KG_OK && is_end) raptor_sax2_parse_chunk(g->sax2, NULL, 0, 1);
    return g->status;
}

void kg_xml_lang_guard_free(KgXmlLangGuard *g)
{
    if (!g) return;
    if (g->sax2) raptor_free_sax2(g->sax2);
    if (g->base) raptor_free_uri(g->base);
    if (g->world) raptor_free_world(g->world);
    kg_free(g);
}
