/* kg/utf8.c: UTF-8 and hexadecimal digits, the pieces every reader of \u escapes (the
 * command-line term reader, the SPARQL lexer, the rule parser), the validator and the string
 * functions need: one encoder, one strict decoder. */
#include "internal.h"

int kg_hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t kg_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

KgStatus kg_buf_put_utf8(KgBuf *b, uint32_t cp)
{
    char u[4];
    return kg_buf_append(b, u, kg_utf8_encode(cp, u));
}

size_t kg_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t v, min;
    *cp = UINT32_MAX;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) return 0; // a continuation byte, or an overlong 2-byte lead
    if (c < 0xE0) n = 2, v = c & 0x1Fu, min = 0x80;
    else if (c < 0xF0) n = 3, v = c & 0x0Fu, min = 0x800;
    else if (c < 0xF5) n = 4, v = c & 0x07u, min = 0x10000;
    else return 0;
    if (n > len) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF) return 0;
    *cp = v;
    return v >= 0xD800 && v <= 0xDFFF ? 0 : n;
}
