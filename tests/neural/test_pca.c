/* tests/neural/test_pca.c: principal components (neural/pca.c) on data whose structure is
 * known: a noisy line, a plane with an exact covariance, random data against a covariance
 * built by hand and power iteration. nn_pca returns projections only, so each component is
 * recovered from them: the projections p = Xc v of the centred rows on an eigenvector v of
 * Xc^T Xc give Xc^T p = lambda v and p.p = lambda, hence v = Xc^T p / p.p. Also: the sign
 * rule, answers that do not depend on the order or the sign of the rows, rows with no
 * variance, bad arguments and failed allocations. */
#include "neural/nn.h"
#include "kg/rng.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { W = 10 };

/* Runs a PCA that must succeed. */
static void pca_ok(const float *x, size_t n, size_t width, size_t k, float *out, double *explained)
{
    KgError err = {0};
    KgStatus st = nn_pca(x, n, width, k, out, explained, &err);
    cr_assert_eq(st, KG_OK, "nn_pca: %s (%s)", kg_status_name(st), err.msg);
}

/* Component c (of k) as recovered from the projections, into v (width). */
static void component(const float *x, size_t n, size_t width, const float *out, size_t k,
                      size_t c, double *v)
{
    double mean[64] = {0}, pp = 0;
    cr_assert_leq(width, 64);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < width; j++) mean[j] += x[i * width + j] / (double)n;
    memset(v, 0, width * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        double p = out[i * k + c];
        pp += p * p;
        for (size_t j = 0; j < width; j++) v[j] += (x[i * width + j] - mean[j]) * p;
    }
    cr_assert_gt(pp, 0, "component %zu: all projections are 0", c);
    for (size_t j = 0; j < width; j++) v[j] /= pp;
}

static double dot(const double *a, const double *b, size_t width)
{
    double s = 0;
    for (size_t j = 0; j < width; j++) s += a[j] * b[j];
    return s;
}

static void normalise(double *v, size_t width)
{
    double norm = sqrt(dot(v, v, width));
    for (size_t j = 0; j < width; j++) v[j] /= norm;
}

/* The sign rule: the loading of largest magnitude is positive. */
static void assert_sign_rule(const double *v, size_t width, size_t c)
{
    size_t big = 0;
    for (size_t j = 1; j < width; j++)
        if (fabs(v[j]) > fabs(v[big]) * (1 + 1e-6)) big = j;
    cr_assert_gt(v[big], 0, "component %zu: its largest loading (%zu) is %g", c, big, v[big]);
}

Test(pca, points_on_a_noisy_line_give_its_direction_and_almost_all_the_variance)
{
    enum { N = 600 };
    static float x[N * W], out[N * 2];
    // the line's largest loading is negative, so the component must come out as -d
    double d[W] = {0.1, -0.2, 0.3, -0.8, 0.05, 0.0, 0.2, -0.1, 0.3, 0.1}, t[N];
    normalise(d, W);
    KgRng g;
    kg_rng_seed(&g, 7);
    for (size_t i = 0; i < N; i++) {
        t[i] = 2.0 * kg_rng_normal(&g);
        for (size_t j = 0; j < W; j++)
            x[i * W + j] = (float)(5.0 + (double)j + t[i] * d[j] + 0.01 * kg_rng_normal(&g));
    }
    double explained[2], v[W];
    pca_ok(x, N, W, 2, out, explained);
    // noise: 10 dimensions of variance 1e-4 against about 4 along the line
    cr_expect_gt(explained[0], 0.999, "PC1 explains %g", explained[0]);
    cr_expect_lt(explained[1], 0.001, "PC2 explains %g", explained[1]);
    cr_expect_geq(explained[0], explained[1]);
    component(x, N, W, out, 2, 0, v);
    cr_expect_float_eq(dot(v, v, W), 1.0, 1e-4, "PC1 is not a unit vector");
    cr_expect_lt(dot(v, d, W), -0.9999, "PC1 . d = %g, expected -1", dot(v, d, W));
    assert_sign_rule(v, W, 0);
    // so the projections on PC1 run against t
    double corr = 0, tt = 0, pp = 0, t_mean = 0;
    for (size_t i = 0; i < N; i++) t_mean += t[i] / N;
    for (size_t i = 0; i < N; i++) {
        corr += (t[i] - t_mean) * out[i * 2], tt += (t[i] - t_mean) * (t[i] - t_mean);
        pp += (double)out[i * 2] * out[i * 2];
    }
    cr_expect_lt(corr / sqrt(tt * pp), -0.9999);
}

