#ifndef UTIL_H
#define UTIL_H
struct settings { int port; int workers; };
struct settings load_settings(const char *path);
int serve(const struct settings *s);
#endif
