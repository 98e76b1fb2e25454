/*
 * palette.c - a shared GIF palette chosen from sample frames (see palette.h).
 *
 * Colours are counted in an open-addressing hash table keyed by the 24-bit
 * colour; the same table, mapping colour to index, remembers the nearest
 * entry of every colour looked up since. Choosing tries growing radii until
 * the greedy pass fits; each pass is (candidates x entries) distance checks.
 */
#include "palette.h"

#include <stdlib.h>

enum {
    MAX_CANDIDATES = 16384,      /* the most frequent colours considered */
    FIRST_TABLE_SLOTS = 4096
};

#define OCCUPIED 0x80000000u     /* marks a used slot; colours fit in 24 bits */

/* Colour -> value, open addressing with linear probing, at most half full. */
typedef struct {
    uint32_t *keys;              /* colour | OCCUPIED, or 0 */
    uint32_t *values;
    size_t capacity, count;      /* slots (a power of two), used slots */
} ColorTable;

typedef struct {
    uint32_t color, count;
} ColorCount;

struct Palette {
    PaletteColor colors[256];
    uint32_t packed[256];        /* the same colours as 0xRRGGBB */
    uint32_t count;              /* entries chosen */
    uint32_t radius;
    ColorTable counts;           /* colour -> sampled pixels */
    ColorTable nearest;          /* colour -> index */
};

/* --- the hash table ----------------------------------------------------------- */

static bool table_init(ColorTable *table, size_t capacity)
{
    table->keys = calloc(capacity, sizeof *table->keys);
    table->values = calloc(capacity, sizeof *table->values);
    table->capacity = capacity;
    table->count = 0;
    return table->keys != NULL && table->values != NULL;
}

static void table_free(ColorTable *table)
{
    free(table->keys);
    free(table->values);
}

static size_t slot_of(const ColorTable *table, uint32_t color)
{
    size_t slot = (color * 2654435761u) & (table->capacity - 1);
    while (table->keys[slot] != 0 && table->keys[slot] != (color | OCCUPIED)) {
        slot = (slot + 1) & (table->capacity - 1);
    }
    return slot;
}

static bool table_grow(ColorTable *table)
{
    ColorTable bigger;
    if (!table_init(&bigger, table->capacity * 2)) {
        table_free(&bigger);
        return false;
    }
    for (size_t i = 0; i < table->capacity; i++) {
        if (table->keys[i] != 0) {
            size_t slot = slot_of(&bigger, table->keys[i] & ~OCCUPIED);
            bigger.keys[slot] = table->keys[i];
            bigger.values[slot] = table->values[i];
            bigger.count++;
        }
    }
    table_free(table);
    *table = bigger;
    return true;
}

/* The value slot of `color`, added with value 0 if new; NULL when out of memory. */
static uint32_t *table_entry(ColorTable *table, uint32_t color, bool *added)
{
    size_t slot = slot_of(table, color);
    *added = table->keys[slot] == 0;
    if (*added) {
        if (2 * (table->count + 1) > table->capacity) {
            if (!table_grow(table)) {
                return NULL;
            }
            slot = slot_of(table, color);
        }
        table->keys[slot] = color | OCCUPIED;
        table->values[slot] = 0;
        table->count++;
    }
    return &table->values[slot];
}

/* --- choosing the colours ------------------------------------------------------- */

static uint32_t distance_squared(uint32_t a, uint32_t b)
{
    int red = (int)(a >> 16 & 0xFF) - (int)(b >> 16 & 0xFF);
    int green = (int)(a >> 8 & 0xFF) - (int)(b >> 8 & 0xFF);
    int blue = (int)(a & 0xFF) - (int)(b & 0xFF);
    return (uint32_t)(red * red + green * green + blue * blue);
}

static int by_count(const void *a, const void *b)
{
    const ColorCount *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return x->color < y->color ? -1 : x->color > y->color;
}

