/* tests/neural/test_plot.c: the training plot (neural/plot.c) read back as text: an SVG whose
 * tags balance, with the title escaped, a loss line that skips non-finite values, MRR
 * markers only where it was measured, the best MRR labelled, at most ten epoch labels for
 * any number of epochs, and failures (a missing directory, out of memory) that leave no file. */
#include "../kg/helpers.h"
#include "neural/nn.h"
#include "svg_check.h"

#include <ctype.h>
#include <math.h>
#include <sys/stat.h>

/* Writes a plot that must succeed and returns its text (caller frees with free()). */
static char *plot_ok(const char *dir, const char *title, const double *loss, const double *mrr,
                     size_t n_epochs)
{
    char path[1024];
    path_in(path, sizeof path, dir, "training.svg");
    KgError err = {0};
    KgStatus st = nn_plot_training(path, title, loss, mrr, n_epochs, &err);
    char where[400];
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(st, KG_OK, "nn_plot_training: %s (%s)", kg_status_name(st), where);
    return read_file(path, NULL);
}

/* The points of the nth <polyline> (from 0), or -1 when there is none. */
static long polyline_points(const char *svg, size_t nth)
{
    const char *p = svg;
    for (size_t i = 0; i <= nth; i++) {
        p = strstr(p, "<polyline");
        if (!p) return -1;
        p++;
    }
    p = strstr(p, "points=\"");
    cr_assert_not_null(p);
    p += strlen("points=\"");
    long n = 1;
    for (; *p != '"'; p++) n += *p == ' ';
    return n;
}

/* The epoch labels: centred <text> elements whose content is a whole number. */
static size_t epoch_labels(const char *svg, size_t *last)
{
    size_t n = 0;
    *last = 0;
    for (const char *p = strstr(svg, "<text"); p; p = strstr(p + 1, "<text")) {
        const char *end = strchr(p, '>');
        const char *middle = strstr(p, "text-anchor=\"middle\"");
        if (!end || !middle || middle > end) continue;
        const char *body = end + 1;
        size_t digits = strspn(body, "0123456789");
        if (digits == 0 || strncmp(body + digits, "</text>", 7) != 0) continue;
        size_t value = strtoul(body, NULL, 10);
        cr_assert_gt(value, *last, "epoch labels out of order");
        *last = value;
        n++;
    }
    return n;
}

Test(plot, writes_a_standalone_svg_with_axes_lines_and_the_best_mrr)
{
    enum { N = 20 };
    double loss[N], mrr[N];
    for (int i = 0; i < N; i++) {
        loss[i] = 2.0 + 3.0 * exp(-0.2 * i);
        mrr[i] = NAN;
    }
    loss[3] = NAN;
    loss[7] = INFINITY;
    mrr[4] = 0.61;  // measured every five epochs: 5, 10, 15, 20
    mrr[9] = 0.88;
    mrr[14] = 0.953;
    mrr[19] = 0.94;
    char *dir = temp_dir();
    char *svg = plot_ok(dir, "TransE on FB15k-237", loss, mrr, N);
    assert_well_formed(svg);
    cr_assert(strstr(svg, "<svg") && strstr(svg, "http://www.w3.org/2000/svg"));
    cr_assert(strstr(svg, "width=\"720\"") && strstr(svg, "height=\"420\""));
    cr_assert(strstr(svg, "TransE on FB15k-237"));
    cr_assert(strstr(svg, ">epoch</text>"));
    cr_assert(strstr(svg, "best 0.953 @ epoch 15"), "no best-MRR label");
    // the loss skips its two non-finite values; the MRR line joins only measured epochs
    cr_assert_eq(polyline_points(svg, 0), N - 2);
    cr_assert_eq(polyline_points(svg, 1), 4);
    cr_assert_eq(polyline_points(svg, 2), -1);
    // MRR ticks 0, 0.2, ..., 1 (the loss runs from 2 to 5, so these are the MRR's; "1" is
    // also the first epoch)
    cr_assert(strstr(svg, ">0</text>"));
    cr_assert(strstr(svg, ">0.2</text>") && strstr(svg, ">0.8</text>"));
    cr_assert_eq(count_of(svg, ">1</text>"), 2);
    // and the loss axis has its own ticks
    cr_assert(strstr(svg, ">2.0</text>") && strstr(svg, ">5.0</text>"));
    // standalone, and no unprintable numbers
    cr_assert_null(strstr(svg, "<script"));
    cr_assert_null(strstr(svg, "href"));
    cr_assert_null(strstr(svg, "@import"));
    cr_assert_null(strstr(svg, "nan"));
    cr_assert_null(strstr(svg, "inf"));
    free(svg);
    temp_dir_remove(dir);
}

