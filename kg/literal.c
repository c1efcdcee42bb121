/* kg/literal.c: the values behind typed literals. Numbers and dates are stored with their
 * value beside the lexical form, so that queries compare 9 < 10 and 2024-01-02 < 2024-10-01
 * on values, not strings. Only well-formed lexical forms get a value. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const integer_types[] = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte", NULL,
};

static int is_xsd(const char *dt, const char *local)
{
    size_t n = sizeof KG_NS_XSD - 1;
    return strncmp(dt, KG_NS_XSD, n) == 0 && strcmp(dt + n, local) == 0;
}

static int parse_integer(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    while (isdigit((unsigned char)*p)) p++;
    if (*p) return 0;
    *out = strtod(s, NULL);
    return 1;
}

static int parse_decimal(const char *s, double *out)
{
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-') p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits || *p) return 0;
    *out = strtod(s, NULL);
    return 1;
}

static int parse_double(const char *s, double *out)
{
    if (strcmp(s, "INF") == 0 || strcmp(s, "+INF") == 0) return *out = INFINITY, 1;
    if (strcmp(s, "-INF") == 0) return *out = -INFINITY, 1;
    if (strcmp(s, "NaN") == 0) return *out = NAN, 1;
    const char *p = s;
    int digits = 0;
    if (*p == '+' || *p == '-') p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p) return 0;
    errno = 0;
    *out = strtod(s, NULL);
    return 1;
}

static int two_digits(const char *p, int *v)
{
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return 0;
    *v = (p[0] - '0') * 10 + (p[1] - '0');
    return 1;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* xsd:date "YYYY-MM-DD[tz]" and xsd:dateTime "YYYY-MM-DDThh:mm:ss[.s][tz]". */
static int parse_date(const char *s, int with_time, double *out)
{
    const char *p = s;
    int neg = 0;
    if (*p == '-') neg = 1, p++;
    long year = 0;
    int n = 0;
    while (isdigit((unsigned char)*p)) year = year * 10 + (*p++ - '0'), n++;
    if (n < 4 || n > 9 || *p++ != '-') return 0;
    if (neg) year = -year;
    int month, day, hour = 0, minute = 0;
    double sec = 0;
    if (!two_digits(p, &month) || p[2] != '-' || !two_digits(p + 3, &day)) return 0;
    p += 5;
    if (month < 1 || month > 12 || day < 1 || day > 31) return 0;
    if (with_time) {
        if (*p++ != 'T' || !two_digits(p, &hour) || p[2] != ':' || !two_digits(p + 3, &minute) ||
            p[5] != ':' || !isdigit((unsigned char)p[6]) || !isdigit((unsigned char)p[7]))
            return 0;
        char *end;
        sec = strtod(p + 6, &end);
        p = end;
        if (hour > 24 || minute > 59 || sec >= 61) return 0;
    }
    long offset = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        if (!two_digits(p + 1, &oh) || p[3] != ':' || !two_digits(p + 4, &om)) return 0;
        offset = sign * (oh * 3600L + om * 60L);
        p += 6;
    }
    if (*p) return 0;
    *out = (double)days_from_civil(year, month, day) * 86400.0 + hour * 3600.0 + minute * 60.0 +
           sec - (double)offset;
    return 1;
}

int kg_literal_number(const char *datatype, const char *lex, size_t lex_len, double *out)
{
    if (strncmp(datatype, KG_NS_XSD, sizeof KG_NS_XSD - 1) != 0) return 0;
    if (lex_len == 0 || lex_len > 64 || memchr(lex, '\0', lex_len)) return 0;
    char s[65];
    memcpy(s, lex, lex_len);
    s[lex_len] = '\0';
    for (int i = 0; integer_types[i]; i++)
        if (is_xsd(datatype, integer_types[i])) return parse_integer(s, out);
    if (is_xsd(datatype, "decimal")) return parse_decimal(s, out);
    if (is_xsd(datatype, "double") || is_xsd(datatype, "float")) return parse_double(s, out);
    if (is_xsd(datatype, "date")) return parse_date(s, 0, out);
    if (is_xsd(datatype, "dateTime")) return parse_date(s, 1, out);
    return 0;
}
