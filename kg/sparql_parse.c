/* kg/sparql_parse.c: TEMPORARY placeholder until the parser lands. */
#include "sparql.h"

KgStatus sp_parse(KgStore *store, const char *text, size_t len, const char *name,
                  KgArena *arena, SpQuery **out, KgError *err)
{
    return kg_error_set(err, KG_ERR_INTERNAL, "SPARQL parser not built yet");
}
