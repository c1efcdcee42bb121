/* kg/sparql_lex.h: the SPARQL tokenizer, shared by kg/sparql_lex.c and kg/sparql_parse.c
 * only. One token at a time over text that need not be NUL-terminated; strings, IRIs, local
 * names, labels and variable names come out decoded (escapes resolved) in the lexer's
 * buffer, valid until the next token. Positions are 1-based; columns count characters
 * (UTF-8 code points), as kg/locate.c does for Turtle. */
#ifndef NOUS_KG_SPARQL_LEX_H
#define NOUS_KG_SPARQL_LEX_H

#include "sparql.h"

/* Token kinds: a one-character punctuation token is its own character ('{', '.', '*', ...);
 * the others are numbered above any byte. */
enum {
    SP_TK_EOF = 0,
    SP_TK_IRI = 256, /* <...>: value = the IRI, \u escapes decoded, not yet resolved */
    SP_TK_PNAME,     /* prefix:local: prefix_len bytes of prefix; value = the decoded local */
    SP_TK_BLANK,     /* _:label: value = the label */
    SP_TK_VAR,       /* ?x or $x: value = the name */
    SP_TK_LANGTAG,   /* @en-GB: value = the tag in lower case */
    SP_TK_STRING,    /* any of the four quotings: value = the decoded string (may hold NULs) */
    SP_TK_INTEGER,   /* the numbers: their text, sign included, is the lexical form */
    SP_TK_DECIMAL,
    SP_TK_DOUBLE,
    SP_TK_WORD,  /* a bare name: a keyword, a function name, `a`, true, false */
    SP_TK_AND,   /* && */
    SP_TK_OR,    /* || */
    SP_TK_NE,    /* != */
    SP_TK_LE,    /* <= */
    SP_TK_GE,    /* >= */
    SP_TK_DTYPE, /* ^^ */
};

typedef struct {
    int kind;
    size_t off, len;   /* the token's bytes in the text */
    size_t prefix_len; /* SP_TK_PNAME: bytes before the ':' */
    SpPos pos;
} SpToken;

typedef struct {
    const char *text;
    size_t len, off;
    unsigned long line, col; /* of the byte at off */
    const char *name;        /* for error positions */
    KgError *err;
    KgBuf val; /* the current token's decoded value */
} SpLexer;

/* Starts reading `text` (len bytes; keeps both pointers, and `name` and `err`). */
void sp_lex_init(SpLexer *lx, const char *text, size_t len, const char *name, KgError *err);
/* Reads the next token into *tok (SP_TK_EOF at the end, again and again). A malformed token
 * fails with KG_ERR_SYNTAX at its position. */
KgStatus sp_lex_next(SpLexer *lx, SpToken *tok);
/* Frees the value buffer. */
void sp_lex_free(SpLexer *lx);
/* Checks that the whole text is UTF-8; KG_ERR_SYNTAX at the first bad byte. */
KgStatus sp_lex_check_utf8(const char *text, size_t len, const char *name, KgError *err);

#endif
