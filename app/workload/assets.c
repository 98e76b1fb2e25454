/*
 * assets.c - finding the files heapviz ships (see assets.h).
 *
 * The candidate directories are tried in a fixed order; the first one that
 * holds the file wins. The executable's own directory comes from
 * /proc/self/exe where there is one, so a relocated install still works.
 */
#define _POSIX_C_SOURCE 200809L /* readlink */

#include "assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HEAPVIZ_BUILD_ASSETS_DIR
#define HEAPVIZ_BUILD_ASSETS_DIR "assets"
#endif
#ifndef HEAPVIZ_INSTALL_ASSETS_DIR
#define HEAPVIZ_INSTALL_ASSETS_DIR "/usr/local/share/heapviz"
#endif

static bool is_readable_file(const char *path)
{
    return access(path, R_OK) == 0; /* not opened: a FIFO gives its data to one open only */
}

/* Joins directory and name into path; false if it does not fit or is absent. */
static bool try_directory(const char *directory, const char *relative, char *path,
                          size_t path_size)
{
    int written = snprintf(path, path_size, "%s/%s", directory, relative);
    return written > 0 && (size_t)written < path_size && is_readable_file(path);
}

/* ../share/heapviz beside the running executable, if the system says where it is. */
static bool executable_share_directory(char *directory, size_t size)
{
    char executable[1024];
    ssize_t length = readlink("/proc/self/exe", executable, sizeof executable - 1);
    if (length <= 0)
        return false;
    executable[length] = '\0';
    char *slash = strrchr(executable, '/');
    if (!slash)
        return false;
    *slash = '\0';
    int written = snprintf(directory, size, "%s/../share/heapviz", executable);
    return written > 0 && (size_t)written < size;
}

bool assets_find(const char *relative, char *path, size_t path_size)
{
    const char *override = getenv("HEAPVIZ_ASSETS");
    if (override && *override && try_directory(override, relative, path, path_size))
        return true;
    char beside[1024];
    if (executable_share_directory(beside, sizeof beside) &&
        try_directory(beside, relative, path, path_size))
        return true;
    return try_directory(HEAPVIZ_INSTALL_ASSETS_DIR, relative, path, path_size) ||
           try_directory(HEAPVIZ_BUILD_ASSETS_DIR, relative, path, path_size);
}

void assets_resolve_trace(const char *argument, char *path, size_t path_size)
{
    snprintf(path, path_size, "%s", argument);
    if (is_readable_file(argument) || strchr(argument, '/'))
        return;
    char relative[512];
    snprintf(relative, sizeof relative, "traces/%s", argument);
    if (assets_find(relative, path, path_size))
        return;
    snprintf(relative, sizeof relative, "traces/%s.rep", argument);
    if (!assets_find(relative, path, path_size))
        snprintf(path, path_size, "%s", argument);
}
