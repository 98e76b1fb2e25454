/*
 * lesson.c - reading lesson files (see lesson.h).
 *
 * A lesson is read line by line; each line is a comment, a blank, or
 * `KEY: VALUE` with KEY one of title, summary, options, `step N` or `ask N`.
 * Options lines go through options_parse one line at a time, so a wrong
 * option is reported at its own line. The shipped lessons sit beside
 * lessons/README.md (their format, for teachers), found like every asset.
 */
#include "lesson.h"

#include "assets.h"
#include "options.h"
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LESSON_SUFFIX ".lesson"

typedef struct {
    const char *path;
    uint32_t line;
    char *message;
    size_t message_size;
} Reader;

static bool refuse(const Reader *reader, const char *format, ...)
{
    int written = snprintf(reader->message, reader->message_size, "%s:%u: ", reader->path, reader->line);
    size_t used = written > 0 && (size_t)written < reader->message_size ? (size_t)written : 0;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(reader->message + used, reader->message_size - used, format, arguments);
    va_end(arguments);
    return false;
}

/* Copies `value` (trimmed of spaces) into `target` of LESSON_MAX_TEXT. */
static bool keep_text(const Reader *reader, const char *key, const char *value, char *target)
{
    while (*value == ' ' || *value == '\t')
        value++;
    size_t length = strlen(value);
    while (length > 0 && (value[length - 1] == ' ' || value[length - 1] == '\t' || value[length - 1] == '\r'))
        length--;
    if (length == 0)
        return refuse(reader, "%s has no text", key);
    if (length >= LESSON_MAX_TEXT)
        return refuse(reader, "%s is longer than %d characters", key, LESSON_MAX_TEXT - 1);
    memcpy(target, value, length);
    target[length] = '\0';
    return true;
}

/* The options a lesson may not set: it opens a window, it writes nothing. */
static bool options_allowed(const Options *options)
{
    return !options->headless && !options->screenshot_path && !options->csv_path && !options->record_path &&
           !options->blocks_path && !options->lesson_name && !options->show_help && !options->show_version &&
           options->stats == STATS_NONE;
}

static bool keep_options(const Reader *reader, Lesson *lesson, char *value)
{
    char *argv[LESSON_MAX_OPTIONS + 1] = {"heapviz"};
    int argc = 1;
    for (char *word = strtok(value, " \t\r"); word; word = strtok(NULL, " \t\r")) {
        if (lesson->word_count == LESSON_MAX_OPTIONS)
            return refuse(reader, "more than %d option words", LESSON_MAX_OPTIONS);
        if (strlen(word) >= sizeof lesson->words[0])
            return refuse(reader, "the option word '%.20s...' is too long", word);
        strcpy(lesson->words[lesson->word_count], word);
        argv[argc++] = lesson->words[lesson->word_count++];
    }
    if (argc == 1)
        return refuse(reader, "options has no options");
    Options options;
    char why[400];
    if (!options_parse(argc, argv, &options, why, sizeof why))
        return refuse(reader, "%s", why);
    if (!options_allowed(&options))
        return refuse(reader, "a lesson opens a window: it cannot set --headless, --lesson or an output");
    return true;
}

/* `step N: text` or `ask N: text`; `key` is what stands before the colon. */
static bool keep_caption(const Reader *reader, Lesson *lesson, const char *key, const char *value)
{
    bool ask = strncmp(key, "ask ", 4) == 0;
    const char *number = key + (ask ? 4 : 5);
    char *end = NULL;
    unsigned long long step = strtoull(number, &end, 10);
    if (*number < '0' || *number > '9' || *end != '\0')
        return refuse(reader, "'%s' needs a step number, such as '%s 12'", key, ask ? "ask" : "step");
    if (lesson->caption_count == LESSON_MAX_CAPTIONS)
        return refuse(reader, "more than %d captions", LESSON_MAX_CAPTIONS);
    if (lesson->caption_count > 0 && lesson->captions[lesson->caption_count - 1].step >= step)
        return refuse(reader, "step %llu comes after step %llu: captions go in step order, one a step", step,
                      (unsigned long long)lesson->captions[lesson->caption_count - 1].step);
    LessonCaption *caption = &lesson->captions[lesson->caption_count];
    *caption = (LessonCaption){.step = step, .ask = ask, .line = reader->line};
    if (!keep_text(reader, key, value, caption->text))
        return false;
    lesson->caption_count++;
    return true;
}

static bool read_line(const Reader *reader, Lesson *lesson, char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#' || *line == '\r')
        return true;
    char *colon = strchr(line, ':');
    if (colon == NULL)
        return refuse(reader, "a lesson line is KEY: VALUE (title, summary, options, step N or ask N)");
    *colon = '\0';
    const char *key = line, *value = colon + 1;
    if (strcmp(key, "title") == 0)
        return keep_text(reader, key, value, lesson->title);
    if (strcmp(key, "summary") == 0)
        return keep_text(reader, key, value, lesson->summary);
    if (strcmp(key, "options") == 0)
        return keep_options(reader, lesson, colon + 1);
    if (strncmp(key, "step ", 5) == 0 || strncmp(key, "ask ", 4) == 0)
        return keep_caption(reader, lesson, key, value);
    return refuse(reader, "'%s' is not a lesson key: use title, summary, options, step N or ask N", key);
}

