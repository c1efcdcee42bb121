/* tests/kg/test_regex.c: KgRegex, the PCRE2 matching that SPARQL's REGEX and the label search
 * share: flags, Unicode, errors naming the pattern, and the limits that stop a pathological
 * pattern. */
#include "kg/kg.h"

#include <criterion/criterion.h>
#include <string.h>

static int matches(const char *pattern, const char *flags, const char *text)
{
    KgRegex *re = NULL;
    KgError err = {0};
    cr_assert_eq(kg_regex_new(pattern, strlen(pattern), flags, &re, &err), KG_OK, "%s", err.msg);
    int m = -1;
    cr_assert_eq(kg_regex_match(re, text, strlen(text), &m, &err), KG_OK, "%s", err.msg);
    kg_regex_free(re);
    return m;
}

Test(regex, matches_anywhere_unless_anchored)
{
    cr_assert_eq(matches("bird", NULL, "a bird here"), 1);
    cr_assert_eq(matches("^bird", NULL, "a bird here"), 0);
    cr_assert_eq(matches("^bird$", "", "bird"), 1);
}

Test(regex, flags_follow_xpath)
{
    cr_assert_eq(matches("BIRD", NULL, "bird"), 0);
    cr_assert_eq(matches("BIRD", "i", "bird"), 1);
    cr_assert_eq(matches("a.b", "q", "axb"), 0); /* q: the pattern is a plain string */
    cr_assert_eq(matches("a.b", "q", "a.b"), 1);
}

Test(regex, unicode_classes_see_code_points)
{
    cr_assert_eq(matches("^\\w+$", NULL, "Zürich"), 1);
    cr_assert_eq(matches("^.{6}$", NULL, "Zürich"), 1);
}

Test(regex, a_bad_pattern_or_flag_is_an_argument_error_naming_it)
{
    KgRegex *re = NULL;
    KgError err = {0};
    cr_assert_eq(kg_regex_new("a(b", 3, NULL, &re, &err), KG_ERR_ARG);
    cr_assert_null(re);
    cr_assert(strstr(err.msg, "a(b") && strstr(err.msg, "offset 3"), "%s", err.msg);
    cr_assert_eq(kg_regex_new("ab", 2, "z", &re, &err), KG_ERR_ARG);
    cr_assert(strstr(err.msg, "\"z\""), "%s", err.msg);
}

Test(regex, catastrophic_backtracking_stops_at_the_limit)
{
    KgRegex *re = NULL;
    KgError err = {0};
    const char *p = "^(a+)+$";
    cr_assert_eq(kg_regex_new(p, strlen(p), NULL, &re, &err), KG_OK, "%s", err.msg);
    char text[64];
    memset(text, 'a', sizeof text - 2);
    text[sizeof text - 2] = 'b', text[sizeof text - 1] = '\0';
    int m = -1;
    cr_assert_eq(kg_regex_match(re, text, strlen(text), &m, &err), KG_ERR_ARG);
    cr_assert_eq(m, 0);
    cr_assert(strstr(err.msg, "limit"), "%s", err.msg);
    kg_regex_free(re);
}

Test(regex, text_that_is_not_utf8_is_an_error)
{
    KgRegex *re = NULL;
    KgError err = {0};
    cr_assert_eq(kg_regex_new("a", 1, NULL, &re, &err), KG_OK);
    int m = -1;
    cr_assert_eq(kg_regex_match(re, "a\xff", 2, &m, &err), KG_ERR_ARG);
    kg_regex_free(re);
}
