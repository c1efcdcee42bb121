/* neural/model_store.c: a trained model kept in the store (kg_embedding_save) and read back
 * as a model for prediction: entity rows by term, relation rows by term in both directions
 * (the reciprocal relations' rows are the inverse direction), the model's name, dimension
 * and margin, and the training settings as JSON text. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

KgStatus nn_model_save(KgStore *store, const NnModel *m, const KgLinkDataset *d, const char *name,
                       const char *settings, KgError *err)
{
    if (!d->entity_terms || !d->relation_terms)
        return kg_error_set(err, KG_ERR_ARG, "a model trained on a benchmark folder has no store terms to save");
    KgEmbeddingInfo info = {name, m->ops->name, m->dim, m->entity_width, m->relation_width, settings};
    size_t r = d->n_relations;
    return kg_embedding_save(store, &info, d->n_entities, d->entity_terms, m->ent, r, d->relation_terms, m->rel,
                             m->rel + r * m->relation_width, err);
}

/* The number after "key": in JSON text (0 when absent). */
static double json_number(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = json ? strstr(json, pat) : NULL;
    return at ? strtod(at + strlen(pat), NULL) : 0;
}

KgStatus nn_model_load(KgStore *store, const char *name, NnModel **out, KgEmbedding **emb, KgError *err)
{
    *out = NULL;
    *emb = NULL;
    KgEmbedding *e = NULL;
    KgStatus s = kg_embedding_load(store, name, &e, err);
    if (s != KG_OK) return s;
    const KgEmbeddingInfo *info = kg_embedding_info(e);
    const NnModelOps *ops = nn_model_ops(info->model);
    if (!ops || ops->entity_width(info->dim) != info->entity_width || ops->relation_width(info->dim) != info->relation_width) {
        kg_embedding_free(e);
        return kg_error_set(err, KG_ERR_DB, "embeddings %s: model '%s' of dimension %zu does not match its rows", name,
                            info->model, info->dim);
    }
    size_t n_e = kg_embedding_n_entities(e), n_r = kg_embedding_n_relations(e);
    NnModel *m = nn_model_new(ops, n_e, 2 * n_r, info->dim);
    if (!m) {
        kg_embedding_free(e);
        return kg_error_set(err, KG_ERR_NOMEM, "out of memory loading embeddings %s", name);
    }
    m->gamma = (float)json_number(info->settings, "gamma");
    for (size_t i = 0; i < n_e; i++) {
        const float *v;
        kg_embedding_entity(e, i, &v);
        memcpy(nn_ent(m, (uint32_t)i), v, m->entity_width * sizeof *v);
    }
    for (size_t i = 0; i < n_r; i++) {
        const float *v, *inv;
        kg_embedding_relation(e, i, &v, &inv);
        if (!inv) {
            nn_model_free(m);
            kg_embedding_free(e);
            return kg_error_set(err, KG_ERR_DB, "embeddings %s: a relation has no reciprocal row", name);
        }
        memcpy(nn_rel(m, (uint32_t)i), v, m->relation_width * sizeof *v);
        memcpy(nn_rel(m, (uint32_t)(n_r + i)), inv, m->relation_width * sizeof *v);
    }
    *out = m;
    *emb = e;
    return KG_OK;
}