/* The sampled colours, most frequent first; NULL when out of memory. */
static ColorCount *sorted_colors(const ColorTable *counts, size_t *count)
{
    ColorCount *list = malloc((counts->count + 1) * sizeof *list);
    *count = 0;
    for (size_t i = 0; list != NULL && i < counts->capacity; i++) {
        if (counts->keys[i] != 0) {
            list[(*count)++] = (ColorCount){counts->keys[i] & ~OCCUPIED, counts->values[i]};
        }
    }
    if (list != NULL) {
        qsort(list, *count, sizeof *list, by_count);
    }
    return list;
}

/* The distance from `color` to the nearest of the first `count` chosen colours. */
static uint32_t nearest_distance(const uint32_t *chosen, uint32_t count, uint32_t color, uint32_t *index)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t distance = distance_squared(chosen[i], color);
        if (distance < best) {
            best = distance;
            *index = i;
        }
    }
    return best;
}

/* One greedy pass at `radius`: true if at most `max_colors` were needed. */
static bool choose(const ColorCount *colors, size_t count, uint32_t radius, uint32_t max_colors,
                   uint32_t *chosen, uint32_t *chosen_count)
{
    *chosen_count = 0;
    for (size_t i = 0; i < count; i++) {
        uint32_t index;
        if (nearest_distance(chosen, *chosen_count, colors[i].color, &index) <= radius * radius) {
            continue;
        }
        if (*chosen_count == max_colors) {
            return false;
        }
        chosen[(*chosen_count)++] = colors[i].color;
    }
    return true;
}

Palette *palette_create(void)
{
    Palette *palette = calloc(1, sizeof *palette);
    if (palette == NULL || !table_init(&palette->counts, FIRST_TABLE_SLOTS) ||
        !table_init(&palette->nearest, FIRST_TABLE_SLOTS)) {
        palette_destroy(palette);
        return NULL;
    }
    return palette;
}

bool palette_sample(Palette *palette, const Frame *frame)
{
    size_t pixels = (size_t)frame->width * (size_t)frame->height;
    for (size_t i = 0; i < pixels; i++) {
        bool added;
        uint32_t *value = table_entry(&palette->counts, frame->pixels[i] & 0xFFFFFF, &added);
        if (value == NULL) {
            return false;
        }
        (*value)++;
    }
    return true;
}

bool palette_choose(Palette *palette, uint32_t max_colors)
{
    size_t count = 0;
    ColorCount *colors = sorted_colors(&palette->counts, &count);
    if (colors == NULL) {
        return false;
    }
    count = count < MAX_CANDIDATES ? count : MAX_CANDIDATES;
    max_colors = max_colors < 1 ? 1 : (max_colors > 256 ? 256 : max_colors);
    uint32_t radius = 0;
    while (!choose(colors, count, radius, max_colors, palette->packed, &palette->count)) {
        radius += 1 + radius / 4;
    }
    free(colors);
    for (uint32_t i = 0; i < palette->count; i++) {
        uint32_t color = palette->packed[i];
        palette->colors[i] = (PaletteColor){color >> 16 & 0xFF, color >> 8 & 0xFF, color & 0xFF};
    }
    palette->count = palette->count > 0 ? palette->count : 1; /* no samples: one black entry */
    palette->radius = radius;
    return true;
}

void palette_destroy(Palette *palette)
{
    if (palette != NULL) {
        table_free(&palette->counts);
        table_free(&palette->nearest);
        free(palette);
    }
}

uint32_t palette_count(const Palette *palette)
{
    return palette->count;
}

PaletteColor palette_color(const Palette *palette, uint32_t index)
{
    return palette->colors[index];
}

uint32_t palette_radius(const Palette *palette)
{
    return palette->radius;
}

uint8_t palette_index(Palette *palette, uint32_t argb)
{
    uint32_t color = argb & 0xFFFFFF;
    bool added;
    uint32_t *value = table_entry(&palette->nearest, color, &added);
    if (value == NULL) {
        return 0xFF;
    }
    if (added) {
        nearest_distance(palette->packed, palette->count, color, value);
    }
    return (uint8_t)*value;
}
