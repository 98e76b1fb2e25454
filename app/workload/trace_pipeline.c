/*
 * trace_pipeline.c - a trace read on a second thread (see trace_pipeline.h).
 *
 * The loading thread runs trace_load_watched; its watcher publishes what
 * the replay may read. The count of operations ready is a C11 atomic,
 * stored with release after the operations are written and loaded with
 * acquire before they are read, so a replay that is behind takes no lock.
 * Everything else (the view, whether the load ended or failed, whether the
 * replay let go of the array) sits under one mutex, and one condition
 * variable wakes whichever side waits: the replay when it has caught up,
 * the loading thread when the file is refused and the array it is about to
 * free may still be read.
 */
#include "trace_pipeline.h"
#include "trace.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MESSAGE_BYTES = 1024 };

struct TracePipeline {
    char *path;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    _Atomic uint32_t ready;      /* operations the replay may read */
    /* under the lock */
    Trace view;
    bool has_view;               /* the header was read: view is filled in */
    bool ended;                  /* the loading thread is done */
    bool failed;                 /* the file is refused */
    bool released;               /* the replay reads the array no more */
    /* the loading thread's result, read after the join */
    bool loaded;
    Trace *trace;
    char message[MESSAGE_BYTES];
};

/* Sets *flag (one of the pipeline's, or none if NULL) under the lock and
 * wakes every waiter. */
static void announce(TracePipeline *pipeline, bool *flag)
{
    pthread_mutex_lock(&pipeline->lock);
    if (flag)
        *flag = true;
    pthread_cond_broadcast(&pipeline->changed);
    pthread_mutex_unlock(&pipeline->lock);
}

/* ---- the loading thread --------------------------------------------------- */

static void on_header(void *context, const Trace *trace, uint32_t op_count)
{
    TracePipeline *pipeline = context;
    pthread_mutex_lock(&pipeline->lock);
    pipeline->view = *trace;
    pipeline->view.op_count = op_count;
    pipeline->view.slots = NULL;
    pipeline->view.name = NULL;
    pipeline->has_view = true;
    pthread_cond_broadcast(&pipeline->changed);
    pthread_mutex_unlock(&pipeline->lock);
}

static void on_parsed(void *context, uint32_t op_count)
{
    TracePipeline *pipeline = context;
    atomic_store_explicit(&pipeline->ready, op_count, memory_order_release);
    announce(pipeline, NULL);
}

/* The array is freed when this returns: waits until the replay let go of it. */
static void on_failed(void *context)
{
    TracePipeline *pipeline = context;
    pthread_mutex_lock(&pipeline->lock);
    pipeline->failed = true;
    pthread_cond_broadcast(&pipeline->changed);
    while (!pipeline->released)
        pthread_cond_wait(&pipeline->changed, &pipeline->lock);
    pthread_mutex_unlock(&pipeline->lock);
}

static void *load(void *argument)
{
    TracePipeline *pipeline = argument;
    TraceWatcher watcher = {on_header, on_parsed, on_failed, pipeline};
    pipeline->loaded = trace_load_watched(pipeline->path, &watcher, &pipeline->trace,
                                          pipeline->message, sizeof pipeline->message);
    announce(pipeline, &pipeline->ended);
    return NULL;
}

/* ---- the replay's side ------------------------------------------------------ */

static void destroy(TracePipeline *pipeline)
{
    pthread_cond_destroy(&pipeline->changed);
    pthread_mutex_destroy(&pipeline->lock);
    free(pipeline->path);
    free(pipeline);
}

TracePipeline *trace_pipeline_start(const char *path)
{
    TracePipeline *pipeline = calloc(1, sizeof *pipeline);
    if (!pipeline)
        return NULL;
    pipeline->path = malloc(strlen(path) + 1);
    pthread_mutex_init(&pipeline->lock, NULL);
    pthread_cond_init(&pipeline->changed, NULL);
    atomic_init(&pipeline->ready, 0);
    if (pipeline->path)
        strcpy(pipeline->path, path);
    if (!pipeline->path || pthread_create(&pipeline->thread, NULL, load, pipeline) != 0) {
        destroy(pipeline);
        return NULL;
    }
    return pipeline;
}

bool trace_pipeline_view(TracePipeline *pipeline, Trace *view)
{
    pthread_mutex_lock(&pipeline->lock);
    while (!pipeline->has_view && !pipeline->ended && !pipeline->failed)
        pthread_cond_wait(&pipeline->changed, &pipeline->lock);
    bool has_view = pipeline->has_view; /* even if the file was refused since */
    if (has_view)
        *view = pipeline->view;
    pthread_mutex_unlock(&pipeline->lock);
    return has_view;
}

uint32_t trace_pipeline_wait(TracePipeline *pipeline, uint32_t done)
{
    uint32_t ready = atomic_load_explicit(&pipeline->ready, memory_order_acquire);
    if (ready > done)
        return ready; /* no lock while the replay is behind */
    pthread_mutex_lock(&pipeline->lock);
    for (;;) {
        ready = atomic_load_explicit(&pipeline->ready, memory_order_acquire);
        if (pipeline->failed || pipeline->ended || ready > done)
            break;
        pthread_cond_wait(&pipeline->changed, &pipeline->lock);
    }
    bool more = ready > done && !pipeline->failed;
    if (!more) {
        pipeline->released = true; /* no more reads: a refused file's array may go */
        pthread_cond_broadcast(&pipeline->changed);
    }
    pthread_mutex_unlock(&pipeline->lock);
    return more ? ready : done;
}

bool trace_pipeline_finish(TracePipeline *pipeline, Trace **out, char *message,
                           size_t message_size)
{
    announce(pipeline, &pipeline->released);
    pthread_join(pipeline->thread, NULL);
    bool loaded = pipeline->loaded;
    *out = loaded ? pipeline->trace : NULL;
    if (!loaded)
        snprintf(message, message_size, "%s", pipeline->message);
    destroy(pipeline);
    return loaded;
}
