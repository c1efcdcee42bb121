/* neural/pca.c: principal component analysis, for plot-embeddings' 2-D picture of a set's
 * entity vectors. The centred rows' scatter matrix is summed in double by dsyrk a block of
 * rows at a time (memory: width^2 plus a block, however many rows), LAPACK's dsyevr (MRRR)
 * finds only its top eigenvectors, and one dgemm per block projects the rows on them. The
 * scatter matrix is the covariance times n - 1, which changes neither the directions nor
 * their shares of the variance. */
#include "internal.h"

#include <lapacke.h>
#include <limits.h>
#include <string.h>

#define BLOCK_ROWS 256

/* Rows i0 .. i0 + n_rows of x minus the mean, in double. */
static void centre_block(const float *x, size_t i0, size_t n_rows, size_t width,
                         const double *mean, double *block)
{
    for (size_t r = 0; r < n_rows; r++) {
        const float *row = x + (i0 + r) * width;
        double *dst = block + r * width;
        for (size_t j = 0; j < width; j++) dst[j] = (double)row[j] - mean[j];
    }
}

/* Whether every row equals the first (a NaN equals nothing). */
static int all_rows_equal(const float *x, size_t n, size_t width)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < width; j++)
            if (x[i * width + j] != x[j]) return 0;
    return 1;
}

/* The sign rule: the loading of largest magnitude is positive; loadings within a relative
 * 1e-9 of it count as equal (rounding must not decide), and the first of them decides. */
static void fix_sign(double *v, size_t width)
{
    double biggest = 0;
    for (size_t j = 0; j < width; j++) biggest = fmax(biggest, fabs(v[j]));
    size_t j = 0;
    while (j + 1 < width && fabs(v[j]) < biggest * (1 - 1e-9)) j++;
    if (v[j] < 0)
        for (size_t i = 0; i < width; i++) v[i] = -v[i];
}

/* The top k eigenvectors of the symmetric width x width matrix s (its upper triangle, row-major,
 * is overwritten), best first, as the rows of v (k x width), and their eigenvalues in
 * lambda (k). */
static KgStatus top_eigenvectors(double *s, size_t width, size_t k, double *v, double *lambda,
                                 KgError *err)
{
    KgStatus st = KG_OK;
    lapack_int n = (lapack_int)width, il = (lapack_int)(width - k + 1), iu = (lapack_int)width;
    lapack_int m = 0, liwork = -1, lwork = -1, iwork_size = 0;
    double work_size = 0;
    double *w = kg_malloc(width * sizeof *w), *z = kg_malloc(width * k * sizeof *z), *work = NULL;
    lapack_int *isuppz = kg_malloc(2 * k * sizeof *isuppz), *iwork = NULL;
    if (!w || !z || !isuppz) goto nomem;
    // The matrix is symmetric, so its row-major upper triangle is the column-major lower one:
    // asking LAPACK for column-major and 'L' spares the transposed copies LAPACKE would make.
    lapack_int info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', n, s, n, 0, 0, il, iu,
                                          0.0, &m, w, z, n, isuppz, &work_size, lwork,
                                          &iwork_size, liwork);
    if (info == 0) {
        lwork = (lapack_int)work_size;
        liwork = iwork_size;
        work = kg_malloc((size_t)lwork * sizeof *work);
        iwork = kg_malloc((size_t)liwork * sizeof *iwork);
        if (!work || !iwork) goto nomem;
        info = LAPACKE_dsyevr_work(LAPACK_COL_MAJOR, 'V', 'I', 'L', n, s, n, 0, 0, il, iu, 0.0,
                                   &m, w, z, n, isuppz, work, lwork, iwork, liwork);
    }
    if (info != 0 || m != (lapack_int)k) {
        st = kg_error_set(err, KG_ERR_INTERNAL, "LAPACK's dsyevr failed (info %d, %d of %zu "
                          "eigenvectors)", (int)info, (int)m, k);
        goto out;
    }
    // dsyevr lists them in ascending order, one per column of z
    for (size_t c = 0; c < k; c++) {
        memcpy(v + c * width, z + (k - 1 - c) * width, width * sizeof *v);
        lambda[c] = w[k - 1 - c];
        fix_sign(v + c * width, width);
    }
    goto out;
