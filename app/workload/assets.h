/*
 * assets.h - finding the files heapviz ships (assets/): the scenario traces.
 *
 * The same binary works from a build tree and once installed: it looks in
 * $HEAPVIZ_ASSETS if set, then next to the executable (../share/heapviz when
 * installed), then in the install prefix it was configured with, then in the
 * source tree it was built from.
 */
#ifndef HEAPVIZ_ASSETS_H
#define HEAPVIZ_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

/* Finds `relative` (e.g. "traces/coalescing.rep") among the asset
 * directories; writes its path into `path` and returns true if it exists. */
bool assets_find(const char *relative, char *path, size_t path_size);

/* What --trace ARG names: ARG itself if it is an existing file, else a
 * shipped scenario "NAME" or "NAME.rep" from assets/traces/ if there is one,
 * else ARG unchanged (so the loader reports it as unreadable). */
void assets_resolve_trace(const char *argument, char *path, size_t path_size);

#endif
