/*
 * export_support.c - helpers for the export suites (see export_support.h).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "export_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <SDL.h>
#include <SDL_image.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char directory[256];
static const char *heapviz;

void support_start(const char *program)
{
    heapviz = program;
    snprintf(directory, sizeof directory, "%s", "/tmp/heapviz-export-XXXXXX");
    assert_non_null(mkdtemp(directory));
}

void support_clean(void)
{
    DIR *folder = opendir(directory);
    struct dirent *entry;
    char path[600];
    while (folder != NULL && (entry = readdir(folder)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
            remove(path);
        }
    }
    if (folder != NULL) {
        closedir(folder);
    }
}

void support_finish(void)
{
    support_clean();
    rmdir(directory);
}

const char *support_program_argument(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s HEAPVIZ_BINARY\n", argv[0]);
        exit(2);
    }
    heapviz = argv[1];
    return heapviz;
}

int support_setup(void **state)
{
    (void)state;
    support_start(heapviz);
    return 0;
}

int support_teardown(void **state)
{
    (void)state;
    support_finish();
    return 0;
}

int support_clean_test(void **state)
{
    (void)state;
    support_clean();
    return 0;
}

void support_path(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", directory, name);
}

int support_run(const char *arguments)
{
    char command[4096];
    snprintf(command, sizeof command, "cd '%s' && '%s' %s 2>stderr.txt", directory, heapviz, arguments);
    int status = system(command);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void support_stderr(char *line, size_t size)
{
    char path[600];
    support_path(path, sizeof path, "stderr.txt");
    FILE *file = fopen(path, "r");
    line[0] = '\0';
    if (file != NULL) {
        if (fgets(line, (int)size, file) == NULL) {
            line[0] = '\0';
        }
        fclose(file);
    }
    line[strcspn(line, "\n")] = '\0';
}

int support_file_count(void)
{
    DIR *folder = opendir(directory);
    assert_non_null(folder);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0 &&
                 strcmp(entry->d_name, "stderr.txt") != 0;
    }
    closedir(folder);
    return count;
}

bool support_has_file_starting(const char *prefix)
{
    DIR *folder = opendir(directory);
    assert_non_null(folder);
    bool found = false;
    struct dirent *entry;
    while ((entry = readdir(folder)) != NULL) {
        found = found || strncmp(entry->d_name, prefix, strlen(prefix)) == 0;
    }
    closedir(folder);
    return found;
}

long support_file_size(const char *path)
{
    struct stat status;
    return stat(path, &status) == 0 ? (long)status.st_size : -1;
}

/* --- GIF ------------------------------------------------------------------------- */

GifFileType *support_gif_load(const char *path)
{
    int error = 0;
    GifFileType *gif = DGifOpenFileName(path, &error);
    assert_non_null(gif);
    assert_int_equal(DGifSlurp(gif), GIF_OK);
    return gif;
}

void support_gif_close(GifFileType *gif)
{
    int error = 0;
    DGifCloseFile(gif, &error);
}

static GraphicsControlBlock control_of(const GifFileType *gif, int index)
{
    GraphicsControlBlock control;
    assert_int_equal(DGifSavedExtensionToGCB((GifFileType *)gif, index, &control), GIF_OK);
    return control;
}

int support_gif_delay(const GifFileType *gif, int index)
{
    return control_of(gif, index).DelayTime;
}

int support_gif_disposal(const GifFileType *gif, int index)
{
    return control_of(gif, index).DisposalMode;
}

/* Draws frame `index` over `picture`, leaving its transparent pixels alone. */
static void draw_frame(const GifFileType *gif, int index, uint32_t *picture)
{
    const SavedImage *image = &gif->SavedImages[index];
    const GifImageDesc *area = &image->ImageDesc;
    const ColorMapObject *map = area->ColorMap ? area->ColorMap : gif->SColorMap;
    int transparent = control_of(gif, index).TransparentColor;
    assert_non_null(map);
    for (int y = 0; y < area->Height; y++) {
        for (int x = 0; x < area->Width; x++) {
            int color = image->RasterBits[y * area->Width + x];
            if (color == transparent) {
                continue;
            }
            assert_true(color < map->ColorCount);
            GifColorType rgb = map->Colors[color];
            picture[(area->Top + y) * gif->SWidth + area->Left + x] =
                (uint32_t)rgb.Red << 16 | (uint32_t)rgb.Green << 8 | rgb.Blue;
        }
    }
}

uint32_t *support_gif_picture(const GifFileType *gif, int index)
{
    uint32_t *picture = calloc((size_t)gif->SWidth * (size_t)gif->SHeight, sizeof *picture);
    assert_non_null(picture);
    for (int i = 0; i <= index; i++) {
        assert_int_equal(support_gif_disposal(gif, i), DISPOSE_DO_NOT); /* else drawing over would be wrong */
        draw_frame(gif, i, picture);
    }
    return picture;
}

/* --- pictures ------------------------------------------------------------------- */

uint32_t *support_png_picture(const char *path, int *width, int *height)
{
    SDL_Surface *loaded = IMG_Load(path);
    assert_non_null(loaded);
    SDL_Surface *image = SDL_ConvertSurfaceFormat(loaded, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(loaded);
    assert_non_null(image);
    *width = image->w;
    *height = image->h;
    uint32_t *picture = malloc((size_t)image->w * (size_t)image->h * sizeof *picture);
    assert_non_null(picture);
    for (int y = 0; y < image->h; y++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)image->pixels + (size_t)y * (size_t)image->pitch);
        for (int x = 0; x < image->w; x++) {
            picture[y * image->w + x] = row[x] & 0xFFFFFF;
        }
    }
    SDL_FreeSurface(image);
    return picture;
}

double support_distance(uint32_t a, uint32_t b)
{
    double red = (double)(a >> 16 & 0xFF) - (double)(b >> 16 & 0xFF);
    double green = (double)(a >> 8 & 0xFF) - (double)(b >> 8 & 0xFF);
    double blue = (double)(a & 0xFF) - (double)(b & 0xFF);
    return sqrt(red * red + green * green + blue * blue);
}

PictureDifference support_compare_png_within(const uint32_t *picture, int width, int height, const char *png_path,
                                             double distance)
{
    int png_width = 0, png_height = 0;
    uint32_t *expected = support_png_picture(png_path, &png_width, &png_height);
    assert_int_equal(png_width, width);
    assert_int_equal(png_height, height);
    PictureDifference difference = {0};
    for (size_t i = 0; i < (size_t)width * (size_t)height; i++) {
        double apart = support_distance(picture[i], expected[i]);
        difference.pixels++;
        if (apart <= distance) {
            difference.exact++;
        } else {
            difference.worst = apart > difference.worst ? apart : difference.worst;
        }
    }
    free(expected);
    return difference;
}

PictureDifference support_compare_png(const uint32_t *picture, int width, int height, const char *png_path)
{
    return support_compare_png_within(picture, width, height, png_path, 0.0);
}
