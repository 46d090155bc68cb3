/*
 * A small JSON reader, just enough for metadata.json: it walks the whole
 * document (objects, arrays, strings, numbers, literals) and keeps the
 * "flags-mask" numbers found at opcodes.<op>.flags-mask and
 * opcodes.<op>.reg.<r>.flags-mask.
 */
#include "flagmask.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 32
#define KEY_LEN 32

struct json {
    const char *p, *end;
    char path[MAX_DEPTH][KEY_LEN]; /* object keys from the root down */
    int depth;
    struct flagmask_table *t;
    bool oom;
};

static void skip_ws(struct json *j)
{
    while (j->p < j->end && isspace((unsigned char)*j->p))
        j->p++;
}

/* A string at j->p; its unescaped text (truncated) goes to out if given. */
static bool parse_string(struct json *j, char *out, size_t outlen)
{
    size_t n = 0;
    if (j->p >= j->end || *j->p != '"')
        return false;
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\') {
            if (j->p >= j->end)
                return false;
            c = *j->p++;
            if (c == 'u') {
                if (j->end - j->p < 4)
                    return false;
                j->p += 4;
                c = '?';
            }
        }
        if (out && n + 1 < outlen)
            out[n++] = c;
    }
    if (j->p >= j->end)
        return false;
    j->p++;
    if (out)
        out[n] = 0;
    return true;
}

static bool path_is(const struct json *j, int n, const char *const *keys)
{
    if (j->depth != n)
        return false;
    for (int i = 0; i < n; i++)
        if (keys[i] && strcmp(j->path[i], keys[i]) != 0)
            return false;
    return true;
}

static void record(struct json *j, double v)
{
    static const char *const top[] = { "opcodes", NULL, "flags-mask" };
    static const char *const sub[] = { "opcodes", NULL, "reg", NULL, "flags-mask" };
    int reg;
    if (path_is(j, 3, top)) {
        reg = -1;
    } else if (path_is(j, 5, sub)) {
        char *endp;
        long r = strtol(j->path[3], &endp, 10);
        if (*endp || r < 0 || r > 7)
            return;
        reg = (int)r;
    } else {
        return;
    }
    struct flagmask_table *t = j->t;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct flagmask_entry *e = realloc(t->e, cap * sizeof(*e));
        if (!e) {
            j->oom = true;
            return;
        }
        t->e = e;
        t->cap = cap;
    }
    struct flagmask_entry *e = &t->e[t->n++];
    snprintf(e->opcode, sizeof(e->opcode), "%.7s", j->path[1]);
    e->reg = reg;
    e->mask = (uint32_t)v;
}

static bool parse_value(struct json *j);

static bool parse_object(struct json *j)
{
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return true;
    }
    if (j->depth >= MAX_DEPTH)
        return false;
    for (;;) {
        skip_ws(j);
        if (!parse_string(j, j->path[j->depth], KEY_LEN))
            return false;
        skip_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return false;
        j->p++;
        j->depth++;
        bool ok = parse_value(j);
        j->depth--;
        if (!ok)
            return false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool parse_array(struct json *j)
{
    j->p++;
    skip_ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return true;
    }
    if (j->depth >= MAX_DEPTH)
        return false;
    /* Array elements never sit on a path we record. */
    snprintf(j->path[j->depth], KEY_LEN, "[]");
    for (;;) {
        j->depth++;
        bool ok = parse_value(j);
        j->depth--;
        if (!ok)
            return false;
        skip_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return true;
        }
        return false;
    }
}

static bool parse_value(struct json *j)
{
    skip_ws(j);
    if (j->p >= j->end)
        return false;
    char c = *j->p;
    if (c == '{')
        return parse_object(j);
    if (c == '[')
        return parse_array(j);
    if (c == '"')
        return parse_string(j, NULL, 0);
    if (c == '-' || isdigit((unsigned char)c)) {
        char num[64];
        size_t n = 0;
        while (j->p < j->end && n + 1 < sizeof(num) && strchr("+-.eE0123456789", *j->p))
            num[n++] = *j->p++;
        num[n] = 0;
        char *endp;
        double v = strtod(num, &endp);
        if (*endp)
            return false;
        record(j, v);
        return true;
    }
    static const char *const lits[] = { "true", "false", "null" };
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(lits[i]);
        if ((size_t)(j->end - j->p) >= l && memcmp(j->p, lits[i], l) == 0) {
            j->p += l;
            return true;
        }
    }
    return false;
}

/* The whole file, NUL-terminated, or NULL with errno set. */
static char *read_text(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    size_t cap = 1u << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - n < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0) {
            if (ferror(fp))
                break;
            fclose(fp);
            buf[n] = 0;
            *len = n;
            return buf;
        }
    }
    free(buf);
    fclose(fp);
    return NULL;
}

int flagmask_load(const char *path, struct flagmask_table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    size_t len;
    char *buf = read_text(path, &len);
    if (!buf) {
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    struct json j = { .p = buf, .end = buf + len, .t = t };
    bool ok = parse_value(&j);
    skip_ws(&j);
    size_t at = len - (size_t)(j.end - j.p);
    bool complete = j.p == j.end;
    free(buf);
    if (!ok || !complete || j.oom) {
        snprintf(err, errlen, "%s: %s near byte %zu", path, j.oom ? "out of memory" : "bad JSON", at);
        flagmask_free(t);
        return -1;
    }
    return 0;
}

void flagmask_free(struct flagmask_table *t)
{
    free(t->e);
    memset(t, 0, sizeof(*t));
}

uint32_t flagmask_lookup(const struct flagmask_table *t, const char *stem)
{
    char op[8];
    int reg = -1;
    size_t n = strcspn(stem, ".");
    if (n >= sizeof(op))
        return ~0u;
    memcpy(op, stem, n);
    op[n] = 0;
    if (stem[n] == '.' && isdigit((unsigned char)stem[n + 1]))
        reg = stem[n + 1] - '0';

    uint32_t whole = ~0u;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->e[i].opcode, op) != 0)
            continue;
        if (t->e[i].reg == reg && reg >= 0)
            return t->e[i].mask;
        if (t->e[i].reg < 0)
            whole = t->e[i].mask;
    }
    return whole;
}
