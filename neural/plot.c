/* neural/plot.c: the training plot, a standalone SVG (no script, no external font or style)
 * of loss per epoch on the left axis and validation MRR on a fixed 0..1 right axis, with the
 * best MRR marked. Epoch i + 1 is loss[i]; non-finite values are left out, and a NULL array
 * counts as never measured. The text, the axes' ticks and the atomic write are svg.c's. */
#include "internal.h"

#include <math.h>

/* ---------------------------------------------------------------- layout (SVG pixels) */

enum {
    WIDTH = 720,
    HEIGHT = 420,
    PLOT_LEFT = 80,   /* room for the loss tick labels and the "loss" axis label */
    PLOT_RIGHT = 650, /* room for the MRR tick labels and the "validation MRR" label */
    PLOT_TOP = 60,    /* room for the title and a best-MRR label at MRR = 1 */
    PLOT_BOTTOM = 340,
    X_INSET = 12,     /* keeps the first and last markers off the vertical axes */
    MAX_X_LABELS = 10,
    LOSS_TICKS_WANTED = 5,
};

#define LOSS_COLOR "#1f77b4"
#define MRR_COLOR "#e6550d"
#define BEST_COLOR "#2ca02c"
#define GRID_COLOR "#e5e5e5"
#define AXIS_COLOR "#444444"

/* ---------------------------------------------------------------- axes */

/* The loss axis: nice ticks spanning the finite values (0..1 when there is none). */
static NnAxis loss_axis(const double *loss, size_t n_epochs)
{
    double min = INFINITY, max = -INFINITY;
    for (size_t i = 0; loss && i < n_epochs; i++)
        if (isfinite(loss[i])) {
            if (loss[i] < min) min = loss[i];
            if (loss[i] > max) max = loss[i];
        }
    return nn_axis_nice(min, max, PLOT_BOTTOM, PLOT_TOP, LOSS_TICKS_WANTED);
}

static NnAxis mrr_axis(void)
{
    return (NnAxis){.lo = 0.0, .hi = 1.0, .px_lo = PLOT_BOTTOM, .px_hi = PLOT_TOP,
                    .step = 0.2, .n_ticks = 6, .decimals = -1, .significant = 1};
}

/* The epoch axis runs from 1 to n_epochs (one epoch sits in the middle of 0..2). Labels are
 * multiples of the smallest 1-2-5 step that keeps them at MAX_X_LABELS or fewer, plus
 * epoch 1 itself; the axis draws them itself, so n_ticks is unused. */
static NnAxis epoch_axis(size_t n_epochs, size_t *step_out)
{
    NnAxis a = {.px_lo = PLOT_LEFT + X_INSET, .px_hi = PLOT_RIGHT - X_INSET, .decimals = 0};
    a.lo = n_epochs >= 2 ? 1.0 : 0.0;
    a.hi = n_epochs >= 2 ? (double)n_epochs : 2.0;
    size_t step = 1;
    for (size_t mult = 1;; mult *= 10) {
        static const size_t steps[] = {1, 2, 5};
        size_t found = 0;
        for (size_t k = 0; k < 3 && !found; k++) {
            size_t s = steps[k] * mult;
            size_t n_labels = s == 1 ? n_epochs : 1 + n_epochs / s;
            if (n_labels <= MAX_X_LABELS) found = s;
        }
        if (found) {
            step = found;
            break;
        }
    }
    *step_out = step;
    return a;
}

/* ---------------------------------------------------------------- drawing */

static void draw_loss_axis(NnSvg *svg, const NnAxis *a)
{
    for (int i = 0; i < a->n_ticks; i++) {
        double v = nn_axis_tick(a, i), y = nn_axis_px(a, v);
        char text[64];
        nn_axis_format_tick(a, v, text, sizeof text);
        nn_svg_out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\""
                        GRID_COLOR "\"/>\n", PLOT_LEFT, y, PLOT_RIGHT, y);
        nn_svg_out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\""
                        AXIS_COLOR "\"/>\n", PLOT_LEFT - 5, y, PLOT_LEFT, y);
        nn_svg_out(svg, "<text x=\"%d\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"end\" fill=\""
                        LOSS_COLOR "\">%s</text>\n", PLOT_LEFT - 8, y, text);
    }
    nn_svg_out(svg, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\" "
                    "font-size=\"13\" fill=\"" LOSS_COLOR "\">loss</text>\n",
               (PLOT_TOP + PLOT_BOTTOM) / 2);
}