/* x = c + a u + b v for the four (a, b) in {-3, 3} x {-1, 1}, each `repeat` times: the
 * scatter matrix is n (9 u u^T + v v^T) exactly, the cross terms cancelling. */
static void plane(float *x, size_t repeat, double *u, double *v)
{
    double u0[W] = {1, 2, 0, -1, 0, 0, 3, 0, 0, 1}, v0[W] = {0, 1, 1, 0, -2, 0, 0, 1, 0, 0};
    memcpy(u, u0, sizeof u0);
    memcpy(v, v0, sizeof v0);
    normalise(u, W);
    double uv = dot(u, v, W);
    for (size_t j = 0; j < W; j++) v[j] -= uv * u[j];
    normalise(v, W);
    size_t i = 0;
    for (size_t r = 0; r < repeat; r++)
        for (int a = -3; a <= 3; a += 6)
            for (int b = -1; b <= 1; b += 2, i++)
                for (size_t j = 0; j < W; j++) x[i * W + j] = (float)(1.5 + a * u[j] + b * v[j]);
}

Test(pca, a_plane_of_known_covariance_gives_both_axes_and_their_exact_shares)
{
    enum { N = 100 };
    static float x[N * W], out[N * 3];
    double u[W], v[W], explained[3], c0[W], c1[W];
    plane(x, N / 4, u, v);
    pca_ok(x, N, W, 3, out, explained);
    cr_expect_float_eq(explained[0], 0.9, 1e-5, "PC1 explains %g, not 0.9", explained[0]);
    cr_expect_float_eq(explained[1], 0.1, 1e-5, "PC2 explains %g, not 0.1", explained[1]);
    cr_expect_float_eq(explained[2], 0.0, 1e-5, "PC3 explains %g, not 0", explained[2]);
    component(x, N, W, out, 3, 0, c0);
    component(x, N, W, out, 3, 1, c1);
    cr_expect_gt(fabs(dot(c0, u, W)), 0.99999, "PC1 . u = %g", dot(c0, u, W));
    cr_expect_gt(fabs(dot(c1, v, W)), 0.99999, "PC2 . v = %g", dot(c1, v, W));
    cr_expect_lt(fabs(dot(c0, c1, W)), 1e-5, "PC1 and PC2 are not orthogonal");
    assert_sign_rule(c0, W, 0);
    assert_sign_rule(c1, W, 1);
    // each point lands on (+-3, +-1)
    for (size_t i = 0; i < N; i++) {
        cr_expect_float_eq(fabs(out[i * 3]), 3.0, 1e-4, "row %zu: PC1 %g", i, out[i * 3]);
        cr_expect_float_eq(fabs(out[i * 3 + 1]), 1.0, 1e-4, "row %zu: PC2 %g", i, out[i * 3 + 1]);
        cr_expect_float_eq(out[i * 3 + 2], 0.0, 1e-4, "row %zu: PC3 %g", i, out[i * 3 + 2]);
    }
}

/* Correlated random rows: z N(0, 1) mixed by a fixed matrix whose columns fall off in scale,
 * so the eigenvalues are well apart. */
static void random_rows(float *x, size_t n, size_t width, uint64_t seed)
{
    KgRng g;
    kg_rng_seed(&g, seed);
    double mix[64 * 64];
    for (size_t a = 0; a < width; a++)
        for (size_t b = 0; b < width; b++) mix[a * width + b] = kg_rng_normal(&g) / (1.0 + 0.7 * b);
    for (size_t i = 0; i < n; i++) {
        double z[64];
        for (size_t b = 0; b < width; b++) z[b] = kg_rng_normal(&g);
        for (size_t a = 0; a < width; a++) {
            double s = 0.25 * (double)a;
            for (size_t b = 0; b < width; b++) s += mix[a * width + b] * z[b];
            x[i * width + a] = (float)s;
        }
    }
}

/* The two largest eigenvalues and their vectors of the covariance built by hand, by power
 * iteration and deflation. */
