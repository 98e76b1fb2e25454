/*
 * ostep_runs.h - malloc.py's program as runs the window can travel through.
 *
 * malloc.py's random mode decides which pointer to free from what its allocs
 * returned, so the operations depend on the policy. OstepRuns runs malloc.py's
 * program (ostep.h) once for each policy of the `ostep` design, keeping every
 * other flag, and records each run as a trace that a Run (run.h) replays to
 * the same heap at every step, together with each operation as malloc.py
 * printed it. Step k of every run is malloc.py's operation k, so compare
 * panes line up by operation number.
 *
 * Trace ids are ptr[] indexes + 1; id 0 never holds a block, so a step that
 * changes nothing (malloc.py's "Invalid Free: Skipping", a Free that returns
 * -1) is a free of id 0, which the Run skips. A Free of an index freed before
 * frees whatever block now starts at that address, as malloc.py does: the
 * trace frees the id that holds it. No SDL, no printing.
 */
#ifndef HEAPVIZ_OSTEP_RUNS_H
#define HEAPVIZ_OSTEP_RUNS_H

#include "ostep.h"
#include "workload.h"

typedef struct OstepRuns OstepRuns;

enum {
    OSTEP_RUNS_MAX_POLICIES = 3,          /* BEST, WORST, FIRST */
    OSTEP_RUNS_MAX_OPERATIONS = 1000000   /* -n above this is refused in the window */
};

/* Parses malloc.py's flags (argv[0 .. argc)) and runs its program under
 * each policy. Returns 0, or an exit status with one sentence in `message`:
 * EXIT_BAD_USAGE for a bad flag, and where malloc.py stops with an error
 * under the -p policy, what ostep_program_run says (runs under the other
 * policies that stop are kept as refusals, ostep_runs_refusal). */
int ostep_runs_create(int argc, char **argv, OstepRuns **out, char *message, size_t size);
void ostep_runs_destroy(OstepRuns *runs);

const OstepFlags *ostep_runs_flags(const OstepRuns *runs);

/* The ostep design set up as the flags say (the -p policy). */
AllocatorSetup ostep_runs_setup(const OstepRuns *runs);

/* The run under `policy` (an index into the ostep design's policies) as a
 * trace workload, or NULL where malloc.py stops with an error under it. */
const Workload *ostep_runs_workload(const OstepRuns *runs, uint32_t policy);

/* Why there is no run under `policy` (NULL when there is one). */
const char *ostep_runs_refusal(const OstepRuns *runs, uint32_t policy);

/* Operation `number` (1-based) of the run under `policy`, NULL if none. */
const OstepStep *ostep_runs_step(const OstepRuns *runs, uint32_t policy, uint64_t number);

#endif
