/* fusion/calibrate.c: turning scores into probabilities and measuring how well that went.
 * Platt scaling (Platt 1999) fits sigmoid(a x + b) to labelled scores by Newton's method on
 * the two parameters; the expected calibration error (Naeini et al. 2015; Guo et al. 2017)
 * compares, bin by bin, the probabilities claimed with the share of true examples. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>

double fu_sigmoid(double z) { return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)); }

/* log(1 + exp(z)) without overflow */
static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

static double platt_loss(const double *x, const uint8_t *y, const double *w, size_t n, double pa, double pb,
                         double ridge, double a, double b)
{
    double loss = 0.5 * ridge * ((a - pa) * (a - pa) + (b - pb) * (b - pb));
    for (size_t i = 0; i < n; i++) {
        double z = a * x[i] + b;
        loss += (w ? w[i] : 1) * (softplus(z) - (y[i] ? z : 0));
    }
    return loss;
}

void fu_platt_fit(const double *x, const uint8_t *y, const double *w, size_t n, double prior_a, double prior_b,
                  double ridge, double *a_out, double *b_out)
{
    double a = prior_a, b = prior_b;
    double loss = platt_loss(x, y, w, n, prior_a, prior_b, ridge, a, b);
    for (int iter = 0; iter < 100; iter++) {
        /* gradient and Hessian of the loss in (a, b) */
        double ga = ridge * (a - prior_a), gb = ridge * (b - prior_b);
        double haa = ridge + 1e-9, hab = 0, hbb = ridge + 1e-9;
        for (size_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1, p = fu_sigmoid(a * x[i] + b), r = wi * (p - (y[i] ? 1 : 0));
            double v = wi * p * (1 - p);
            ga += r * x[i], gb += r;
            haa += v * x[i] * x[i], hab += v * x[i], hbb += v;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0)) break;
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        /* halve the step until the loss goes down (separable data has no finite optimum) */
        double step = 1, next = loss;
        for (int h = 0; h < 30; h++, step /= 2) {
            next = platt_loss(x, y, w, n, prior_a, prior_b, ridge, a - step * da, b - step * db);
            if (next <= loss) break;
        }
        if (!(next <= loss)) break;
        a -= step * da, b -= step * db;
        double gain = loss - next;
        loss = next;
        if (gain < 1e-10 * (1 + fabs(loss))) break;
    }
    *a_out = a, *b_out = b;
}

double fu_ece(const double *p, const uint8_t *y, size_t n, size_t bins)
{
    if (n == 0 || bins == 0) return 0;
    double *sum_p = kg_calloc(bins, sizeof *sum_p), *sum_y = kg_calloc(bins, sizeof *sum_y);
    size_t *count = kg_calloc(bins, sizeof *count);
    double ece = NAN;
    if (sum_p && sum_y && count) {
        for (size_t i = 0; i < n; i++) {
            size_t b = (size_t)(p[i] * (double)bins);
            if (b >= bins) b = bins - 1;
            sum_p[b] += p[i], sum_y[b] += y[i] ? 1 : 0, count[b]++;
        }
        ece = 0;
        for (size_t b = 0; b < bins; b++)
            if (count[b]) ece += fabs(sum_p[b] - sum_y[b]) / (double)n;
    }
    kg_free(sum_p), kg_free(sum_y), kg_free(count);
    return ece;
}