static void power_iteration(const float *x, size_t n, double *lambda, double *vecs, double *total)
{
    double mean[W] = {0}, cov[W * W] = {0};
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < W; j++) mean[j] += x[i * W + j] / (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < W; a++)
            for (size_t b = 0; b < W; b++)
                cov[a * W + b] += (x[i * W + a] - mean[a]) * (x[i * W + b] - mean[b]);
    *total = 0;
    for (size_t a = 0; a < W; a++) *total += cov[a * W + a];
    for (int c = 0; c < 2; c++) {
        double *v = vecs + c * W, next[W];
        for (size_t j = 0; j < W; j++) v[j] = 1.0 + 0.1 * (double)j;
        for (int it = 0; it < 5000; it++) {
            for (size_t a = 0; a < W; a++) {
                next[a] = 0;
                for (size_t b = 0; b < W; b++) next[a] += cov[a * W + b] * v[b];
            }
            normalise(next, W);
            memcpy(v, next, sizeof next);
        }
        double cv[W];
        for (size_t a = 0; a < W; a++) {
            cv[a] = 0;
            for (size_t b = 0; b < W; b++) cv[a] += cov[a * W + b] * v[b];
        }
        lambda[c] = dot(v, cv, W);
        for (size_t a = 0; a < W; a++)
            for (size_t b = 0; b < W; b++) cov[a * W + b] -= lambda[c] * v[a] * v[b];
    }
}

Test(pca, components_are_the_top_eigenvectors_of_a_covariance_built_by_hand)
{
    enum { N = 300 };
    static float x[N * W], out[N * 2];
    random_rows(x, N, W, 3);
    double explained[2], lambda[2], vecs[2 * W], total, c[W];
    pca_ok(x, N, W, 2, out, explained);
    power_iteration(x, N, lambda, vecs, &total);
    for (size_t k = 0; k < 2; k++) {
        component(x, N, W, out, 2, k, c);
        cr_expect_gt(fabs(dot(c, vecs + k * W, W)), 0.99999, "PC%zu . power iteration's = %g",
                     k + 1, dot(c, vecs + k * W, W));
        cr_expect_float_eq(explained[k], lambda[k] / total, 1e-6, "PC%zu explains %g, not %g",
                           k + 1, explained[k], lambda[k] / total);
        assert_sign_rule(c, W, k);
    }
}

Test(pca, shares_of_all_components_sum_to_one_in_decreasing_order)
{
    enum { N = 200 };
    static float x[N * W], out[N * W];
    random_rows(x, N, W, 5);
    double explained[W], sum = 0;
    pca_ok(x, N, W, W, out, explained);
    for (size_t c = 0; c < W; c++) {
        cr_expect_geq(explained[c], 0);
        if (c) cr_expect_geq(explained[c - 1], explained[c], "shares %zu and %zu", c - 1, c);
        sum += explained[c];
    }
    cr_expect_float_eq(sum, 1.0, 1e-9);
    // explained may be left out
    float again[N * W];
    pca_ok(x, N, W, W, again, NULL);
    cr_expect_eq(memcmp(out, again, sizeof again), 0);
}

Test(pca, the_picture_depends_neither_on_the_row_order_nor_on_the_rows_sign)
{
    enum { N = 257 }; // one full block of rows and one more
    static float x[N * W], reversed[N * W], negated[N * W], out[N * 2], out_r[N * 2],
        out_n[N * 2], out_again[N * 2];
    random_rows(x, N, W, 11);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < W; j++) {
            reversed[(N - 1 - i) * W + j] = x[i * W + j];
            negated[i * W + j] = -x[i * W + j];
        }
    pca_ok(x, N, W, 2, out, NULL);
    pca_ok(x, N, W, 2, out_again, NULL);
    cr_expect_eq(memcmp(out, out_again, sizeof out), 0, "two runs differ");
    pca_ok(reversed, N, W, 2, out_r, NULL);
    // -x has the same covariance, so the same components: the projections change sign
    pca_ok(negated, N, W, 2, out_n, NULL);
    for (size_t i = 0; i < N; i++)
        for (size_t c = 0; c < 2; c++) {
            float p = out[i * 2 + c];
            cr_expect_float_eq(out_r[(N - 1 - i) * 2 + c], p, 1e-4, "reversed, row %zu PC%zu", i,
                               c + 1);
            cr_expect_float_eq(out_n[i * 2 + c], -p, 1e-4, "negated, row %zu PC%zu", i, c + 1);
        }
}

