/* tests/kg/test_link_dataset.c: reading a benchmark folder (kg/link_dataset.c): ids in order
 * of first appearance across train, valid and test, the names kept, CRLF, empty lines and a
 * byte-order mark, bad lines failing at FILE:LINE, a missing file failing with KG_ERR_IO,
 * failed allocations, and the UMLS benchmark in datasets/ against counts found independently. */
#include "helpers.h"
#include "kg/linkpred.h"

/* Writes train.txt, valid.txt and test.txt (NULL: the file is not written) into a new
 * temporary directory. */
static char *folder_with(const char *train, const char *valid, const char *test)
{
    char *dir = temp_dir();
    const char *files[3] = {"train.txt", "valid.txt", "test.txt"};
    const char *texts[3] = {train, valid, test};
    char path[1024];
    for (int i = 0; i < 3; i++)
        if (texts[i])
            write_file(path_in(path, sizeof path, dir, files[i]), texts[i], strlen(texts[i]));
    return dir;
}

static KgLinkDataset *read_ok(const char *dir)
{
    KgLinkDataset *d = NULL;
    KgError err = {0};
    char where[400];
    KgStatus s = kg_link_read_dir(dir, &d, &err);
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_OK, "kg_link_read_dir(%s): %s", dir, where);
    cr_assert_not_null(d);
    return d;
}

static void assert_triple(const KgLinkTriple *x, uint32_t h, uint32_t r, uint32_t t)
{
    cr_assert(x->h == h && x->r == r && x->t == t, "(%u, %u, %u), expected (%u, %u, %u)", x->h,
              x->r, x->t, h, r, t);
}

Test(dataset, ids_in_order_of_first_appearance)
{
    // Entities first seen: a (train 1), b, c (train 2), é (valid 1), e (test 1).
    // Relations: likes (train 1), knows (train 2), owns (test 1). CRLF, an empty line, a
    // blank CRLF line and a last line without its end are all fine.
    char *dir = folder_with("a\tlikes\tb\r\n"
                            "\n"
                            "b\tknows\tc\r\n"
                            "\r\n",
                            "c\tlikes\t\xC3\xA9\n"
                            "a\tknows\tc\n",
                            "e\towns\ta");
    KgLinkDataset *d = read_ok(dir);
    cr_assert_eq(d->n_entities, 5);
    cr_assert_eq(d->n_relations, 3);
    cr_assert_eq(d->n_train, 2);
    cr_assert_eq(d->n_valid, 2);
    cr_assert_eq(d->n_test, 1);
    const char *entities[] = {"a", "b", "c", "\xC3\xA9", "e"};
    for (int i = 0; i < 5; i++)
        cr_assert_str_eq(d->entity_names[i], entities[i]);
    const char *relations[] = {"likes", "knows", "owns"};
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(d->relation_names[i], relations[i]);
    cr_assert_null(d->entity_terms);
    cr_assert_null(d->relation_terms);
    assert_triple(&d->train[0], 0, 0, 1);
    assert_triple(&d->train[1], 1, 1, 2);
    assert_triple(&d->valid[0], 2, 0, 3);
    assert_triple(&d->valid[1], 0, 1, 2);
    assert_triple(&d->test[0], 4, 2, 0);
    kg_link_dataset_free(d);
    temp_dir_remove(dir);
}

Test(dataset, an_entity_and_a_relation_may_share_a_name)
{
    // Entities and relations are numbered apart: "x" is entity 0 and relation 0.
    char *dir = folder_with("x\tx\ty\n", "", "");
    KgLinkDataset *d = read_ok(dir);
    cr_assert_eq(d->n_entities, 2);
    cr_assert_eq(d->n_relations, 1);
    cr_assert_eq(d->n_valid, 0);
    cr_assert_eq(d->n_test, 0);
    assert_triple(&d->train[0], 0, 0, 1);
    kg_link_dataset_free(d);
    temp_dir_remove(dir);
}

Test(dataset, a_byte_order_mark_is_not_part_of_the_first_name)
{
    char *dir = folder_with("\xEF\xBB\xBF" "a\tr\tb\n", "\xEF\xBB\xBF", "");
    KgLinkDataset *d = read_ok(dir);
    cr_assert_str_eq(d->entity_names[0], "a");
    cr_assert_eq(d->n_train, 1);
    cr_assert_eq(d->n_valid, 0);
    kg_link_dataset_free(d);
    temp_dir_remove(dir);
}