bool lesson_parse(const char *text, size_t length, const char *path, Lesson *lesson, char *message,
                  size_t message_size)
{
    memset(lesson, 0, sizeof *lesson);
    snprintf(lesson->path, sizeof lesson->path, "%s", path);
    Reader reader = {path, 0, message, message_size};
    for (size_t at = 0; at < length;) {
        const char *newline = memchr(text + at, '\n', length - at);
        size_t end = newline ? (size_t)(newline - text) : length;
        char line[1024];
        reader.line++;
        if (end - at >= sizeof line)
            return refuse(&reader, "the line is longer than %zu characters", sizeof line - 1);
        if (memchr(text + at, '\0', end - at))
            return refuse(&reader, "a NUL byte: a lesson is text");
        memcpy(line, text + at, end - at);
        line[end - at] = '\0';
        if (!read_line(&reader, lesson, line))
            return false;
        at = end + 1;
    }
    reader.line = 1;
    if (lesson->title[0] == '\0')
        return refuse(&reader, "the lesson has no 'title:' line");
    if (lesson->summary[0] == '\0')
        return refuse(&reader, "the lesson has no 'summary:' line");
    if (lesson->caption_count == 0)
        return refuse(&reader, "the lesson has no 'step N:' caption");
    return true;
}

bool lesson_apply(const Lesson *lesson, int argc, char **argv, Options *options, char *message,
                  size_t message_size)
{
    enum { MOST_WORDS = LESSON_MAX_OPTIONS + 256 };
    char *words[MOST_WORDS] = {argc > 0 ? argv[0] : "heapviz"};
    int count = 1;
    for (uint32_t i = 0; i < lesson->word_count; i++)
        words[count++] = (char *)lesson->words[i];
    for (int i = 1; i < argc && count < MOST_WORDS; i++)
        words[count++] = argv[i];
    if (!options_parse(count, words, options, message, message_size))
        return false;
    options->lesson = lesson;
    return true;
}

/* The file a lesson name stands for: a path as given, else a shipped lesson. */
static void lesson_path(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s", name);
    if (strchr(name, '/') || strstr(name, LESSON_SUFFIX))
        return;
    char relative[300];
    snprintf(relative, sizeof relative, "lessons/%s" LESSON_SUFFIX, name);
    if (!assets_find(relative, path, size))
        snprintf(path, size, "%s", name);
}

bool lesson_load(const char *name, Lesson *lesson, char *message, size_t message_size)
{
    char path[512];
    lesson_path(name, path, sizeof path);
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        snprintf(message, message_size, "%s: no such lesson (heapviz --lesson list names them)", name);
        return false;
    }
    static char text[64 * 1024];
    size_t length = fread(text, 1, sizeof text, file);
    bool too_long = length == sizeof text;
    fclose(file);
    if (too_long) {
        snprintf(message, message_size, "%s:1: a lesson is at most %zu bytes", path, sizeof text - 1);
        return false;
    }
    return lesson_parse(text, length, path, lesson, message, message_size);
}

static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

bool lesson_print_list(FILE *out, char *message, size_t message_size)
{
    char anchor[512];
    if (!assets_find("lessons/README.md", anchor, sizeof anchor)) {
        snprintf(message, message_size, "the lessons are not installed (no lessons/README.md among the assets)");
        return false;
    }
    *strrchr(anchor, '/') = '\0';
    DIR *directory = opendir(anchor);
    if (directory == NULL) {
        snprintf(message, message_size, "cannot read the lessons in %s", anchor);
        return false;
    }
    static char names[256][128];
    size_t count = 0;
    for (struct dirent *entry = readdir(directory); entry && count < 256; entry = readdir(directory)) {
        size_t length = strlen(entry->d_name), suffix = strlen(LESSON_SUFFIX);
        if (length > suffix && length - suffix < sizeof names[0] &&
            strcmp(entry->d_name + length - suffix, LESSON_SUFFIX) == 0) {
            memcpy(names[count], entry->d_name, length - suffix);
            names[count++][length - suffix] = '\0';
        }
    }
    closedir(directory);
    qsort(names, count, sizeof names[0], by_name);
    for (size_t i = 0; i < count; i++) {
        static Lesson lesson;
        char path[700], why[512];
        snprintf(path, sizeof path, "%.500s/%.127s" LESSON_SUFFIX, anchor, names[i]);
        bool ok = lesson_load(path, &lesson, why, sizeof why);
        fprintf(out, "%-24s %s\n", names[i], ok ? lesson.summary : why);
    }
    return true;
}

const LessonCaption *lesson_caption_at(const Lesson *lesson, uint64_t step)
{
    const LessonCaption *shown = NULL;
    for (uint32_t i = 0; i < lesson->caption_count && lesson->captions[i].step <= step; i++)
        shown = &lesson->captions[i];
    return shown;
}

uint64_t lesson_next_ask(const Lesson *lesson, uint64_t step)
{
    for (uint32_t i = 0; i < lesson->caption_count; i++)
        if (lesson->captions[i].ask && lesson->captions[i].step > step)
            return lesson->captions[i].step;
    return UINT64_MAX;
}

bool lesson_fits(const Lesson *lesson, uint64_t total, char *message, size_t message_size)
{
    for (uint32_t i = 0; i < lesson->caption_count; i++) {
        if (lesson->captions[i].step > total) {
            snprintf(message, message_size, "%s:%u: step %llu is past the end of the run (%llu steps)", lesson->path,
                     lesson->captions[i].line, (unsigned long long)lesson->captions[i].step,
                     (unsigned long long)total);
            return false;
        }
    }
    return true;
}
