/* neural/plot.c: the training plot, a standalone SVG (no script, no external font or style)
 * of loss per epoch on the left axis and validation MRR on a fixed 0..1 right axis, with the
 * best MRR marked. Epoch i + 1 is loss[i]; non-finite values are left out, and a NULL array
 * counts as never measured. The SVG is built in memory, written to a temporary file next to
 * the target and renamed over it, so a failure never leaves a half-written plot. */
#include "nn.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ---------------------------------------------------------------- output buffer */

/* The SVG text and the first error met while building it: after a failure every further
 * write is skipped, so the text never has a hole in the middle and one check at the end
 * suffices. */
typedef struct {
    KgBuf buf;
    KgStatus status;
} Svg;

/* Appends formatted text. Every format used here is short (numbers and fixed words; the
 * title goes through put_escaped), so a line buffer is enough. */
static void out(Svg *svg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(Svg *svg, const char *fmt, ...)
{
    if (svg->status != KG_OK) return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        svg->status = KG_ERR_INTERNAL;
        return;
    }
    svg->status = kg_buf_append(&svg->buf, line, (size_t)n);
}

/* Appends `text` escaped for XML character data and attribute values. Control characters
 * other than tab and newline are not allowed in XML 1.0, so they become spaces. */
static void put_escaped(Svg *svg, const char *text)
{
    for (const char *p = text; *p && svg->status == KG_OK; p++) {
        unsigned char c = (unsigned char)*p;
        const char *entity = NULL;
        switch (c) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&apos;"; break;
        default: break;
        }
        if (entity)
            svg->status = kg_buf_puts(&svg->buf, entity);
        else
            svg->status = kg_buf_append(&svg->buf, c < 0x20 ? " " : p, 1);
    }
}

/* ---------------------------------------------------------------- axes */

/* A linear axis: data values lo..hi drawn from pixel px_lo to px_hi, with n_ticks ticks at
 * lo + i * step (the last one at hi), labelled with `decimals` digits after the point, or
 * when decimals < 0 in %g form with `significant` digits. */
typedef struct {
    double lo, hi, px_lo, px_hi, step;
    int n_ticks, decimals, significant;
} Axis;

static double axis_px(const Axis *a, double v)
{
    // halves first, so values near DBL_MAX do not overflow into inf - inf
    return a->px_lo + (v / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2) * (a->px_hi - a->px_lo);
}

static double axis_tick(const Axis *a, int i)
{
    if (i == 0) return a->lo;
    if (i == a->n_ticks - 1) return a->hi;
    double v = a->lo + i * a->step;
    // lo + i * step can land a hair off zero; print "0", not "-0" or "1e-17"
    return fabs(v) < a->step * 1e-6 ? 0.0 : v;
}

static void format_tick(const Axis *a, double v, char *text, size_t text_len)
{
    if (a->decimals >= 0)
        snprintf(text, text_len, "%.*f", a->decimals, v);
    else
        snprintf(text, text_len, "%.*g", a->significant, v);
}

/* 1, 2 or 5 times a power of ten, near range / wanted (Heckbert's nice numbers). */
static double nice_step(double range, int wanted)
{
    double raw = range / wanted;
    double magnitude = pow(10.0, floor(log10(raw)));
    double f = raw / magnitude;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * magnitude;
}

/* The loss axis: nice ticks spanning the finite values. No finite value gives 0..1; equal
 * values are widened by 10% of their size (or by 0.5 around 0) so the axis still has a
 * span and the line sits in the middle. */
static Axis loss_axis(const double *loss, size_t n_epochs)
{
    double min = INFINITY, max = -INFINITY;
    for (size_t i = 0; loss && i < n_epochs; i++)
        if (isfinite(loss[i])) {
            if (loss[i] < min) min = loss[i];
            if (loss[i] > max) max = loss[i];
        }
    if (min > max) {
        min = 0.0;
        max = 1.0;
    } else if (min == max) {
        double pad = fabs(min) * 0.1;
        if (min - pad == min) pad = 0.5; // zero, or too small for 10% to show
        min -= pad;
        max += pad;
    }
    Axis a = {.px_lo = PLOT_BOTTOM, .px_hi = PLOT_TOP};
    double step = nice_step(max - min, LOSS_TICKS_WANTED);
    if (!isfinite(max - min) || !(step > 0.0) || !isfinite(step)) {
        // values near the limits of double: ticks at both ends only
        a.lo = min;
        a.hi = max;
        a.n_ticks = 2;
        a.decimals = -1;
        a.significant = 6;
        return a;
    }
    a.lo = floor(min / step) * step;
    a.hi = ceil(max / step) * step;
    a.step = step;
    a.n_ticks = (int)lround((a.hi - a.lo) / step) + 1;
    double biggest = fmax(fabs(a.lo), fabs(a.hi));
    int decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    a.decimals = decimals <= 6 && biggest < 1e9 ? decimals : -1;
    // otherwise enough significant digits to tell neighbouring ticks apart
    int significant = (int)(floor(log10(biggest)) - floor(log10(step))) + 1;
    a.significant = significant < 1 ? 1 : significant > 17 ? 17 : significant;
    return a;
}