Test(pca, loadings_equal_in_magnitude_make_the_first_of_them_positive)
{
    enum { N = 8 };
    // the line through (1, -1, 0, ...): which of its two loadings is "largest" is up to
    // rounding, so the first decides, whichever way the points are listed
    float x[N * W] = {0}, y[N * W] = {0}, out[N];
    for (size_t i = 0; i < N; i++) {
        float t = (float)i - 3.0f;
        x[i * W] = t, x[i * W + 1] = -t;
        y[i * W] = -t, y[i * W + 1] = t;
    }
    double v[W];
    pca_ok(x, N, W, 1, out, NULL);
    component(x, N, W, out, 1, 0, v);
    cr_expect_gt(v[0], 0.7, "v = (%g, %g)", v[0], v[1]);
    cr_expect_lt(v[1], -0.7, "v = (%g, %g)", v[0], v[1]);
    pca_ok(y, N, W, 1, out, NULL);
    component(y, N, W, out, 1, 0, v);
    cr_expect_gt(v[0], 0.7, "mirrored: v = (%g, %g)", v[0], v[1]);
}

Test(pca, equal_rows_have_no_variance_and_give_zeros)
{
    enum { N = 5 };
    float x[N * 3], out[N * 2];
    for (size_t i = 0; i < N; i++) x[i * 3] = 0.1f, x[i * 3 + 1] = -7.3f, x[i * 3 + 2] = 1e6f;
    double explained[2] = {-1, -1};
    memset(out, 0xff, sizeof out);
    pca_ok(x, N, 3, 2, out, explained);
    for (size_t i = 0; i < N * 2; i++) cr_expect_eq(out[i], 0.0f, "out[%zu] = %g", i, out[i]);
    cr_expect_eq(explained[0], 0.0);
    cr_expect_eq(explained[1], 0.0);
}

/* nn_pca must fail with `want`, its message holding `words`. */
static void pca_fails(const float *x, size_t n, size_t width, size_t k, KgStatus want,
                      const char *words)
{
    float out[64];
    double explained[8];
    KgError err = {0};
    KgStatus st = nn_pca(x, n, width, k, out, explained, &err);
    cr_expect_eq(st, want, "n %zu width %zu k %zu: %s, not %s", n, width, k, kg_status_name(st),
                 kg_status_name(want));
    cr_expect_eq(err.status, want);
    cr_expect(strstr(err.msg, words), "message '%s' lacks '%s'", err.msg, words);
}

Test(pca, bad_arguments_are_argument_errors_that_say_why)
{
    float x[4 * 2] = {1, 2, 3, 4, 5, 6, 7, 9};
    pca_fails(x, 0, 2, 1, KG_ERR_ARG, "PCA needs at least 2 rows, not 0");
    pca_fails(x, 1, 2, 1, KG_ERR_ARG, "PCA needs at least 2 rows, not 1");
    pca_fails(x, 4, 2, 0, KG_ERR_ARG, "PCA of rows of 2 values cannot give 0 components");
    pca_fails(x, 4, 2, 3, KG_ERR_ARG, "PCA of rows of 2 values cannot give 3 components");
    pca_fails(x, 8, 1, 2, KG_ERR_ARG, "PCA of rows of 1 value cannot give 2 components");
    x[5] = NAN;
    pca_fails(x, 4, 2, 2, KG_ERR_ARG, "not finite");
    x[5] = INFINITY;
    pca_fails(x, 4, 2, 2, KG_ERR_ARG, "not finite");
    // one value per row is a valid, if plain, PCA
    float line[3] = {1, 2, 4}, out[3];
    double explained[1];
    pca_ok(line, 3, 1, 1, out, explained);
    cr_expect_float_eq(explained[0], 1.0, 1e-12);
    cr_expect_float_eq(out[0], -4.0f / 3, 1e-5);
    cr_expect_float_eq(out[2], 5.0f / 3, 1e-5);
}

Test(pca, every_failed_allocation_gives_nomem)
{
    enum { N = 40 };
    static float x[N * W], out[N * 2];
    random_rows(x, N, W, 2);
    KgStatus st = KG_ERR_NOMEM;
    long n = 0;
    for (; st != KG_OK; n++) {
        cr_assert_lt(n, 1000, "never succeeds");
        KgError err = {0};
        kg_mem_fail_after(n);
        st = nn_pca(x, N, W, 2, out, NULL, &err);
        kg_mem_fail_after(-1);
        if (st != KG_OK)
            cr_assert_eq(st, KG_ERR_NOMEM, "allocation %ld: %s", n, kg_status_name(st));
    }
    cr_expect_gt(n, 3, "succeeded after %ld allocations", n - 1);
}
