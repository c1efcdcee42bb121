/* neural/vecmath.c: the element-wise loops of training that are not matrix products: the
 * softmax of a score row, and the Adagrad step over every entity row. In 1-vs-all training
 * they touch as many numbers per batch as the sgemms do, so they are written for the
 * vectoriser: no calls, no branches, eight independent lanes for the sums, and compiled
 * twice (NN_VECTOR_CLONES): for AVX2 + FMA and for the baseline x86-64, the right one picked
 * when the program loads. */
#include "internal.h"

/* e^x for x <= 0 (a softmax entry after subtracting the row's maximum): 2^t with t = x log2 e
 * clamped at -126, split as n + f with n = round(t) (the 1.5 * 2^23 trick: the integer lands
 * in the mantissa's low bits) and f in [-1/2, 1/2]; 2^f by its Taylor polynomial of degree 6
 * (relative error below 2e-7 there), 2^n set in the exponent bits. */
static inline float exp_nonpositive(float x)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23 */
    float t = x * 1.44269504f;
    t = t < -126.0f ? -126.0f : t;
    float r = t + magic;
    union {
        float f;
        int32_t i;
    } n = {.f = r}, scale;
    float f = t - (r - magic);
    float p = 1.5403530e-4f;
    p = p * f + 1.3333558e-3f;
    p = p * f + 9.6181291e-3f;
    p = p * f + 5.5504109e-2f;
    p = p * f + 2.4022651e-1f;
    p = p * f + 6.9314718e-1f;
    p = p * f + 1.0f;
    scale.i = (n.i - 0x4B400000 + 127) << 23;
    return p * scale.f;
}

NN_VECTOR_CLONES
double nn_softmax_row(float *row, size_t n, float times)
{
    float lane_max[8];
    for (int k = 0; k < 8; k++) lane_max[k] = row[0];
    size_t e = 0;
    for (; e + 8 <= n; e += 8)
        for (int k = 0; k < 8; k++) lane_max[k] = row[e + k] > lane_max[k] ? row[e + k] : lane_max[k];
    float mx = lane_max[0];
    for (int k = 1; k < 8; k++) mx = lane_max[k] > mx ? lane_max[k] : mx;
    for (; e < n; e++) mx = row[e] > mx ? row[e] : mx;
    for (e = 0; e < n; e++) row[e] = exp_nonpositive(row[e] - mx);
    float lane_sum[8] = {0};
    for (e = 0; e + 8 <= n; e += 8)
        for (int k = 0; k < 8; k++) lane_sum[k] += row[e + k];
    double sum = 0;
    for (int k = 0; k < 8; k++) sum += lane_sum[k];
    for (; e < n; e++) sum += row[e];
    float scale = (float)(times / sum);
    for (e = 0; e < n; e++) row[e] *= scale;
    return log(sum) + mx;
}

NN_VECTOR_CLONES
void nn_adagrad(float *restrict x, float *restrict sum, float *restrict g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++) {
        sum[i] += g[i] * g[i];
        x[i] -= lr * g[i] / (sqrtf(sum[i]) + 1e-10f);
        g[i] = 0;
    }
}