static Axis mrr_axis(void)
{
    return (Axis){.lo = 0.0, .hi = 1.0, .px_lo = PLOT_BOTTOM, .px_hi = PLOT_TOP,
                  .step = 0.2, .n_ticks = 6, .decimals = -1, .significant = 1};
}

/* The epoch axis runs from 1 to n_epochs (one epoch sits in the middle of 0..2). Labels are
 * multiples of the smallest 1-2-5 step that keeps them at MAX_X_LABELS or fewer, plus
 * epoch 1 itself; the axis draws them itself, so n_ticks is unused. */
static Axis epoch_axis(size_t n_epochs, size_t *step_out)
{
    Axis a = {.px_lo = PLOT_LEFT + X_INSET, .px_hi = PLOT_RIGHT - X_INSET, .decimals = 0};
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

static void draw_header(Svg *svg, const char *title)
{
    out(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out(svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
        WIDTH, HEIGHT, WIDTH, HEIGHT);
    out(svg, "<title>");
    put_escaped(svg, title);
    out(svg, "</title>\n");
    out(svg, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, HEIGHT);
    out(svg, "<text x=\"%d\" y=\"32\" text-anchor=\"middle\" font-size=\"16\" "
             "font-weight=\"bold\" fill=\"#222222\">", WIDTH / 2);
    put_escaped(svg, title);
    out(svg, "</text>\n");
}

static void draw_loss_axis(Svg *svg, const Axis *a)
{
    for (int i = 0; i < a->n_ticks; i++) {
        double v = axis_tick(a, i), y = axis_px(a, v);
        char text[64];
        format_tick(a, v, text, sizeof text);
        out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" GRID_COLOR "\"/>\n",
            PLOT_LEFT, y, PLOT_RIGHT, y);
        out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" AXIS_COLOR "\"/>\n",
            PLOT_LEFT - 5, y, PLOT_LEFT, y);
        out(svg, "<text x=\"%d\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"end\" fill=\"" LOSS_COLOR
                 "\">%s</text>\n", PLOT_LEFT - 8, y, text);
    }
    out(svg, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\" "
             "font-size=\"13\" fill=\"" LOSS_COLOR "\">loss</text>\n",
        (PLOT_TOP + PLOT_BOTTOM) / 2);
}

static void draw_mrr_axis(Svg *svg, const Axis *a)
{
    for (int i = 0; i < a->n_ticks; i++) {
        double v = axis_tick(a, i), y = axis_px(a, v);
        char text[64];
        format_tick(a, v, text, sizeof text);
        out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" AXIS_COLOR "\"/>\n",
            PLOT_RIGHT, y, PLOT_RIGHT + 5, y);
        out(svg, "<text x=\"%d\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"start\" fill=\"" MRR_COLOR
                 "\">%s</text>\n", PLOT_RIGHT + 8, y, text);
    }
    out(svg, "<text transform=\"translate(%d %d) rotate(90)\" text-anchor=\"middle\" "
             "font-size=\"13\" fill=\"" MRR_COLOR "\">validation MRR</text>\n",
        WIDTH - 26, (PLOT_TOP + PLOT_BOTTOM) / 2);
}

