/* neural/scatter.c: a scatter plot as a standalone SVG (no script, no external font or
 * style), for plot-embeddings' 2-D picture of a set. Each point is a circle whose <title>
 * child, its label, is what a browser shows on hover; groups get the Tableau 10 colours
 * (Maureen Stone's 2016 palette) and a legend with their sizes, the groups beyond nine
 * sharing the palette's grey as "other". The text and the atomic write are svg.c's. */
#include "internal.h"

#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- layout (SVG pixels) */

enum {
    WIDTH = 900,
    HEIGHT = 640,
    PLOT_LEFT = 80,     /* room for the y tick labels and the y axis title */
    PLOT_TOP = 60,      /* room for the title */
    PLOT_BOTTOM = 570,  /* room for the x tick labels and the x axis title */
    PLOT_RIGHT = 640,   /* with a legend; without one the plot reaches NO_LEGEND_RIGHT */
    NO_LEGEND_RIGHT = 870,
    LEGEND_ROW = 20,
    LEGEND_CHARS = 30,  /* longer group names are cut, in full on hover */
    TICKS_WANTED = 6,
};

#define AXIS_COLOR "#444444"
#define GRID_COLOR "#eeeeee"
#define ZERO_COLOR "#cccccc"

/* Tableau 10 without its grey, which is "other"'s. */
static const char *const palette[NN_SCATTER_COLORS] = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
    "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
};
#define OTHER_COLOR "#bab0ac"

static int finite_point(const float *xy, size_t i)
{
    return isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1]);
}

/* ---------------------------------------------------------------- axes */

static void draw_axes(NnSvg *svg, const NnScatter *p, const NnAxis *x, const NnAxis *y,
                      int right)
{
    for (int i = 0; i < x->n_ticks; i++) {
        double v = nn_axis_tick(x, i), px = nn_axis_px(x, v);
        char text[64];
        nn_axis_format_tick(x, v, text, sizeof text);
        nn_svg_out(svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n", px,
                   PLOT_TOP, px, PLOT_BOTTOM, v == 0 ? ZERO_COLOR : GRID_COLOR);
        nn_svg_out(svg, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"" AXIS_COLOR
                        "\"/>\n", px, PLOT_BOTTOM, px, PLOT_BOTTOM + 5);
        nn_svg_out(svg, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"" AXIS_COLOR
                        "\">%s</text>\n", px, PLOT_BOTTOM + 18, text);
    }
    for (int i = 0; i < y->n_ticks; i++) {
        double v = nn_axis_tick(y, i), py = nn_axis_px(y, v);
        char text[64];
        nn_axis_format_tick(y, v, text, sizeof text);
        nn_svg_out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                   PLOT_LEFT, py, right, py, v == 0 ? ZERO_COLOR : GRID_COLOR);
        nn_svg_out(svg, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"" AXIS_COLOR
                        "\"/>\n", PLOT_LEFT - 5, py, PLOT_LEFT, py);
        nn_svg_out(svg, "<text x=\"%d\" y=\"%.1f\" dy=\"0.32em\" text-anchor=\"end\" fill=\""
                        AXIS_COLOR "\">%s</text>\n", PLOT_LEFT - 8, py, text);
    }
    nn_svg_out(svg, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\""
                    AXIS_COLOR "\"/>\n", PLOT_LEFT, PLOT_TOP, right - PLOT_LEFT,
               PLOT_BOTTOM - PLOT_TOP);
    if (p->x_title) {
        nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" fill=\""
                        AXIS_COLOR "\">", (PLOT_LEFT + right) / 2, PLOT_BOTTOM + 40);
        nn_svg_put_escaped(svg, p->x_title);
        nn_svg_out(svg, "</text>\n");
    }
    if (p->y_title) {
        nn_svg_out(svg, "<text transform=\"translate(22 %d) rotate(-90)\" text-anchor=\"middle\" "
                        "font-size=\"13\" fill=\"" AXIS_COLOR "\">", (PLOT_TOP + PLOT_BOTTOM) / 2);
        nn_svg_put_escaped(svg, p->y_title);
        nn_svg_out(svg, "</text>\n");
    }
}

/* ---------------------------------------------------------------- points */

/* The points of colour slot `slot` in one <g> that gives their colour: without groups all of
 * them (slot 0), else group `slot`, or the groups past the palette for NN_SCATTER_COLORS. */
static void draw_points(NnSvg *svg, const NnScatter *p, const NnAxis *x, const NnAxis *y,
                        size_t slot)
{
    nn_svg_out(svg, "<g fill=\"%s\" fill-opacity=\"0.8\" stroke=\"white\" stroke-width=\"0.5\">\n",
               slot < NN_SCATTER_COLORS ? palette[slot] : OTHER_COLOR);
    for (size_t i = 0; i < p->n && svg->status == KG_OK; i++) {
        if (!finite_point(p->xy, i)) continue;
        if (p->group && (slot < NN_SCATTER_COLORS ? p->group[i] != slot
                                                   : p->group[i] < NN_SCATTER_COLORS))
            continue;
        nn_svg_out(svg, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\">",
                   nn_axis_px(x, p->xy[2 * i]), nn_axis_px(y, p->xy[2 * i + 1]));
        if (p->labels && p->labels[i]) {
            nn_svg_out(svg, "<title>");
            nn_svg_put_escaped(svg, p->labels[i]);
            nn_svg_out(svg, "</title>");
        }
        nn_svg_out(svg, "</circle>\n");
    }
    nn_svg_out(svg, "</g>\n");
}

/* ---------------------------------------------------------------- legend */

/* name escaped; past LEGEND_CHARS characters (UTF-8 sequences counted as one), its first
 * LEGEND_CHARS - 1 and an ellipsis. */
