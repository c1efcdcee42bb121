/* kg/sparql_funcs.c: TEMPORARY placeholder until the SQL functions land. */
#include "sparql.h"

KgStatus sp_funcs_register(KgStore *store, KgError *err) { return KG_OK; }
void sp_funcs_reset(KgStore *store) {}
void sp_funcs_free(KgStore *store) {}
KgStatus sp_term_encode(const KgTerm *t, KgBuf *buf) { return KG_ERR_INTERNAL; }
KgStatus sp_term_decode(const char *text, size_t len, KgTerm *out, KgBuf *scratch)
{
    return KG_ERR_INTERNAL;
}
