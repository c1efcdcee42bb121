/* tests/neural/test_scatter.c: the scatter plot (neural/scatter.c) read back as text: one
 * circle per finite point with its label escaped as its <title>, a colour per group from
 * the palette and grey "other" past it, a legend with each group's size and long names cut
 * whole characters at a time, one colour and no legend without groups, and bad arguments or
 * failures (a missing directory, out of memory) that leave no file. */
#include "../kg/helpers.h"
#include "neural/nn.h"
#include "svg_check.h"

#include <math.h>
#include <sys/stat.h>

/* Writes a plot that must succeed and returns its text (caller frees with free()). */
static char *scatter_ok(const char *dir, const NnScatter *p)
{
    char path[1024];
    path_in(path, sizeof path, dir, "scatter.svg");
    KgError err = {0};
    KgStatus st = nn_plot_scatter(path, p, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(st, KG_OK, "nn_plot_scatter: %s (%s)", kg_status_name(st), where);
    char *svg = read_file(path, NULL);
    assert_well_formed(svg);
    cr_assert_null(strstr(svg, "<script"));
    cr_assert_null(strstr(svg, "href"));
    cr_assert_null(strstr(svg, "<style"));
    cr_assert_null(strstr(svg, "nan"));
    cr_assert_null(strstr(svg, "inf"));
    return svg;
}

/* The fill of the <g> holding the circle whose title is `label`. */
static void fill_of(const char *svg, const char *label, char *fill, size_t fill_len)
{
    char title[256];
    snprintf(title, sizeof title, "<title>%s</title></circle>", label);
    const char *at = strstr(svg, title);
    cr_assert_not_null(at, "no circle titled %s", label);
    const char *g = NULL;
    for (const char *p = strstr(svg, "<g fill=\""); p && p < at; p = strstr(p + 1, "<g fill=\""))
        g = p;
    cr_assert_not_null(g, "%s is in no <g fill>", label);
    g += strlen("<g fill=\"");
    size_t n = strcspn(g, "\"");
    cr_assert_lt(n, fill_len);
    memcpy(fill, g, n);
    fill[n] = '\0';
}

Test(scatter, each_point_is_a_circle_titled_with_its_label_coloured_by_its_group)
{
    float xy[] = {0, 0, 1, 2, -3, 1.5f, 2, -1, 0.5f, 0.5f, NAN, 1};
    const char *labels[] = {"ex:a", "ex:b", "<http://x.org/?a=1&b=2>", "\"lit\"@en", "ex:e",
                            "ex:nan"};
    uint32_t group[] = {0, 1, 1, 0, 2, 1};
    const char *names[] = {"ex:Small", "ex:Big", "untyped"};
    NnScatter p = {.title = "embeddings <'x'>", .x_title = "PC1 (60.0% of variance)",
                   .y_title = "PC2 (30.0% of variance)", .xy = xy, .n = 6, .labels = labels,
                   .group = group, .group_names = names, .n_groups = 3};
    char *dir = temp_dir();
    char *svg = scatter_ok(dir, &p);
    // five finite points, each with its title; the NaN one is left out
    cr_expect_eq(count_of(svg, "<circle"), 5);
    cr_expect_eq(count_of(svg, "</title></circle>"), 5);
    cr_expect_null(strstr(svg, "ex:nan"));
    cr_expect(strstr(svg, "<title>&lt;http://x.org/?a=1&amp;b=2&gt;</title>"));
    cr_expect(strstr(svg, "<title>&quot;lit&quot;@en</title>"));
    cr_expect(strstr(svg, "embeddings &lt;&apos;x&apos;&gt;"));
    cr_expect(strstr(svg, ">PC1 (60.0% of variance)</text>"));
    cr_expect(strstr(svg, ">PC2 (30.0% of variance)</text>"));
    // the groups' colours are the palette's first three, in group order
    char fill[32];
    fill_of(svg, "ex:a", fill, sizeof fill);
    cr_expect_str_eq(fill, "#4e79a7");
    fill_of(svg, "&quot;lit&quot;@en", fill, sizeof fill);
    cr_expect_str_eq(fill, "#4e79a7");
    fill_of(svg, "ex:b", fill, sizeof fill);
    cr_expect_str_eq(fill, "#f28e2b");
    fill_of(svg, "ex:e", fill, sizeof fill);
    cr_expect_str_eq(fill, "#e15759");
    // the legend: each group with its size (of the points drawn)
    cr_expect(strstr(svg, ">ex:Small (2)</text>"));
    cr_expect(strstr(svg, ">ex:Big (2)</text>"));
    cr_expect(strstr(svg, ">untyped (1)</text>"));
    cr_expect_null(strstr(svg, "other"));
    free(svg);
    temp_dir_remove(dir);
}

Test(scatter, groups_past_the_palette_share_grey_and_the_legend_says_so)
{
    enum { N_GROUPS = 12, N = 3 * N_GROUPS };
    float xy[2 * N];
    uint32_t group[N];
    char label_text[N][16], name_text[N_GROUPS][16];
    const char *labels[N], *names[N_GROUPS];
    for (size_t i = 0; i < N; i++) {
        xy[2 * i] = (float)i, xy[2 * i + 1] = (float)(i % 5);
        group[i] = (uint32_t)(i % N_GROUPS);
        snprintf(label_text[i], sizeof label_text[i], "p%zu", i);
        labels[i] = label_text[i];
    }
    for (size_t g = 0; g < N_GROUPS; g++) {
        snprintf(name_text[g], sizeof name_text[g], "class%zu", g);
        names[g] = name_text[g];
    }
    NnScatter p = {.title = "many", .xy = xy, .n = N, .labels = labels, .group = group,
                   .group_names = names, .n_groups = N_GROUPS};
    char *dir = temp_dir();
    char *svg = scatter_ok(dir, &p);
    cr_expect_eq(count_of(svg, "<circle"), N);
    cr_expect(strstr(svg, ">class8 (3)</text>"));
    cr_expect_null(strstr(svg, ">class9 ("), "class9 is past the palette");
    cr_expect(strstr(svg, ">other: 3 groups (9)</text>"));
    char fill[32];
    fill_of(svg, "p9", fill, sizeof fill); // group 9
    cr_expect_str_eq(fill, "#bab0ac");
    fill_of(svg, "p8", fill, sizeof fill);
    cr_expect_str_eq(fill, "#9c755f");
    // nine colours and the grey, each used once as a <g> and once in the legend
    cr_expect_eq(count_of(svg, "<g fill=\""), 10);
    cr_expect_eq(count_of(svg, "fill=\"#bab0ac\""), 2);
    free(svg);
    temp_dir_remove(dir);
}

Test(scatter, long_names_are_cut_in_the_legend_between_characters_and_kept_whole_on_hover)
{
    float xy[] = {0, 0, 1, 1};
    uint32_t group[] = {0, 1};
    // 40 characters: 'e' with an acute accent is two bytes
    const char *names[] = {"http://example.org/caf\xC3\xA9/a/very/long/class",
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"
                           "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"};
    NnScatter p = {.xy = xy, .n = 2, .group = group, .group_names = names, .n_groups = 2};
    char *dir = temp_dir();
    char *svg = scatter_ok(dir, &p);
    cr_expect(strstr(svg, "<title>http://example.org/caf\xC3\xA9/a/very/long/class (1)</title>"));
    cr_expect(strstr(svg, ">http://example.org/caf\xC3\xA9/a/ver\xE2\x80\xA6 (1)</text>"),
              "the first name is not cut to 29 characters and an ellipsis");
    char want[128] = ">";
    for (int i = 0; i < 29; i++) strcat(want, "\xC3\xA9");
    strcat(want, "\xE2\x80\xA6 (1)</text>");
    cr_expect(strstr(svg, want), "the second name is not cut after 29 whole characters");
    free(svg);
    temp_dir_remove(dir);
}

Test(scatter, without_groups_the_points_have_one_colour_and_there_is_no_legend)
{
    float xy[] = {1, 1, 2, 4, 3, 9};
    NnScatter p = {.title = "plain", .xy = xy, .n = 3};
    char *dir = temp_dir();
    char *svg = scatter_ok(dir, &p);
    cr_expect_eq(count_of(svg, "<circle"), 3);
    cr_expect_eq(count_of(svg, "<g fill=\""), 1);
    cr_expect_null(strstr(svg, "<circle cx=\"0.0\""));
    cr_expect_null(strstr(svg, "width=\"12\""), "a legend swatch");
    cr_expect_null(strstr(svg, "<title>1"), "a title without labels");
    // the axes span the points with nice ticks
    cr_expect(strstr(svg, ">1.0</text>") && strstr(svg, ">3.0</text>"), "x ticks");
    cr_expect(strstr(svg, ">1</text>") && strstr(svg, ">9</text>"), "y ticks");
    free(svg);
    temp_dir_remove(dir);
}

Test(scatter, no_points_or_equal_points_still_give_a_chart)
{
    char *dir = temp_dir();
    NnScatter none = {.title = "empty"};
    char *svg = scatter_ok(dir, &none);
    cr_expect(strstr(svg, "no points"));
    cr_expect_null(strstr(svg, "<circle"));
    free(svg);
    float zeros[] = {0, 0, 0, 0, 0, 0};
    NnScatter same = {.title = "no variance", .xy = zeros, .n = 3};
    svg = scatter_ok(dir, &same);
    cr_expect_eq(count_of(svg, "<circle"), 3);
    // an axis around the one value, which sits in the middle of the chart
    cr_expect(strstr(svg, ">-0.6</text>") && strstr(svg, ">0.6</text>"));
    cr_expect_eq(count_of(svg, "<circle cx=\"475.0\" cy=\"315.0\""), 3);
    free(svg);
    temp_dir_remove(dir);
}

Test(scatter, bad_arguments_and_a_missing_directory_fail_and_leave_no_file)
{
    float xy[] = {0, 0, 1, 1};
    uint32_t group[] = {0, 2};
    const char *names[] = {"a", "b"};
    char *dir = temp_dir();
    char path[1024];
    path_in(path, sizeof path, dir, "scatter.svg");
    KgError err = {0};
    NnScatter p = {.xy = xy, .n = 2, .group = group, .group_names = names, .n_groups = 2};
    cr_expect_eq(nn_plot_scatter(path, &p, &err), KG_ERR_ARG);
    cr_expect_str_eq(err.msg, "point 1 is in group 2, of 2 groups");
    p.group_names = NULL;
    cr_expect_eq(nn_plot_scatter(path, &p, &err), KG_ERR_ARG);
    NnScatter no_xy = {.n = 2};
    cr_expect_eq(nn_plot_scatter(path, &no_xy, &err), KG_ERR_ARG);
    cr_expect_eq(files_in(dir), 0);
    path_in(path, sizeof path, dir, "no-such-dir/scatter.svg");
    NnScatter ok = {.xy = xy, .n = 2};
    cr_expect_eq(nn_plot_scatter(path, &ok, &err), KG_ERR_IO);
    cr_expect_str_eq(err.file, path);
    cr_expect_eq(files_in(dir), 0);
    temp_dir_remove(dir);
}

Test(scatter, every_failed_allocation_gives_nomem_and_leaves_no_file)
{
    float xy[] = {0, 0, 1, 2, 3, 1};
    const char *labels[] = {"a", "b", "c"};
    uint32_t group[] = {0, 1, 0};
    const char *names[] = {"x", "y"};
    NnScatter p = {.title = "oom", .xy = xy, .n = 3, .labels = labels, .group = group,
                   .group_names = names, .n_groups = 2};
    char *dir = temp_dir();
    char path[1024];
    path_in(path, sizeof path, dir, "scatter.svg");
    KgStatus st = KG_ERR_NOMEM;
    for (long n = 0; st != KG_OK; n++) {
        cr_assert_lt(n, 10000, "never succeeds");
        KgError err = {0};
        kg_mem_fail_after(n);
        st = nn_plot_scatter(path, &p, &err);
        kg_mem_fail_after(-1);
        if (st == KG_OK) break;
        cr_assert_eq(st, KG_ERR_NOMEM, "allocation %ld: %s", n, kg_status_name(st));
        cr_assert_eq(files_in(dir), 0, "allocation %ld left a file", n);
    }
    cr_assert_eq(files_in(dir), 1);
    temp_dir_remove(dir);
}
