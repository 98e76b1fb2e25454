/*
 * ostep_runs.c - malloc.py's program, once per policy, recorded as traces
 * (see ostep_runs.h).
 *
 * ostep_program_run calls back after each operation with what malloc.py
 * printed; the recorder turns it into a trace operation and keeps, per ptr[]
 * index, the payload its Alloc placed and whether that block is still live,
 * so a Free of an index freed before finds the id whose block now starts at
 * the same address (a scan, only on that rare path). malloc.py's text goes
 * to /dev/null: the window words each step itself (ostep_step_words).
 */
#include "ostep_runs.h"
#include "design_support.h"
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int status;                  /* 0, or malloc.py stops with an error under this policy */
    char refusal[512];
    Trace *trace;
    Workload workload;
    OstepStep *steps;            /* operation k is steps[k - 1] */
    uint64_t step_count, step_capacity;
    /* while recording */
    Op *ops;
    uint64_t op_capacity;
    uint64_t *payloads;          /* per ptr[] index: the payload its Alloc placed (0: failed) */
    bool *live;                  /* per ptr[] index: its block is still allocated */
    uint64_t index_count, payload_capacity, live_capacity;
    bool out_of_memory;
} PolicyRun;

struct OstepRuns {
    OstepFlags flags;
    char *name;                  /* "malloc.py FLAGS", every trace's name */
    AllocatorSetup setup;
    PolicyRun policies[OSTEP_RUNS_MAX_POLICIES];
    uint32_t policy_count;
};

/* ---- recording ----------------------------------------------------------- */

/* The id (ptr[] index + 1) whose live block has this payload; 0 if none. */
static uint32_t live_id_at(const PolicyRun *run, uint64_t payload, int64_t index)
{
    if (index >= 0 && (uint64_t)index < run->index_count && run->live[index] && run->payloads[index] == payload)
        return (uint32_t)index + 1;
    for (uint64_t i = 0; i < run->index_count; i++)
        if (run->live[i] && run->payloads[i] == payload)
            return (uint32_t)i + 1;
    return 0;
}

static bool note_alloc(PolicyRun *run, const OstepStep *step)
{
    uint64_t index = (uint64_t)step->index;
    if (!design_reserve((void **)&run->payloads, &run->payload_capacity, index + 1, sizeof *run->payloads) ||
        !design_reserve((void **)&run->live, &run->live_capacity, index + 1, sizeof *run->live))
        return false;
    run->payloads[index] = step->payload;
    run->live[index] = !step->failed;
    run->index_count = index + 1;
    return true;
}

/* The trace operation that replays `step`. */
static Op trace_op(PolicyRun *run, const OstepStep *step)
{
    Op op = { .kind = OP_FREE, .id = 0, .line = (uint32_t)step->number };
    if (step->kind == OSTEP_STEP_ALLOC) {
        op.kind = OP_MALLOC;
        op.id = (uint32_t)step->index + 1;
        op.bytes = (uint64_t)step->size; /* as ostep_program_run passes it to the design */
    } else if (step->kind == OSTEP_STEP_FREE && !step->failed) {
        op.id = live_id_at(run, step->payload, step->index);
        if (op.id > 0)
            run->live[op.id - 1] = false;
    }
    return op;
}

static void record_step(void *context, const OstepStep *step, const Allocator *heap)
{
    (void)heap;
    PolicyRun *run = context;
    uint64_t count = run->step_count;
    if (run->out_of_memory || step->index >= (int64_t)UINT32_MAX - 1 ||
        !design_reserve((void **)&run->steps, &run->step_capacity, count + 1, sizeof *run->steps) ||
        !design_reserve((void **)&run->ops, &run->op_capacity, count + 1, sizeof *run->ops) ||
        (step->kind == OSTEP_STEP_ALLOC && !note_alloc(run, step))) {
        run->out_of_memory = true;
        return;
    }
    run->steps[count] = *step;
    run->ops[count] = trace_op(run, step);
    run->step_count = count + 1;
}

/* ---- one run per policy ---------------------------------------------------- */

/* A trace name that says where the run came from: "malloc.py -s 3 -n 20". */
static char *run_name(int argc, char **argv)
{
    size_t length = strlen("malloc.py") + 1;
    for (int i = 0; i < argc; i++)
        length += strlen(argv[i]) + 1;
    char *name = malloc(length);
    if (name == NULL)
        return NULL;
    strcpy(name, "malloc.py");
    for (int i = 0; i < argc; i++) {
        strcat(name, " ");
        strcat(name, argv[i]);
    }
    return name;
}

static void release_recording(PolicyRun *run)
{
    free(run->ops);
    free(run->payloads);
    free(run->live);
    run->ops = NULL;
    run->payloads = NULL;
    run->live = NULL;
}

/* Runs malloc.py under `policy` and keeps it as a trace; false only when
 * memory ran out (a stop of malloc.py is kept as the run's refusal). */
