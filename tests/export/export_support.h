/*
 * export_support.h - helpers shared by the export suites: a scratch
 * directory, running the heapviz binary, decoding a GIF with giflib into
 * whole pictures (each frame drawn over the ones before, as a viewer shows
 * it), and comparing a picture with a PNG pixel by pixel.
 */
#ifndef HEAPVIZ_EXPORT_SUPPORT_H
#define HEAPVIZ_EXPORT_SUPPORT_H

#include <gif_lib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The heapviz binary from a suite's argv[1]; exits with status 2 and a
 * usage line when it is missing. support_setup then runs it. */
const char *support_program_argument(int argc, char **argv);

/* cmocka fixtures: a group's setup makes the scratch directory (for the
 * binary support_program_argument gave, if any), its teardown removes it;
 * support_clean_test empties it after each test. */
int support_setup(void **state);
int support_teardown(void **state);
int support_clean_test(void **state);

/* Makes a fresh scratch directory; `program` is the heapviz binary (may be NULL). */
void support_start(const char *program);
/* Empties the scratch directory (a test's teardown, so a failed test
 * leaves nothing behind for the next). */
void support_clean(void);
/* Removes the scratch directory and everything in it. */
void support_finish(void);

/* NAME inside the scratch directory. */
void support_path(char *path, size_t size, const char *name);

/* Runs heapviz with `arguments` (shell words), stderr to the scratch
 * directory's stderr.txt; returns its exit status. */
int support_run(const char *arguments);
/* The first line heapviz wrote to stderr in the last support_run. */
void support_stderr(char *line, size_t size);

/* Files in the scratch directory other than stderr.txt (hidden ones too). */
int support_file_count(void);
long support_file_size(const char *path);
/* Whether a file whose name starts with `prefix` is in the scratch directory. */
bool support_has_file_starting(const char *prefix);

/* A GIF read whole by giflib (DGifSlurp); fails the test if it cannot be read. */
GifFileType *support_gif_load(const char *path);
void support_gif_close(GifFileType *gif);
/* Frame `index`'s delay, in hundredths of a second, and its disposal mode. */
int support_gif_delay(const GifFileType *gif, int index);
int support_gif_disposal(const GifFileType *gif, int index);
/* The picture after frames 0..index, as 0xRRGGBB, width * height (caller frees). */
uint32_t *support_gif_picture(const GifFileType *gif, int index);

typedef struct {
    uint64_t pixels, exact;      /* pixels compared, and those equal */
    double worst;                /* the largest RGB distance (Euclidean) of the others */
} PictureDifference;

/* A PNG as a 0xRRGGBB picture (caller frees), with its size. */
uint32_t *support_png_picture(const char *path, int *width, int *height);

/* The Euclidean distance between two 0xRRGGBB colours. */
double support_distance(uint32_t a, uint32_t b);

/* As support_compare_png, counting as "exact" the pixels within `distance`. */
PictureDifference support_compare_png_within(const uint32_t *picture, int width, int height, const char *png_path,
                                             double distance);

/* Compares a 0xRRGGBB picture of width x height with the PNG at `path`
 * (which must have that size). */
PictureDifference support_compare_png(const uint32_t *picture, int width, int height, const char *png_path);

#endif