/* Reads a folder whose `bad_file` has a bad line `line`; checks the error's position. */
static void assert_bad_line(const char *train, const char *valid, const char *test,
                            const char *bad_file, unsigned long line)
{
    char *dir = folder_with(train, valid, test);
    KgLinkDataset *d = (KgLinkDataset *)1;
    KgError err = {0};
    char where[400];
    KgStatus s = kg_link_read_dir(dir, &d, &err);
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_ERR_SYNTAX, "%s", where);
    cr_assert_eq(err.status, KG_ERR_SYNTAX);
    cr_assert_null(d);
    cr_assert_not_null(err.file);
    cr_assert_str_eq(err.file, bad_file, "%s", where);
    cr_assert_eq(err.line, line, "%s", where);
    temp_dir_remove(dir);
}

Test(dataset, two_fields_fail_at_file_and_line)
{
    // valid.txt line 3 (after an empty line 2) has only two fields.
    assert_bad_line("a\tr\tb\n", "a\tr\tb\n\nb\tr\n", "a\tr\tb\n", "valid.txt", 3);
}

Test(dataset, four_fields_fail_at_file_and_line)
{
    assert_bad_line("a\tr\tb\na\tr\tb\tc\n", "", "", "train.txt", 2);
}

Test(dataset, an_empty_field_fails_at_file_and_line)
{
    assert_bad_line("a\tr\tb\n", "", "a\tr\tb\r\nc\t\td\r\n", "test.txt", 2);
    assert_bad_line("\tr\tb\n", "", "", "train.txt", 1);
    assert_bad_line("a\tr\t\n", "", "", "train.txt", 1);
}

Test(dataset, a_line_without_tabs_fails)
{
    assert_bad_line("a r b\n", "", "", "train.txt", 1);
}

Test(dataset, a_missing_file_fails_naming_it)
{
    char *dir = folder_with("a\tr\tb\n", "a\tr\tb\n", NULL);
    KgLinkDataset *d = (KgLinkDataset *)1;
    KgError err = {0};
    char where[400];
    KgStatus s = kg_link_read_dir(dir, &d, &err);
    kg_error_format(&err, where, sizeof where);
    cr_assert_eq(s, KG_ERR_IO, "%s", where);
    cr_assert_null(d);
    cr_assert(strstr(where, "test.txt") != NULL, "the error names the file: %s", where);
    temp_dir_remove(dir);
}

Test(dataset, a_missing_folder_fails)
{
    KgLinkDataset *d = (KgLinkDataset *)1;
    KgError err = {0};
    cr_assert_eq(kg_link_read_dir("/nonexistent/nous-benchmark", &d, &err), KG_ERR_IO);
    cr_assert_null(d);
    cr_assert(strstr(err.msg, "/nonexistent/nous-benchmark/train.txt") != NULL, "%s", err.msg);
}

Test(dataset, umls_counts)
{
    // Counted independently (a Python one-liner splitting the lines on tabs): 5,216 train,
    // 652 valid and 661 test triples over 135 entities and 46 relations; the first line of
    // train.txt names entity 0 and relation 0.
    KgLinkDataset *d = read_ok("datasets/umls");
    cr_assert_eq(d->n_train, 5216);
    cr_assert_eq(d->n_valid, 652);
    cr_assert_eq(d->n_test, 661);
    cr_assert_eq(d->n_entities, 135);
    cr_assert_eq(d->n_relations, 46);
    cr_assert_str_eq(d->entity_names[0], "acquired_abnormality");
    cr_assert_str_eq(d->entity_names[1], "experimental_model_of_disease");
    cr_assert_str_eq(d->relation_names[0], "location_of");
    assert_triple(&d->train[0], 0, 0, 1);
    for (size_t i = 0; i < d->n_test; i++)
        cr_assert(d->test[i].h < d->n_entities && d->test[i].t < d->n_entities &&
                  d->test[i].r < d->n_relations);
    kg_link_dataset_free(d);
}

Test(dataset, every_failed_allocation_fails_cleanly)
{
    // Fails the 1st, 2nd, ... allocation until a read gets through: each failure is
    // KG_ERR_NOMEM with nothing returned (the sanitizer build checks that nothing leaks).
    char *dir = folder_with("a\tr\tb\nb\ts\tc\n", "c\tr\td\n", "d\tt\ta\n");
    KgStatus s = KG_ERR_NOMEM;
    long n;
    for (n = 0; n < 1000 && s != KG_OK; n++) {
        KgLinkDataset *d = (KgLinkDataset *)1;
        KgError err = {0};
        kg_mem_fail_after(n);
        s = kg_link_read_dir(dir, &d, &err);
        kg_mem_fail_after(-1);
        if (s == KG_OK) {
            cr_assert_eq(d->n_entities, 4);
            kg_link_dataset_free(d);
        } else {
            cr_assert_eq(s, KG_ERR_NOMEM, "allocation %ld: %s", n, err.msg);
            cr_assert_null(d);
        }
    }
    cr_assert_eq(s, KG_OK, "still failing after %ld allocations", n);
    cr_assert_gt(n, 5);
    temp_dir_remove(dir);
}