static void draw_epoch_axis(Svg *svg, const Axis *a, size_t n_epochs, size_t step)
{
    // epoch 1, then the multiples of step (1 is one of them when step is 1)
    for (size_t e = step == 1 ? 1 : 0; e <= n_epochs; e += step) {
        size_t epoch = e == 0 ? 1 : e;
        double x = axis_px(a, (double)epoch);
        out(svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" AXIS_COLOR "\"/>\n",
            x, PLOT_BOTTOM, x, PLOT_BOTTOM + 5);
        out(svg, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"" AXIS_COLOR
                 "\">%zu</text>\n", x, PLOT_BOTTOM + 18, epoch);
        if (e > SIZE_MAX - step) break;
    }
    out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" fill=\"" AXIS_COLOR
             "\">epoch</text>\n", (PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 38);
}

static void draw_frame(Svg *svg)
{
    out(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\""
             AXIS_COLOR "\"/>\n", PLOT_LEFT, PLOT_TOP, PLOT_RIGHT - PLOT_LEFT,
        PLOT_BOTTOM - PLOT_TOP);
}

/* The polyline through the finite values (skipping the others); a single finite value gets
 * a dot, since a one-point polyline draws nothing. Returns how many values were drawn. */
static size_t draw_series(Svg *svg, const Axis *x_axis, const Axis *y_axis, const double *v,
                          size_t n_epochs, const char *color, int markers)
{
    size_t n_finite = 0;
    for (size_t i = 0; v && i < n_epochs; i++) n_finite += isfinite(v[i]) != 0;
    if (n_finite == 0) return 0;
    if (n_finite > 1) {
        out(svg, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                 "stroke-linejoin=\"round\" points=\"", color);
        const char *sep = "";
        for (size_t i = 0; i < n_epochs; i++) {
            if (!isfinite(v[i])) continue;
            // an MRR outside 0..1 is a bug upstream; keep it inside the chart anyway
            double y = fmin(fmax(v[i], y_axis->lo), y_axis->hi);
            out(svg, "%s%.1f,%.1f", sep, axis_px(x_axis, (double)(i + 1)), axis_px(y_axis, y));
            sep = " ";
        }
        out(svg, "\"/>\n");
    }
    if (markers || n_finite == 1)
        for (size_t i = 0; i < n_epochs; i++) {
            if (!isfinite(v[i])) continue;
            double y = fmin(fmax(v[i], y_axis->lo), y_axis->hi);
            out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"white\"/>\n",
                axis_px(x_axis, (double)(i + 1)), axis_px(y_axis, y), color);
        }
    return n_finite;
}

/* The best validation MRR (the first epoch reaching it): a ringed dot and its label, on
 * the side of the dot facing the middle of the chart, with a white halo over the lines. */
static void draw_best(Svg *svg, const Axis *x_axis, const Axis *y_axis, const double *mrr,
                      size_t n_epochs)
{
    size_t best = n_epochs;
    for (size_t i = 0; mrr && i < n_epochs; i++)
        if (isfinite(mrr[i]) && (best == n_epochs || mrr[i] > mrr[best])) best = i;
    if (best == n_epochs) return;
    double x = axis_px(x_axis, (double)(best + 1));
    double y = axis_px(y_axis, fmin(fmax(mrr[best], y_axis->lo), y_axis->hi));
    int left_half = x < (PLOT_LEFT + PLOT_RIGHT) / 2.0;
    // above the dot; a good model's best sits near MRR 1, where the label would straddle the
    // chart's top edge, so it moves up into the margin under the title
    double label_y = y - 10;
    if (label_y - 12 < PLOT_TOP) label_y = PLOT_TOP - 6;
    out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"7\" fill=\"none\" stroke=\"" BEST_COLOR
             "\" stroke-width=\"2\"/>\n", x, y);
    out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"" BEST_COLOR "\"/>\n", x, y);
    out(svg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-weight=\"bold\" fill=\""
             BEST_COLOR "\" stroke=\"white\" stroke-width=\"3\" stroke-linejoin=\"round\" "
             "paint-order=\"stroke\">"
             "best %.3f @ epoch %zu</text>\n",
        left_half ? x + 10 : x - 10, label_y, left_half ? "start" : "end", mrr[best], best + 1);
}