nomem:
    st = kg_error_set(err, KG_ERR_NOMEM, "out of memory for the PCA of %zu-wide rows", width);
out:
    kg_free(w), kg_free(z), kg_free(work), kg_free(isuppz), kg_free(iwork);
    return st;
}

KgStatus nn_pca(const float *x, size_t n, size_t width, size_t n_components, float *out,
                double *explained, KgError *err)
{
    if (n < 2) return kg_error_set(err, KG_ERR_ARG, "PCA needs at least 2 rows, not %zu", n);
    if (n_components == 0 || n_components > width)
        return kg_error_set(err, KG_ERR_ARG, "PCA of rows of %zu value%s cannot give %zu "
                            "component%s", width, width == 1 ? "" : "s", n_components,
                            n_components == 1 ? "" : "s");
    if (width > (size_t)INT_MAX || width > SIZE_MAX / sizeof(double) / width)
        return kg_error_set(err, KG_ERR_ARG, "rows of %zu values are too wide for PCA", width);
    size_t k = n_components;
    KgStatus st = KG_OK;
    double *mean = kg_calloc(width, sizeof *mean);
    double *scatter = kg_calloc(width * width, sizeof *scatter);
    double *block = kg_malloc(BLOCK_ROWS * width * sizeof *block);
    double *v = kg_malloc(k * width * sizeof *v), *lambda = kg_malloc(k * sizeof *lambda);
    double *proj = kg_malloc(BLOCK_ROWS * k * sizeof *proj);
    if (!mean || !scatter || !block || !v || !lambda || !proj) {
        st = kg_error_set(err, KG_ERR_NOMEM, "out of memory for the PCA of %zu rows of %zu values",
                          n, width);
        goto out;
    }
    if (all_rows_equal(x, n, width)) {
        // no variance; the test is exact, where a mean rounded in double would leave noise
        memset(out, 0, n * k * sizeof *out);
        if (explained) memset(explained, 0, k * sizeof *explained);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < width; j++) mean[j] += x[i * width + j];
    for (size_t j = 0; j < width; j++) mean[j] /= (double)n;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_ROWS) {
        if (kg_interrupted()) {
            st = kg_error_set(err, KG_ERR_INTERRUPTED, "interrupted");
            goto out;
        }
        size_t n_rows = n - i0 < BLOCK_ROWS ? n - i0 : BLOCK_ROWS;
        centre_block(x, i0, n_rows, width, mean, block);
        nn_dsyrk(width, n_rows, block, width, 1.0, scatter, width);
    }
    // the total variance, above 0 since two rows differ (floats squared do not underflow in
    // double); a NaN or an infinity anywhere in x ends up on the diagonal
    double total = 0;
    for (size_t j = 0; j < width; j++) total += scatter[j * width + j];
    if (!isfinite(total)) {
        st = kg_error_set(err, KG_ERR_ARG, "PCA of rows holding values that are not finite");
        goto out;
    }
    if ((st = top_eigenvectors(scatter, width, k, v, lambda, err)) != KG_OK) goto out;
    for (size_t i0 = 0; i0 < n; i0 += BLOCK_ROWS) {
        if (kg_interrupted()) {
            st = kg_error_set(err, KG_ERR_INTERRUPTED, "interrupted");
            goto out;
        }
        size_t n_rows = n - i0 < BLOCK_ROWS ? n - i0 : BLOCK_ROWS;
        centre_block(x, i0, n_rows, width, mean, block);
        nn_dgemm(0, 1, n_rows, k, width, block, width, v, width, 0.0, proj, k);
        for (size_t r = 0; r < n_rows * k; r++) out[i0 * k + r] = (float)proj[r];
    }
    // rounding can leave the smallest eigenvalues a hair below zero
    if (explained)
        for (size_t c = 0; c < k; c++) explained[c] = fmax(lambda[c], 0.0) / total;
out:
    kg_free(mean), kg_free(scatter), kg_free(block), kg_free(v), kg_free(lambda), kg_free(proj);
    return st;
}
