/* kg/query.c: TEMPORARY placeholder until the query runtime lands. */
#include "sparql.h"

KgStatus kg_query_prepare(KgStore *store, const char *text, size_t len, const char *name,
                          KgQuery **out, KgError *err)
{
    *out = NULL;
    return kg_error_set(err, KG_ERR_INTERNAL, "SPARQL queries not built yet");
}
KgQueryForm kg_query_form(const KgQuery *q) { return KG_QUERY_SELECT; }
const char *kg_query_explain(const KgQuery *q) { return ""; }
size_t kg_query_n_columns(const KgQuery *q) { return 0; }
const char *kg_query_column(const KgQuery *q, size_t i) { return ""; }
KgStatus kg_query_next(KgQuery *q, KgError *err) { return KG_DONE; }
int kg_query_value(KgQuery *q, size_t i, KgTerm *out) { return 0; }
KgTermId kg_query_value_id(const KgQuery *q, size_t i) { return 0; }
void kg_query_free(KgQuery *q) {}