static void draw_legend(Svg *svg, int have_mrr)
{
    int y = PLOT_BOTTOM + 64, x = 150;
    out(svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" LOSS_COLOR
             "\" stroke-width=\"2\"/>\n", x, y - 4, x + 28, y - 4);
    out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">training loss</text>\n", x + 34, y);
    x += 150;
    out(svg, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"" MRR_COLOR
             "\" stroke-width=\"2\"/>\n", x, y - 4, x + 28, y - 4);
    out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"" MRR_COLOR "\"/>\n", x + 14, y - 4);
    out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">validation MRR%s</text>\n", x + 34, y,
        have_mrr ? "" : " (not measured)");
    x += have_mrr ? 150 : 220;
    out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"7\" fill=\"none\" stroke=\"" BEST_COLOR
             "\" stroke-width=\"2\"/>\n", x + 14, y - 4);
    out(svg, "<circle cx=\"%d\" cy=\"%d\" r=\"3.5\" fill=\"" BEST_COLOR "\"/>\n", x + 14, y - 4);
    out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">best validation MRR</text>\n", x + 34, y);
}

static void build_svg(Svg *svg, const char *title, const double *loss, const double *valid_mrr,
                      size_t n_epochs)
{
    size_t x_step;
    Axis x_axis = epoch_axis(n_epochs, &x_step), y_loss = loss_axis(loss, n_epochs),
         y_mrr = mrr_axis();
    draw_header(svg, title);
    draw_loss_axis(svg, &y_loss);
    draw_mrr_axis(svg, &y_mrr);
    if (n_epochs > 0) draw_epoch_axis(svg, &x_axis, n_epochs, x_step);
    else
        out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
                 "fill=\"#888888\">no epochs</text>\n",
            (PLOT_LEFT + PLOT_RIGHT) / 2, (PLOT_TOP + PLOT_BOTTOM) / 2);
    draw_frame(svg);
    draw_series(svg, &x_axis, &y_loss, loss, n_epochs, LOSS_COLOR, 0);
    size_t n_mrr = draw_series(svg, &x_axis, &y_mrr, valid_mrr, n_epochs, MRR_COLOR, 1);
    draw_best(svg, &x_axis, &y_mrr, valid_mrr, n_epochs);
    draw_legend(svg, n_mrr > 0 || n_epochs == 0);
    out(svg, "</svg>\n");
}

/* ---------------------------------------------------------------- writing the file */

static KgStatus write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return KG_ERR_IO;
        data += n;
        len -= (size_t)n;
    }
    return KG_OK;
}

/* Writes `data` to "<path>.tmp-XXXXXX" and renames it to `path`; on failure the temporary
 * file is removed and `path` is as it was. */
static KgStatus replace_file(const char *path, const char *data, size_t len, KgError *err)
{
    KgBuf tmp = {0};
    if (kg_buf_printf(&tmp, "%s.tmp-XXXXXX", path) != KG_OK || !kg_buf_cstr(&tmp)) {
        kg_buf_free(&tmp);
        return kg_error_at(err, KG_ERR_NOMEM, path, 0, 0, "out of memory writing the plot");
    }
    KgStatus st = KG_OK;
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        st = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot create a file next to it: %s",
                         strerror(errno));
        goto out;
    }
    // mkstemp makes the file private (0600); a plot is as readable as any written file
    if (fchmod(fd, 0644) != 0 || write_all(fd, data, len) != KG_OK) {
        st = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write the plot: %s",
                         strerror(errno));
        close(fd);
        unlink(tmp.data);
        goto out;
    }
    if (close(fd) != 0) {
        st = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot write the plot: %s",
                         strerror(errno));
        unlink(tmp.data);
        goto out;
    }
    if (rename(tmp.data, path) != 0) {
        st = kg_error_at(err, KG_ERR_IO, path, 0, 0, "cannot rename the plot into place: %s",
                         strerror(errno));
        unlink(tmp.data);
    }
out:
    kg_buf_free(&tmp);
    return st;
}

KgStatus nn_plot_training(const char *path, const char *title, const double *loss,
                          const double *valid_mrr, size_t n_epochs, KgError *err)
{
    if (!path || !*path) return kg_error_set(err, KG_ERR_ARG, "no path for the training plot");
    Svg svg = {.status = KG_OK};
    build_svg(&svg, title ? title : "", loss, valid_mrr, n_epochs);
    KgStatus st = svg.status;
    if (st == KG_ERR_NOMEM)
        st = kg_error_at(err, st, path, 0, 0, "out of memory building the plot");
    else if (st != KG_OK)
        st = kg_error_at(err, st, path, 0, 0, "cannot format the plot");
    else
        st = replace_file(path, svg.buf.data, svg.buf.len, err);
    kg_buf_free(&svg.buf);
    return st;
}
