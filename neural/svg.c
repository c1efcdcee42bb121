/* neural/svg.c: what the SVG plots (plot.c, scatter.c) share: the text built in memory with
 * the first error kept, XML escaping, the header every plot starts with, linear axes with
 * "nice" ticks, and writing the file whole or not at all (kg_atomic_file_write), so a
 * failure never leaves a half-written plot. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- text */

void nn_svg_out(NnSvg *svg, const char *fmt, ...)
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

void nn_svg_put_escaped_n(NnSvg *svg, const char *text, size_t len)
{
    for (const char *p = text; p < text + len && svg->status == KG_OK; p++) {
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

void nn_svg_put_escaped(NnSvg *svg, const char *text)
{
    nn_svg_put_escaped_n(svg, text, strlen(text));
}

void nn_svg_begin(NnSvg *svg, int width, int height, const char *title)
{
    nn_svg_out(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    nn_svg_out(svg,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
               width, height, width, height);
    nn_svg_out(svg, "<title>");
    nn_svg_put_escaped(svg, title);
    nn_svg_out(svg, "</title>\n");
    nn_svg_out(svg, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
    nn_svg_out(svg, "<text x=\"%d\" y=\"32\" text-anchor=\"middle\" font-size=\"16\" "
                    "font-weight=\"bold\" fill=\"#222222\">", width / 2);
    nn_svg_put_escaped(svg, title);
    nn_svg_out(svg, "</text>\n");
}

/* ---------------------------------------------------------------- axes */

double nn_axis_px(const NnAxis *a, double v)
{
    // halves first, so values near DBL_MAX do not overflow into inf - inf
    return a->px_lo + (v / 2 - a->lo / 2) / (a->hi / 2 - a->lo / 2) * (a->px_hi - a->px_lo);
}

double nn_axis_tick(const NnAxis *a, int i)
{
    if (i == 0) return a->lo;
    if (i == a->n_ticks - 1) return a->hi;
    double v = a->lo + i * a->step;
    // lo + i * step can land a hair off zero; print "0", not "-0" or "1e-17"
    return fabs(v) < a->step * 1e-6 ? 0.0 : v;
}

void nn_axis_format_tick(const NnAxis *a, double v, char *text, size_t text_len)
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

NnAxis nn_axis_nice(double min, double max, double px_lo, double px_hi, int wanted)
{
    if (min > max) {
        min = 0.0;
        max = 1.0;
    } else if (min == max) {
        double pad = fabs(min) * 0.1;
        if (min - pad == min) pad = 0.5; // zero, or too small for 10% to show
        min -= pad;
        max += pad;
    }
    NnAxis a = {.px_lo = px_lo, .px_hi = px_hi};
    double step = nice_step(max - min, wanted);
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

/* ---------------------------------------------------------------- writing the file */

KgStatus nn_svg_write(NnSvg *svg, const char *path, KgError *err)
{
    KgStatus st = svg->status;
    if (st == KG_ERR_NOMEM)
        st = kg_error_at(err, st, path, 0, 0, "out of memory building the plot");
    else if (st != KG_OK)
        st = kg_error_at(err, st, path, 0, 0, "cannot format the plot");
    else
        st = kg_atomic_file_write(path, svg->buf.data, svg->buf.len, err);
    kg_buf_free(&svg->buf);
    return st;
}
