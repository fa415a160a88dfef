#include <stdio.h>
#include <string.h>
#include "util.h"

struct settings load_settings(const char *path) {
    struct settings s = { 8080, 1 };
    FILE *f = fopen(path, "r");
    char line[256];
    if (!f) return s;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "port=%d", &s.port);
        sscanf(line, "workers=%d", &s.workers);
    }
    fclose(f);
    return s;
}

int serve(const struct settings *s) {
    (void)s;
    return 0;
}