static bool run_policy(OstepRuns *runs, uint32_t policy, FILE *sink)
{
    PolicyRun *run = &runs->policies[policy];
    OstepFlags flags = runs->flags;
    flags.policy = runs->setup.design->policies[policy];
    run->status = ostep_program_run(&flags, sink, record_step, run, run->refusal, sizeof run->refusal);
    if (run->out_of_memory || run->step_count > UINT32_MAX) {
        release_recording(run);
        return false;
    }
    if (run->status == 0) {
        run->trace = trace_create(NULL, 0, (uint32_t)run->index_count + 1, run->ops, (uint32_t)run->step_count);
        if (run->trace == NULL) {
            release_recording(run);
            return false;
        }
        free(run->trace->name);
        run->trace->name = runs->name;
        run->workload = (Workload){ .kind = WORKLOAD_TRACE, .trace = run->trace };
    }
    release_recording(run);
    return true;
}

void ostep_runs_destroy(OstepRuns *runs)
{
    if (runs == NULL)
        return;
    for (uint32_t i = 0; i < OSTEP_RUNS_MAX_POLICIES; i++) {
        PolicyRun *run = &runs->policies[i];
        if (run->trace != NULL)
            run->trace->name = NULL; /* the runs share one name, freed below */
        trace_destroy(run->trace);
        free(run->steps);
        release_recording(run);
    }
    free(runs->name);
    free(runs);
}

/* Ends a failed create: `sentence` (unless it is already `message`) goes there. */
static int refuse(OstepRuns *runs, int status, const char *sentence, char *message, size_t size)
{
    if (sentence != message)
        snprintf(message, size, "%s", sentence);
    ostep_runs_destroy(runs);
    return status;
}

/* Runs malloc.py under every policy. */
static int run_policies(OstepRuns *runs, char *message, size_t size)
{
    FILE *sink = fopen("/dev/null", "w");
    bool ok = sink != NULL && runs->name != NULL;
    for (uint32_t i = 0; ok && i < runs->policy_count; i++)
        ok = run_policy(runs, i, sink);
    if (sink != NULL)
        fclose(sink);
    if (!ok) {
        snprintf(message, size, "out of memory running malloc.py's program");
        return EXIT_BAD_INPUT;
    }
    return 0;
}

int ostep_runs_create(int argc, char **argv, OstepRuns **out, char *message, size_t size)
{
    *out = NULL;
    OstepRuns *runs = calloc(1, sizeof *runs);
    if (runs == NULL)
        return refuse(runs, EXIT_BAD_INPUT, "out of memory", message, size);
    if (!ostep_flags_parse(argc, argv, &runs->flags, message, size))
        return refuse(runs, EXIT_BAD_USAGE, message, message, size);
    if (runs->flags.help)
        return refuse(runs, EXIT_BAD_USAGE, "-h asks for malloc.py's help, which heapviz prints before opening any window",
                      message, size);
    if (!runs->flags.alloc_list[0] && runs->flags.op_count > OSTEP_RUNS_MAX_OPERATIONS) {
        snprintf(message, size, "-n %" PRId64 ": the window shows at most %d operations (--headless runs any number)",
                 runs->flags.op_count, OSTEP_RUNS_MAX_OPERATIONS);
        return refuse(runs, EXIT_BAD_USAGE, message, message, size);
    }
    int status = ostep_setup(&runs->flags, &runs->setup, message, size);
    if (status != 0)
        return refuse(runs, status, message, message, size);
    uint32_t count = allocator_policy_count(runs->setup.design);
    runs->policy_count = count < OSTEP_RUNS_MAX_POLICIES ? count : OSTEP_RUNS_MAX_POLICIES;
    runs->name = run_name(argc, argv);
    status = run_policies(runs, message, size);
    if (status != 0)
        return refuse(runs, status, message, message, size);
    const PolicyRun *chosen = &runs->policies[runs->setup.config.policy];
    if (chosen->status != 0)
        return refuse(runs, chosen->status, chosen->refusal, message, size);
    *out = runs;
    return 0;
}

const OstepFlags *ostep_runs_flags(const OstepRuns *runs) { return &runs->flags; }
AllocatorSetup ostep_runs_setup(const OstepRuns *runs) { return runs->setup; }

const Workload *ostep_runs_workload(const OstepRuns *runs, uint32_t policy)
{
    if (policy >= runs->policy_count || runs->policies[policy].trace == NULL)
        return NULL;
    return &runs->policies[policy].workload;
}

const char *ostep_runs_refusal(const OstepRuns *runs, uint32_t policy)
{
    if (policy >= runs->policy_count)
        return "the ostep design has no such policy";
    return runs->policies[policy].status != 0 ? runs->policies[policy].refusal : NULL;
}

const OstepStep *ostep_runs_step(const OstepRuns *runs, uint32_t policy, uint64_t number)
{
    if (policy >= runs->policy_count || number == 0 || number > runs->policies[policy].step_count)
        return NULL;
    return &runs->policies[policy].steps[number - 1];
}
