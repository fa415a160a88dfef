/* layerscope example app: a tiny "service" whose build needs a (simulated) toolchain. */
#include <stdio.h>
#include "util.h"

int main(int argc, char **argv) {
    const char *conf = argc > 1 ? argv[1] : "/etc/app/app.conf";
    struct settings s = load_settings(conf);
    printf("listening on :%d with %d workers\n", s.port, s.workers);
    return serve(&s);
}