static void draw_mrr_axis(NnSvg *svg, const NnAxis *a)
{
    for (int i = 0; i < a->n_ticks; i++) {
        double v = nn_axis_tick(a, i), y = nn_axis_px(a, v);
        char text[64];
        nn_axis_format_tick(a, v, text, sizeof text);
        nn_svg_out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\""
                        AXIS_COLOR "\"/>\n", PLOT_RIGHT, y, PLOT_RIGHT + 5, y);
        nn_svg_out(svg, "<text x=\"%d\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"start\" fill=\""
                        MRR_COLOR "\">%s</text>\n", PLOT_RIGHT + 8, y, text);
    }
    nn_svg_out(svg, "<text transform=\"translate(%d %d) rotate(90)\" text-anchor=\"middle\" "
                    "font-size=\"13\" fill=\"" MRR_COLOR "\">validation MRR</text>\n",
               WIDTH - 26, (PLOT_TOP + PLOT_BOTTOM) / 2);
}

static void draw_epoch_axis(NnSvg *svg, const NnAxis *a, size_t n_epochs, size_t step)
{
    // epoch 1, then the multiples of step (1 is one of them when step is 1)
    for (size_t e = step == 1 ? 1 : 0; e <= n_epochs; e += step) {
        size_t epoch = e == 0 ? 1 : e;
        double x = nn_axis_px(a, (double)epoch);
        nn_svg_out(svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\""
                        AXIS_COLOR "\"/>\n", x, PLOT_BOTTOM, x, PLOT_BOTTOM + 5);
        nn_svg_out(svg, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"" AXIS_COLOR
                        "\">%zu</text>\n", x, PLOT_BOTTOM + 18, epoch);
        if (e > SIZE_MAX - step) break;
    }
    nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" fill=\""
                    AXIS_COLOR "\">epoch</text>\n", (PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 38);
}

static void draw_frame(NnSvg *svg)
{
    nn_svg_out(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\""
                    AXIS_COLOR "\"/>\n", PLOT_LEFT, PLOT_TOP, PLOT_RIGHT - PLOT_LEFT,
               PLOT_BOTTOM - PLOT_TOP);
}

/* The polyline through the finite values (skipping the others); a single finite value gets
 * a dot, since a one-point polyline draws nothing. Returns how many values were drawn. */
static size_t draw_series(NnSvg *svg, const NnAxis *x_axis, const NnAxis *y_axis,
                          const double *v, size_t n_epochs, const char *color, int markers)
{
    size_t n_finite = 0;
    for (size_t i = 0; v && i < n_epochs; i++) n_finite += isfinite(v[i]) != 0;
    if (n_finite == 0) return 0;
    if (n_finite > 1) {
        nn_svg_out(svg, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                        "stroke-linejoin=\"round\" points=\"", color);
        const char *sep = "";
        for (size_t i = 0; i < n_epochs; i++) {
            if (!isfinite(v[i])) continue;
            // an MRR outside 0..1 is a bug upstream; keep it inside the chart anyway
            double y = fmin(fmax(v[i], y_axis->lo), y_axis->hi);
            nn_svg_out(svg, "%s%.1f,%.1f", sep, nn_axis_px(x_axis, (double)(i + 1)),
                       nn_axis_px(y_axis, y));
            sep = " ";
        }
        nn_svg_out(svg, "\"/>\n");
    }
    if (markers || n_finite == 1)
        for (size_t i = 0; i < n_epochs; i++) {
            if (!isfinite(v[i])) continue;
            double y = fmin(fmax(v[i], y_axis->lo), y_axis->hi);
            nn_svg_out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" "
                            "stroke=\"white\"/>\n",
                       nn_axis_px(x_axis, (double)(i + 1)), nn_axis_px(y_axis, y), color);
        }
    return n_finite;
}

/* The best validation MRR (the first epoch reaching it): a ringed dot and its label, on
 * the side of the dot facing the middle of the chart, with a white halo over the lines. */