Test(plot, title_markup_is_escaped)
{
    double loss[] = {1.0, 0.5}, mrr[] = {0.2, 0.3};
    char *dir = temp_dir();
    char *svg = plot_ok(dir, "a <b> & \"c\" 'd'", loss, mrr, 2);
    assert_well_formed(svg);
    cr_assert(strstr(svg, "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"));
    cr_assert_null(strstr(svg, "<b>"));
    free(svg);
    temp_dir_remove(dir);
}

Test(plot, all_nan_mrr_draws_the_loss_alone)
{
    double loss[] = {0.9, 0.7, 0.6, 0.55}, mrr[] = {NAN, NAN, NAN, NAN};
    char *dir = temp_dir();
    char *svg = plot_ok(dir, "no validation", loss, mrr, 4);
    assert_well_formed(svg);
    cr_assert_eq(polyline_points(svg, 0), 4);
    cr_assert_eq(polyline_points(svg, 1), -1);
    cr_assert_null(strstr(svg, "best 0"));
    cr_assert(strstr(svg, ">0</text>") && strstr(svg, ">1</text>"));
    free(svg);
    temp_dir_remove(dir);
}

Test(plot, one_epoch_gets_a_point_a_label_and_a_sensible_axis)
{
    double loss[] = {0.7}, mrr[] = {0.42};
    char *dir = temp_dir();
    char *svg = plot_ok(dir, "one epoch", loss, mrr, 1);
    assert_well_formed(svg);
    cr_assert(strstr(svg, "best 0.420 @ epoch 1"));
    size_t last;
    cr_assert_eq(epoch_labels(svg, &last), 1);
    cr_assert_eq(last, 1);
    // a single loss value still spans an axis around it
    cr_assert(strstr(svg, ">0.70</text>"), "no loss tick at the value");
    cr_assert_null(strstr(svg, "nan"));
    cr_assert_null(strstr(svg, "inf"));
    free(svg);
    temp_dir_remove(dir);
}

Test(plot, zero_epochs_write_an_empty_chart_with_a_note)
{
    char *dir = temp_dir();
    char *svg = plot_ok(dir, "nothing yet", NULL, NULL, 0);
    assert_well_formed(svg);
    cr_assert(strstr(svg, "no epochs"));
    cr_assert(strstr(svg, "nothing yet"));
    cr_assert_null(strstr(svg, "<polyline"));
    cr_assert_null(strstr(svg, "best 0"));
    free(svg);
    temp_dir_remove(dir);
}

Test(plot, any_number_of_epochs_gets_at_most_ten_labels)
{
    static const size_t sizes[] = {1, 2, 3, 9, 10, 11, 19, 20, 21, 45, 99, 100, 101, 1000, 12345};
    char *dir = temp_dir();
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        double *loss = malloc(n * sizeof *loss), *mrr = malloc(n * sizeof *mrr);
        cr_assert(loss && mrr);
        for (size_t i = 0; i < n; i++) {
            loss[i] = 1.0 / (double)(i + 1);
            mrr[i] = i % 7 == 6 ? 0.5 + 0.4 * (double)i / (double)n : NAN;
        }
        char *svg = plot_ok(dir, "sizes", loss, mrr, n);
        assert_well_formed(svg);
        size_t last, n_labels = epoch_labels(svg, &last);
        cr_assert(n_labels >= 1 && n_labels <= 10, "%zu epochs: %zu labels", n, n_labels);
        cr_assert_leq(last, n, "%zu epochs: a label at %zu", n, last);
        cr_assert(n_labels >= 3 || n <= 2, "%zu epochs: only %zu labels", n, n_labels);
        cr_assert_eq(polyline_points(svg, 0), (long)n > 1 ? (long)n : -1);
        free(svg);
        free(loss);
        free(mrr);
    }
    temp_dir_remove(dir);
}