static void put_cut(NnSvg *svg, const char *name)
{
    size_t chars = 0, cut = 0;
    for (size_t i = 0; name[i]; i++)
        if (((unsigned char)name[i] & 0xC0) != 0x80 && chars++ == LEGEND_CHARS - 1) cut = i;
    if (chars <= LEGEND_CHARS) {
        nn_svg_put_escaped(svg, name);
        return;
    }
    nn_svg_put_escaped_n(svg, name, cut);
    nn_svg_out(svg, "\xE2\x80\xA6"); // U+2026
}

static void legend_entry(NnSvg *svg, int x, int y, const char *color, const char *name,
                         size_t n_groups, size_t count)
{
    nn_svg_out(svg, "<g><title>");
    nn_svg_put_escaped(svg, name);
    nn_svg_out(svg, " (%zu)</title>", count);
    nn_svg_out(svg, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y - 10,
               color);
    nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" fill=\"#222222\">", x + 18, y);
    if (n_groups) nn_svg_out(svg, "other: %zu group%s", n_groups, n_groups == 1 ? "" : "s");
    else put_cut(svg, name);
    nn_svg_out(svg, " (%zu)</text></g>\n", count);
}

/* ---------------------------------------------------------------- the plot */

static void build_svg(NnSvg *svg, const NnScatter *p, const size_t *count, const uint32_t *order)
{
    int legend = p->group != NULL;
    int right = legend ? PLOT_RIGHT : NO_LEGEND_RIGHT;
    double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
    size_t n_drawn = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!finite_point(p->xy, i)) continue;
        x_min = fmin(x_min, p->xy[2 * i]), x_max = fmax(x_max, p->xy[2 * i]);
        y_min = fmin(y_min, p->xy[2 * i + 1]), y_max = fmax(y_max, p->xy[2 * i + 1]);
        n_drawn++;
    }
    NnAxis x = nn_axis_nice(x_min, x_max, PLOT_LEFT, right, TICKS_WANTED);
    NnAxis y = nn_axis_nice(y_min, y_max, PLOT_BOTTOM, PLOT_TOP, TICKS_WANTED);
    nn_svg_begin(svg, WIDTH, HEIGHT, p->title ? p->title : "");
    draw_axes(svg, p, &x, &y, right);
    if (n_drawn == 0)
        nn_svg_out(svg, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
                        "fill=\"#888888\">no points</text>\n",
                   (PLOT_LEFT + right) / 2, (PLOT_TOP + PLOT_BOTTOM) / 2);
    if (!legend) {
        if (n_drawn) draw_points(svg, p, &x, &y, 0);
        nn_svg_out(svg, "</svg>\n");
        return;
    }
    // "other" under the rest, then the coloured groups, largest first, so small ones show
    size_t n_other = 0, other_count = 0;
    for (size_t g = NN_SCATTER_COLORS; g < p->n_groups; g++)
        if (count[g]) n_other++, other_count += count[g];
    if (other_count) draw_points(svg, p, &x, &y, NN_SCATTER_COLORS);
    for (size_t k = 0; k < p->n_groups && k < NN_SCATTER_COLORS; k++)
        if (count[order[k]]) draw_points(svg, p, &x, &y, order[k]);
    int lx = PLOT_RIGHT + 20, ly = PLOT_TOP + 12;
    for (size_t g = 0; g < p->n_groups && g < NN_SCATTER_COLORS; g++, ly += LEGEND_ROW)
        if (count[g]) legend_entry(svg, lx, ly, palette[g], p->group_names[g], 0, count[g]);
    if (other_count) legend_entry(svg, lx, ly, OTHER_COLOR, "other", n_other, other_count);
    nn_svg_out(svg, "</svg>\n");
}

KgStatus nn_plot_scatter(const char *path, const NnScatter *p, KgError *err)
{
    if (!path || !*path) return kg_error_set(err, KG_ERR_ARG, "no path for the scatter plot");
    if (p->n && !p->xy)
        return kg_error_set(err, KG_ERR_ARG, "a scatter plot of %zu points without them", p->n);
    if (p->group && (!p->group_names || p->n_groups == 0))
        return kg_error_set(err, KG_ERR_ARG, "a scatter plot's groups need their names");
    size_t *count = NULL;
    uint32_t *order = NULL;
    if (p->group) {
        for (size_t g = 0; g < p->n_groups; g++)
            if (!p->group_names[g])
                return kg_error_set(err, KG_ERR_ARG, "group %zu has no name", g);
        for (size_t i = 0; i < p->n; i++)
            if (p->group[i] >= p->n_groups)
                return kg_error_set(err, KG_ERR_ARG, "point %zu is in group %u, of %zu groups", i,
                                    p->group[i], p->n_groups);
        count = kg_calloc(p->n_groups, sizeof *count);
        order = kg_malloc(p->n_groups * sizeof *order);
        if (!count || !order) {
            kg_free(count), kg_free(order);
            return kg_error_at(err, KG_ERR_NOMEM, path, 0, 0, "out of memory building the plot");
        }
        for (size_t i = 0; i < p->n; i++)
            if (finite_point(p->xy, i)) count[p->group[i]]++;
        // the coloured groups by decreasing size (an insertion sort: there are nine)
        size_t n_coloured = p->n_groups < NN_SCATTER_COLORS ? p->n_groups : NN_SCATTER_COLORS;
        for (size_t k = 0; k < n_coloured; k++) {
            size_t j = k;
            while (j > 0 && count[order[j - 1]] < count[k]) order[j] = order[j - 1], j--;
            order[j] = (uint32_t)k;
        }
    }
    NnSvg svg = {.status = KG_OK};
    build_svg(&svg, p, count, order);
    kg_free(count), kg_free(order);
    return nn_svg_write(&svg, path, err);
}