static void draw_best(NnSvg *svg, const NnAxis *x_axis, const NnAxis *y_axis, const double *mrr,
                      size_t n_epochs)
{
    size_t best = n_epochs;
    for (size_t i = 0; mrr && i < n_epochs; i++)
        if (isfinite(mrr[i]) && (best == n_epochs || mrr[i] > mrr[best])) best = i;
    if (best == n_epochs) return;
    double x = nn_axis_px(x_axis, (double)(best + 1));
    double y = nn_axis_px(y_axis, fmin(fmax(mrr[best], y_axis->lo), y_axis->hi));
    int left_half = x < (PLOT_LEFT + PLOT_RIGHT) / 2.0;
    // above the dot; a good model's best sits near MRR 1, where the label would straddle the
    // chart's top edge, so it moves up into the margin under the title
    double label_y = y - 10;
    if (label_y - 12 < PLOT_TOP) label_y = PLOT_TOP - 6;
    nn_svg_out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"" BEST_COLOR
                    "\" stroke-width=\"2\"/>\n", x, y);
    nn_svg_out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"" BEST_COLOR "\"/>\n", x, y);
    nn_svg_out(svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"bold\" fill=\""
                    BEST_COLOR "\" stroke=\"white\" stroke-width=\"3\" stroke-linejoin=\"round\" "
                    "paint-order=\"stroke\">"
                    "best %.3f @ epoch %zu</text>\n",
               left_half ? x + 10 : x - 10, label_y, left_half ? "start" : "end", mrr[best],
               best + 1);
}

static void draw_legend(NnSvg *svg, int have_mrr)
{
    int y = PLOT_BOTTOM + 64, x = 150;
    nn_svg_out(svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" LOSS_COLOR
                    "\" stroke-width=\"2\"/>\n", x, y - 4, x + 28, y - 4);
    nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">training loss</text>\n", x + 34, y);
    x += 150;
    nn_svg_out(svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" MRR_COLOR
                    "\" stroke-width=\"2\"/>\n", x, y - 4, x + 28, y - 4);
    nn_svg_out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"" MRR_COLOR "\"/>\n", x + 14,
               y - 4);
    nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">validation MRR%s</text>\n", x + 34,
               y, have_mrr ? "" : " (not measured)");
    x += have_mrr ? 150 : 220;
    nn_svg_out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"7\" fill=\"none\" stroke=\"" BEST_COLOR
                    "\" stroke-width=\"2\"/>\n", x + 14, y - 4);
    nn_svg_out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"" BEST_COLOR "\"/>\n", x + 14,
               y - 4);
    nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">best validation MRR</text>\n",
               x + 34, y);
}

static void build_svg(NnSvg *svg, const char *title, const double *loss, const double *valid_mrr,
                      size_t n_epochs)
{
    size_t x_step;
    NnAxis x_axis = epoch_axis(n_epochs, &x_step), y_loss = loss_axis(loss, n_epochs),
           y_mrr = mrr_axis();
    nn_svg_begin(svg, WIDTH, HEIGHT, title);
    draw_loss_axis(svg, &y_loss);
    draw_mrr_axis(svg, &y_mrr);
    if (n_epochs > 0) draw_epoch_axis(svg, &x_axis, n_epochs, x_step);
    else
        nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
                        "fill=\"#888888\">no epochs</text>\n",
                   (PLOT_LEFT + PLOT_RIGHT) / 2, (PLOT_TOP + PLOT_BOTTOM) / 2);
    draw_frame(svg);
    draw_series(svg, &x_axis, &y_loss, loss, n_epochs, LOSS_COLOR, 0);
    size_t n_mrr = draw_series(svg, &x_axis, &y_mrr, valid_mrr, n_epochs, MRR_COLOR, 1);
    draw_best(svg, &x_axis, &y_mrr, valid_mrr, n_epochs);
    draw_legend(svg, n_mrr > 0 || n_epochs == 0);
    nn_svg_out(svg, "</svg>\n");
}

KgStatus nn_plot_training(const char *path, const char *title, const double *loss,
                          const double *valid_mrr, size_t n_epochs, KgError *err)
{
    if (!path || !*path) return kg_error_set(err, KG_ERR_ARG, "no path for the training plot");
    NnSvg svg = {.status = KG_OK};
    build_svg(&svg, title ? title : "", loss, valid_mrr, n_epochs);
    return nn_svg_write(&svg, path, err);
}