Test(plot, a_missing_directory_fails_with_io_naming_the_path_and_leaves_no_file)
{
    double loss[] = {1.0, 0.5}, mrr[] = {0.2, 0.3};
    char *dir = temp_dir();
    char path[1024];
    path_in(path, sizeof path, dir, "no-such-dir/training.svg");
    KgError err = {0};
    cr_assert_eq(nn_plot_training(path, "t", loss, mrr, 2, &err), KG_ERR_IO);
    cr_assert_eq(err.status, KG_ERR_IO);
    cr_assert_not_null(err.file);
    cr_assert_str_eq(err.file, path);
    cr_assert_neq(err.msg[0], '\0');
    struct stat sb;
    cr_assert_neq(stat(path, &sb), 0);
    cr_assert_eq(files_in(dir), 0);
    temp_dir_remove(dir);
}

Test(plot, rewriting_replaces_the_file_and_leaves_no_temporary)
{
    double loss[] = {1.0, 0.5, 0.25}, mrr[] = {0.2, NAN, 0.3};
    char *dir = temp_dir();
    char *first = plot_ok(dir, "first", loss, mrr, 3);
    char *second = plot_ok(dir, "second", loss, mrr, 3);
    cr_assert(strstr(first, "first") && !strstr(second, "first"));
    cr_assert(strstr(second, "best 0.300 @ epoch 3"));
    cr_assert_eq(files_in(dir), 1);
    free(first);
    free(second);
    temp_dir_remove(dir);
}

Test(plot, every_failed_allocation_gives_nomem_and_leaves_no_file)
{
    double loss[] = {1.0, 0.5, 0.25}, mrr[] = {0.2, NAN, 0.3};
    char *dir = temp_dir();
    char path[1024];
    path_in(path, sizeof path, dir, "training.svg");
    KgStatus st = KG_ERR_NOMEM;
    for (long n = 0; st != KG_OK; n++) {
        cr_assert_lt(n, 10000, "never succeeds");
        KgError err = {0};
        kg_mem_fail_after(n);
        st = nn_plot_training(path, "oom", loss, mrr, 3, &err);
        kg_mem_fail_after(-1);
        if (st == KG_OK) break;
        cr_assert_eq(st, KG_ERR_NOMEM, "allocation %ld: %s", n, kg_status_name(st));
        cr_assert_eq(files_in(dir), 0, "allocation %ld left a file", n);
    }
    cr_assert_eq(files_in(dir), 1);
    temp_dir_remove(dir);
}

Test(plot, extreme_losses_still_give_finite_coordinates_and_distinct_ticks)
{
    static const double cases[][3] = {
        {1e308, -1e308, 5.0},              // max - min overflows
        {4.9e-324, 4.9e-324, 4.9e-324},    // equal and too small for a 10% pad
        {1e12, 1.0000001e12, 1.0000002e12}, // a tiny span far from zero
        {-3.0, -3.0, NAN},
    };
    char *dir = temp_dir();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *svg = plot_ok(dir, "extreme", cases[k], NULL, 3);
        assert_well_formed(svg);
        cr_assert_null(strstr(svg, "nan"), "case %zu", k);
        cr_assert_null(strstr(svg, "inf"), "case %zu", k);
        free(svg);
    }
    // the tiny span's ticks do not all print as "1e+12"
    char *svg = plot_ok(dir, "extreme", cases[2], NULL, 3);
    cr_assert_leq(count_of(svg, ">1e+12</text>"), 1);
    free(svg);
    temp_dir_remove(dir);
}
