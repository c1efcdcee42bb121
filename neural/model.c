/* neural/model.c: the list of models, a model's parameters, and scoring a batch of queries
 * against every entity (an KgLinkScoreFn, for evaluation and prediction): for dot-product models
 * the queries' vectors times the entity matrix in one sgemm, for distance models each
 * entity's score against the query vector. The initial rows the models share. */
#include "internal.h"

#include <string.h>

static const NnModelOps *const models[] = {&nn_transe, &nn_distmult, &nn_complex, &nn_rotate};
#define N_MODELS (sizeof models / sizeof models[0])

const char *const *nn_model_names(void)
{
    static const char *names[N_MODELS + 1];
    for (size_t i = 0; i < N_MODELS; i++) names[i] = models[i]->name;
    return names;
}

const NnModelOps *nn_model_ops(const char *name)
{
    for (size_t i = 0; i < N_MODELS; i++)
        if (strcmp(models[i]->name, name) == 0) return models[i];
    return NULL;
}

NnModel *nn_model_new(const NnModelOps *ops, size_t n_entities, size_t n_relations, size_t dim)
{
    NnModel *m = kg_calloc(1, sizeof *m);
    if (!m) return NULL;
    m->ops = ops;
    m->n_entities = n_entities;
    m->n_relations = n_relations;
    m->dim = dim;
    m->entity_width = ops->entity_width(dim);
    m->relation_width = ops->relation_width(dim);
    m->ent = kg_malloc((n_entities ? n_entities : 1) * m->entity_width * sizeof *m->ent);
    m->rel = kg_malloc((n_relations ? n_relations : 1) * m->relation_width * sizeof *m->rel);
    if (!m->ent || !m->rel) {
        nn_model_free(m);
        return NULL;
    }
    return m;
}

void nn_fill_uniform(float *x, size_t n, KgRng *g, double bound)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(bound * (2 * kg_rng_uniform(g) - 1));
}

void nn_init_normal(NnModel *m, KgRng *g, double scale)
{
    for (size_t i = 0; i < m->n_entities * m->entity_width; i++) m->ent[i] = (float)(scale * kg_rng_normal(g));
    for (size_t i = 0; i < m->n_relations * m->relation_width; i++) m->rel[i] = (float)(scale * kg_rng_normal(g));
}

void nn_init_uniform(NnModel *m, KgRng *g, double scale)
{
    nn_fill_uniform(m->ent, m->n_entities * m->entity_width, g, scale);
    nn_fill_uniform(m->rel, m->n_relations * m->relation_width, g, scale);
}

void nn_model_free(NnModel *m)
{
    if (!m) return;
    kg_free(m->ent);
    kg_free(m->rel);
    kg_free(m);
}

const char *nn_model_name(const NnModel *m) { return m->ops->name; }

KgStatus nn_model_score(void *model, const uint32_t *anchor, const uint32_t *rel, size_t n, float *out,
                        KgError *err)
{
    NnModel *m = model;
    float *q = kg_malloc((n ? n : 1) * m->entity_width * sizeof *q);
    if (!q) return kg_error_set(err, KG_ERR_NOMEM, "out of memory scoring queries");
    for (size_t i = 0; i < n; i++)
        m->ops->query(m, nn_ent(m, anchor[i]), nn_rel(m, rel[i]), q + i * m->entity_width);
    if (!m->ops->dot_product) {
        for (size_t i = 0; i < n; i++)
            for (size_t e = 0; e < m->n_entities; e++)
                out[i * m->n_entities + e] = m->ops->score(m, q + i * m->entity_width, nn_ent(m, (uint32_t)e));
        kg_free(q);
        return KG_OK;
    }
    nn_sgemm(0, 1, n, m->n_entities, m->entity_width, q, m->entity_width, m->ent, m->entity_width, 0.0f, out,
             m->n_entities);
    kg_free(q);
    return KG_OK;
}
