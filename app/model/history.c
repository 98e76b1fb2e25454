/*
 * history.c - time travel through one run (see history.h).
 *
 * Memory: the budget pays for the current run, the frontier, the per-step
 * samples (and their min/max summaries per SUMMARY_SPAN steps) and the
 * snapshots. A run too long for per-step samples in a quarter of the budget
 * (millions of steps: a captured program) keeps one sample per SUMMARY_SPAN
 * steps instead - the block's last statistics, whether any of its steps
 * failed, and a hash of what its steps placed, so panes still compare - and
 * its plots and divergence marks are per block.
 *
 * Snapshots sit at steps 0, I, 2I, ... Where the design lists its state
 * (run_state_spans), most are deltas (delta.h): this snapshot's state XOR
 * the one before's, taken against a "shadow" run that holds the last
 * snapshot's state (a third run in the budget). A keyframe (a whole copy)
 * starts each chain: snapshot 0, and each snapshot whose spans changed size
 * (a map grew). A delta flips a run either way, so a chain can be walked
 * forward or back. Some deltas are also entries into the chain: while the
 * budget has room, a whole copy once the chain since the last entry holds
 * 1/KEYFRAME_SHARE of a copy's bytes; after that, an anchor (the state XOR
 * the keyframe's) once it holds ANCHOR_SPACING times the last anchor's
 * bytes. A jump copies the entry nearest in bytes (or the keyframe and
 * applies the entry's anchor), walks the chain from there to the snapshot at
 * or before the target, and replays the rest (fewer than I steps). On the
 * window's 10-million-operation traces a chain costs about the same whatever
 * I (most words a few thousand steps change stay changed), so a smaller I
 * mostly costs scans, and an anchor, a whole state's worth of words far from
 * its keyframe, bounds the walk.
 *
 * I starts at DELTA_INTERVAL (LONG_RUN_INTERVAL on a run of millions of
 * steps), or less where the budget holds that many whole copies; a design
 * without spans gets whole copies only, K = what the budget leaves / the
 * size of one run, I = ceil(total / K). Runs grow
 * as their heaps fill and deltas come in; when the snapshots outgrow the
 * budget, a keyframe whose segment spans at most SHORT_SEGMENT steps goes
 * first (early growths of the maps), with its deltas: a jump there replays
 * from the snapshot before; then the whole copies inside chains, the last
 * first, each leaving an anchor in its place; then anchors closer than
 * their rule, and the anchors that took copies' places. Then every other
 * snapshot is folded into the next (deltas merged, anchors, copies and
 * keyframes moved forward) and I doubles. Once the whole run is computed
 * the shadow goes, and its memory becomes anchors in the middle of the
 * longest walks between entries, one per call of history_compute_ahead
 * (settle_once).
 * Every run points at the one compaction schedule kept here; when that
 * array moves, every run is pointed at it again.
 */
#include "history.h"
#include "delta.h"

#include <stdlib.h>
#include <string.h>

enum {
    SUMMARY_SPAN = 256,          /* steps per min/max summary of the samples */
    REPLAY_PREFERRED = 256,      /* replay up to this many steps rather than copy a snapshot */
    SAMPLE_SLACK = 4096,         /* samples reserved beyond the total, for compactions */
    DELTA_INTERVAL = 4096,       /* steps between snapshots kept as deltas, before any thinning */
    LONG_RUN_INTERVAL = 4 * DELTA_INTERVAL, /* the same on a run of LONG_RUN_STEPS or more */
    LONG_RUN_STEPS = 256 * LONG_RUN_INTERVAL, /* 4,194,304: 256 snapshots at the longer interval */
    KEYFRAME_SHARE = 8,          /* a whole copy in a chain once it holds 1/KEYFRAME_SHARE of a
                                    copy's bytes, while 1/KEYFRAME_SHARE of the budget is left */
    ANCHOR_SPACING = 3,          /* an anchor once the chain since the last holds this many
                                    times its bytes: anchors hold about 1/ANCHOR_SPACING of
                                    what the chains hold */
    ANCHOR_SHARE = 16,           /* the first anchor after a keyframe once the chain holds
                                    1/ANCHOR_SHARE of the keyframe's bytes */
    ANCHOR_GAP_BYTES = 2 << 20,  /* an anchor closer than ANCHOR_SPACING asks is dropped to save
                                    memory only where the chain between the entries around it
                                    stays within this: a walk (at most half of it) takes 2-5 ms */
    FINISH_ANCHORS = 16,         /* anchors settle_once makes at most (each a restore) */
    WALK_BATCH = 64,             /* deltas a restore applies together (delta_apply_all) */
    SHORT_SEGMENT = 16 * DELTA_INTERVAL /* steps: a keyframe's segment this short is dropped
                                    (and replayed) before any thinning */
};

/* A whole copy of the run (a keyframe) or, where the design lists its state
 * (run_state_spans), the words changed since the previous snapshot. */
typedef struct {
    Run *run;                    /* a keyframe: allocated lazily, reused after a compaction */
    Delta delta;                 /* where run is NULL: this state XOR the snapshot before's */
    Delta anchor;                /* where `anchored`: this state XOR the keyframe before's */
    bool anchored;
    bool replaces_copy;          /* the anchor took the place of a whole copy (anchor_from_copy):
                                    dropped before the snapshots are halved */
    bool absent;                 /* dropped with its keyframe's short segment (drop_short_segment):
                                    a jump there replays from the last snapshot before it */
    StepReport report;           /* the step that led to this snapshot */
    bool has_report;
} Snapshot;

struct History {
    Workload workload;
    AllocatorSetup setup;
    uint64_t budget;             /* bytes */
    uint64_t *schedule;          /* sorted compaction steps */
    uint32_t schedule_count, schedule_capacity;
    Snapshot current;            /* what the user sees */
    Snapshot frontier;           /* the furthest step computed */
    uint64_t computed;           /* frontier's position */
    Snapshot *snapshots;         /* snapshot i is at step i * interval; snapshot 0 is a keyframe */
    bool deltas;                 /* snapshots may be deltas: the design lists its state */
    Run *shadow;                 /* deltas: the state of the last snapshot taken, the base of
                                    the next delta (NULL until a keyframe made it) */
    bool shadow_valid;           /* shadow is the last snapshot's state */
    uint64_t snapshot_bytes;     /* what the snapshots hold (count_snapshot_bytes) */
    uint32_t snapshot_count;     /* valid snapshots */
    uint32_t snapshot_capacity;  /* entries in snapshots[] */
    uint32_t snapshot_limit;     /* most snapshots kept (lowered if memory runs out) */
    uint64_t interval;           /* steps between snapshots */
    DirtyRange dirty;            /* changes to the current run not yet taken */
    HistorySample *samples;      /* samples[step], step 0 .. computed */
    uint64_t *placed;            /* placed[step]: payload offset placed, 0: none */
    HistorySample *summary_low, *summary_high; /* per SUMMARY_SPAN steps */
    uint64_t sample_capacity;    /* steps, a multiple of SUMMARY_SPAN */
    uint64_t sample_span;        /* steps per entry of samples and placed: 1 or SUMMARY_SPAN */
    bool over_budget;            /* the budget cannot hold the run */
    bool settling;               /* the run is computed and settle_once has work left */
    uint32_t anchors_left;       /* anchors settle_once may still make */
    bool current_grown;          /* settle_once gave the current run the frontier's size */
};

static bool snapshot_copy(Snapshot *target, const Snapshot *source)
{
    if (target->run == NULL) {
        target->run = run_clone(source->run);
    } else if (!run_copy(target->run, source->run)) {
        return false;
    }
    target->report = source->report;
    target->has_report = source->has_report;
    return target->run != NULL;
}

static void repoint_schedule(History *history)
{
    run_set_compactions(history->current.run, history->schedule, history->schedule_count);
    run_set_compactions(history->frontier.run, history->schedule, history->schedule_count);
    for (uint32_t i = 0; i < history->snapshot_capacity; i++) {
        if (history->snapshots[i].run) {
            run_set_compactions(history->snapshots[i].run, history->schedule, history->schedule_count);
        }
    }
    if (history->shadow) {
        run_set_compactions(history->shadow, history->schedule, history->schedule_count);
    }
}

static HistorySample sample_of(const Allocator *heap, bool failed)
{
    const HeapStats *stats = allocator_stats(heap);
    HistorySample sample = {.failed = failed};
    sample.values[SERIES_EXTERNAL_FRAGMENTATION] = (float)stats->external_fragmentation;
    sample.values[SERIES_UTILIZATION] = (float)stats->utilization;
    sample.values[SERIES_FREE_BLOCKS] = (float)stats->free_blocks;
    sample.values[SERIES_LARGEST_FREE] = (float)stats->largest_free;
    return sample;
}

static void sample_merge(HistorySample *low, HistorySample *high, const HistorySample *sample)
{
    for (int i = 0; i < SERIES_COUNT; i++) {
        low->values[i] = sample->values[i] < low->values[i] ? sample->values[i] : low->values[i];
        high->values[i] = sample->values[i] > high->values[i] ? sample->values[i] : high->values[i];
    }
    low->failed = high->failed = low->failed || sample->failed;
}

static bool reserve_samples(History *history, uint64_t steps)
{
    if (steps + 1 <= history->sample_capacity) {
        return true;
    }
    /* Room for the planned total and a few thousand injected compactions. */
    uint64_t capacity = (steps + 1 + SAMPLE_SLACK + SUMMARY_SPAN) / SUMMARY_SPAN * SUMMARY_SPAN;
    uint64_t entries = capacity / history->sample_span;
    HistorySample *samples = realloc(history->samples, entries * sizeof *samples);
    if (samples == NULL) {
        return false;
    }
    history->samples = samples;
    uint64_t *placed = realloc(history->placed, entries * sizeof *placed);
    if (placed == NULL) {
        return false;
    }
    history->placed = placed;
    HistorySample *low = realloc(history->summary_low, capacity / SUMMARY_SPAN * sizeof *low);
    if (low == NULL) {
        return false;
    }
    history->summary_low = low;
    HistorySample *high = realloc(history->summary_high, capacity / SUMMARY_SPAN * sizeof *high);
    if (high == NULL) {
        return false;
    }
    history->summary_high = high;
    history->sample_capacity = capacity;
    return true;
}

/* Mixes a step's placement into its block's hash (splitmix64's finalizer). */
static uint64_t mix_placed(uint64_t hash, uint64_t placed)
{
    uint64_t x = hash ^ (placed + 0x9e3779b97f4a7c15u);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

/* Notes what step `step` placed (0: nothing): per step, or mixed into its block. */
static void record_placed(History *history, uint64_t step, uint64_t placed)
{
    uint64_t entry = step / history->sample_span;
    if (history->sample_span == 1) {
        history->placed[entry] = placed;
    } else {
        history->placed[entry] = mix_placed(step % history->sample_span ? history->placed[entry] : 0, placed);
    }
}

static void record_sample(History *history, uint64_t step, HistorySample sample)
{
    uint64_t entry = step / history->sample_span;
    if (history->sample_span > 1 && step % history->sample_span != 0) {
        sample.failed = sample.failed || history->samples[entry].failed;
    }
    history->samples[entry] = sample;
    uint64_t block = step / SUMMARY_SPAN;
    if (step % SUMMARY_SPAN == 0) {
        history->summary_low[block] = history->summary_high[block] = sample;
    } else {
        sample_merge(&history->summary_low[block], &history->summary_high[block], &sample);
    }
}

/* A snapshot in its keyframe's chain: it has a delta from the one before
 * (and may also hold a whole copy, made while the budget had room). A
 * keyframe that starts a chain has none; neither has an absent one. */
static bool in_chain(const Snapshot *snapshot)
{
    return snapshot->delta.span_count > 0 && !snapshot->absent;
}

/* The keyframe that starts snapshot `index`'s chain. */
static uint32_t chain_start(const History *history, uint32_t index)
{
    while (in_chain(&history->snapshots[index])) {
        index--;
    }
    return index;
}

static void drop_anchor(Snapshot *snapshot)
{
    delta_release(&snapshot->anchor);
    snapshot->anchored = false;
    snapshot->replaces_copy = false;
}

static void snapshot_release(Snapshot *snapshot)
{
    run_destroy(snapshot->run);
    delta_release(&snapshot->delta);
    delta_release(&snapshot->anchor);
    *snapshot = (Snapshot){0};
}

/* The keyframe of snapshots[index + 1 ...] moved forward by `change` (its
 * old state XOR its new): their anchors, taken against it, follow (an
 * anchor out of memory is dropped: anchors only speed jumps up). */
static void rebase_anchors(History *history, uint32_t index, const Delta *change)
{
    for (uint32_t i = index + 1; i < history->snapshot_count && in_chain(&history->snapshots[i]); i++) {
        Snapshot *snapshot = &history->snapshots[i];
        if (snapshot->anchored && !delta_merge(&snapshot->anchor, change)) {
            drop_anchor(snapshot);
        }
    }
}

/* Makes snapshot `next` (at index `next_index`) stand without the one
 * before it, `dropped`: a keyframe stands alone; a delta on a keyframe
 * becomes that keyframe moved forward (the anchors after it follow); a
 * delta on a delta becomes both merged. False if memory ran out. */
static bool fold_into_next(History *history, Snapshot *dropped, uint32_t next_index)
{
    Snapshot *next = &history->snapshots[next_index];
    if (!in_chain(next) || dropped->absent) {
        return true;
    }
    if (dropped->run != NULL && next->run == NULL) { /* a whole copy moves forward */
        delta_apply(&next->delta, dropped->run);
        run_set_compactions(dropped->run, history->schedule, history->schedule_count);
        next->run = dropped->run;
        dropped->run = NULL;
        drop_anchor(next);
    }
    if (!in_chain(dropped)) { /* the chain's keyframe: next starts it now */
        rebase_anchors(history, next_index, &next->delta);
        delta_release(&next->delta);
        drop_anchor(next);
        return true;
    }
    if (dropped->anchored && !next->anchored) { /* the anchor moves forward with the snapshot */
        next->anchored = delta_merge(&dropped->anchor, &next->delta);
        next->anchor = dropped->anchor;
        next->replaces_copy = dropped->replaces_copy;
        dropped->anchor = (Delta){0};
        dropped->anchored = false;
        dropped->replaces_copy = false;
        if (!next->anchored) {
            drop_anchor(next);
        }
    }
    return delta_merge(&next->delta, &dropped->delta);
}

/* Notes what the snapshots hold, after they changed. */
static void count_snapshot_bytes(History *history)
{
    uint64_t bytes = (uint64_t)history->snapshot_capacity * sizeof(Snapshot), chain = 0, anchors = 0;
    for (uint32_t i = 0; i < history->snapshot_capacity; i++) {
        const Snapshot *snapshot = &history->snapshots[i];
        bytes += snapshot->run ? run_memory_bytes(snapshot->run) : 0;
        chain += delta_memory_bytes(&snapshot->delta);
        anchors += delta_memory_bytes(&snapshot->anchor);
    }

    history->snapshot_bytes = bytes + chain + anchors;
}

/* The shadow holds the state of the last snapshot, about to be dropped:
 * takes it back to the one before, through the dropped one's delta. */
static void shadow_back(History *history, const Snapshot *dropped)
{
    if (!in_chain(dropped) || !history->shadow_valid) {
        history->shadow_valid = false;
        return;
    }
    delta_apply(&dropped->delta, history->shadow);
    run_set_compactions(history->shadow, history->schedule, history->schedule_count);
}

/* Keeps the snapshots at steps 0, 2I, 4I, ... (moved to the front), folds
 * the others into the ones after them, and doubles the interval I. Out of
 * memory, the snapshots from there on are dropped. */
static void thin_snapshots(History *history)
{
    Snapshot *snapshots = history->snapshots;
    uint32_t count = history->snapshot_count, kept = 0;
    if (count % 2 == 0) {
        shadow_back(history, &snapshots[count - 1]);
    }
    for (uint32_t i = 0; i < count; i++) {
        if (i % 2 == 1) {
            if (i + 1 < count && !fold_into_next(history, &snapshots[i], i + 1)) {
                history->shadow_valid = false;
                break;
            }
            snapshot_release(&snapshots[i]);
        } else if (kept != i) {
            snapshots[kept++] = snapshots[i];
            snapshots[i] = (Snapshot){0};
        } else {
            kept++;
        }
    }
    for (uint32_t i = kept; i < history->snapshot_capacity; i++) {
        snapshot_release(&snapshots[i]);
    }
    history->snapshot_count = kept;
    history->interval *= 2;
    count_snapshot_bytes(history);
}

/* What the history will hold once the current run is as big as the
 * frontier: a jump can take it anywhere the frontier has been. */
static uint64_t planned_memory_bytes(const History *history)
{
    uint64_t current = run_memory_bytes(history->current.run);
    uint64_t frontier = run_memory_bytes(history->frontier.run);
    return history_memory_bytes(history) + (frontier > current ? frontier - current : 0);
}

/* Drops the first keyframe after step 0 whose segment (it and the deltas
 * up to the next keyframe) spans at most SHORT_SEGMENT steps, if there is
 * one: early in a run the heap's maps grow every few thousand steps, and
 * each growth costs a keyframe (a delta needs spans of one size), a heap's
 * worth of memory for a few snapshots. A jump there replays from the
 * snapshot before instead. The frontier's segment stays. */
static bool drop_short_segment(History *history)
{
    Snapshot *snapshots = history->snapshots;
    for (uint32_t first = 1; first < history->snapshot_count; first++) {
        if (snapshots[first].run == NULL || in_chain(&snapshots[first])) {
            continue;
        }
        uint32_t end = first + 1;
        while (end < history->snapshot_count && in_chain(&snapshots[end])) {
            end++;
        }
        if (end < history->snapshot_count && (end - first) * history->interval <= SHORT_SEGMENT) {
            for (uint32_t i = first; i < end; i++) {
                snapshot_release(&snapshots[i]);
                snapshots[i].absent = true;
            }
            count_snapshot_bytes(history);
            return true;
        }
    }
    return false;
}

/* Drops the last whole copy inside a chain (made while the budget had
 * room), if there is one. */
/* Before whole copy `index` goes, an anchor takes its place as an entry
 * (its state XOR its keyframe's). Else the chain around it has no entry
 * until the next anchor, and maybe_anchor put none there while the copy
 * served: on the capture's 10M-op run a jump walked 137 deltas (7.8 MB) in
 * 12 ms, where the anchor takes 250 KB. Such anchors are the first thing
 * the budget drops before it halves the snapshots (drop_anchor_from_copy):
 * the generated 10M-op trace's, 2-5 MB each, would otherwise cost it that
 * halving. Out of memory it stays a plain delta. */
static void anchor_from_copy(History *history, uint32_t index)
{
    Snapshot *snapshot = &history->snapshots[index];
    Run *keyframe = history->snapshots[chain_start(history, index)].run;
    if (!snapshot->anchored && keyframe != NULL && delta_spans_match(keyframe, snapshot->run)) {
        snapshot->anchored = delta_between(&snapshot->anchor, keyframe, snapshot->run);
        snapshot->replaces_copy = snapshot->anchored;
    }
}

/* Drops the last anchor that took a whole copy's place; false if none. */
static bool drop_anchor_from_copy(History *history)
{
    for (uint32_t i = history->snapshot_count; i-- > 0;) {
        if (history->snapshots[i].replaces_copy) {
            drop_anchor(&history->snapshots[i]);
            count_snapshot_bytes(history);
            return true;
        }
    }
    return false;
}

static bool drop_copy(History *history)
{
    for (uint32_t i = history->snapshot_count; i-- > 0;) {
        Snapshot *snapshot = &history->snapshots[i];
        if (snapshot->run != NULL && in_chain(snapshot)) {
            anchor_from_copy(history, i);
            run_destroy(snapshot->run);
            snapshot->run = NULL;
            count_snapshot_bytes(history);
            return true;
        }
    }
    return false;
}

/* The chain's bytes a restore walks after entry `entry` (a keyframe, a
 * whole copy or an anchored snapshot) before the next anchor: ANCHOR_SPACING
 * times the entry's anchor, or after a keyframe or a copy 1/ANCHOR_SHARE
 * of the keyframe's bytes, that many times. */
static uint64_t anchor_spacing(const History *history, uint32_t entry)
{
    const Snapshot *snapshot = &history->snapshots[entry];
    const Run *keyframe = history->snapshots[chain_start(history, entry)].run;
    uint64_t bytes = snapshot->anchored ? delta_memory_bytes(&snapshot->anchor)
                                        : (keyframe ? run_memory_bytes(keyframe) : 0) / ANCHOR_SHARE;
    return bytes * ANCHOR_SPACING;
}

/* The deltas' bytes after snapshot `index` up to the next entry of its
 * chain (a whole copy or an anchored snapshot), or to the chain's end. */
static uint64_t chain_to_next_entry(const History *history, uint32_t index)
{
    uint64_t bytes = 0;
    for (uint32_t i = index + 1; i < history->snapshot_count && in_chain(&history->snapshots[i]); i++) {
        bytes += delta_memory_bytes(&history->snapshots[i].delta);
        if (history->snapshots[i].run != NULL || history->snapshots[i].anchored) {
            break;
        }
    }
    return bytes;
}

/* Thinning merges deltas and moves anchors forward, so anchors end up
 * closer together than maybe_anchor's rule put them (the capture's 10M-op
 * run kept an anchor every 2.4 snapshots, 54 of its 226 MiB). Drops those
 * where the chain between the entries around one stays within
 * ANCHOR_GAP_BYTES; true if it dropped any. */
static bool thin_anchors(History *history)
{
    bool dropped = false;
    uint64_t chain = 0, spacing = 0; /* since the last entry kept, and what the rule asks after it */
    for (uint32_t i = 0; i < history->snapshot_count; i++) {
        Snapshot *snapshot = &history->snapshots[i];
        if (snapshot->absent) {
            chain = spacing = 0;
            continue;
        }
        chain += in_chain(snapshot) ? delta_memory_bytes(&snapshot->delta) : 0;
        if (in_chain(snapshot) && snapshot->run == NULL && !snapshot->anchored) {
            continue; /* not an entry */
        }
        if (in_chain(snapshot) && snapshot->run == NULL && chain < spacing &&
            chain + chain_to_next_entry(history, i) <= ANCHOR_GAP_BYTES) {
            drop_anchor(snapshot);
            dropped = true;
            continue;
        }
        chain = 0;
        spacing = anchor_spacing(history, i);
    }
    if (dropped) {
        count_snapshot_bytes(history);
    }
    return dropped;
}

/* Runs grow as their heaps fill, and snapshots come in: thin out to fit
 * (short early segments first, then whole copies inside chains, then
 * anchors closer than their rule, then the anchors that took copies'
 * places, and only then every other snapshot). */
static void keep_to_budget(History *history)
{
    while (history->snapshot_count > 1 && planned_memory_bytes(history) > history->budget) {
        if (!drop_short_segment(history) && !drop_copy(history) && !thin_anchors(history) &&
            !drop_anchor_from_copy(history)) {
            thin_snapshots(history);
        }
    }
}

/* Whether the next snapshot can be a delta: the shadow holds the last one
 * and the spans kept their sizes. */
static bool wants_delta(History *history)
{
    return history->deltas && history->shadow_valid && history->snapshot_count > 0 &&
           delta_spans_match(history->shadow, history->frontier.run);
}

static bool take_keyframe(History *history, Snapshot *snapshot)
{
    delta_release(&snapshot->delta);
    drop_anchor(snapshot);
    if (!snapshot_copy(snapshot, &history->frontier)) {
        return false;
    }
    if (history->deltas) {
        if (history->shadow == NULL) {
            history->shadow = run_clone(history->frontier.run);
            history->shadow_valid = history->shadow != NULL;
        } else {
            history->shadow_valid = run_copy(history->shadow, history->frontier.run);
        }
    }
    return true;
}

static bool take_delta(History *history, Snapshot *snapshot)
{
    run_destroy(snapshot->run);
    snapshot->run = NULL;
    drop_anchor(snapshot);
    if (!delta_take(&snapshot->delta, history->shadow, history->frontier.run)) {
        history->shadow_valid = false; /* torn */
        return false;
    }
    snapshot->report = history->frontier.report;
    snapshot->has_report = history->frontier.has_report;
    return true;
}

/* Makes snapshot `index`, a delta, an entry for jumps too, once the chain
 * from the last entry before it (the keyframe, a whole copy or an anchored
 * snapshot) is long: a whole copy of the run while the budget has room for
 * one (after 1/KEYFRAME_SHARE of a copy's bytes of chain: a jump copies it
 * and walks a little), else an anchor (its state XOR the keyframe's) after
 * ANCHOR_SPACING times the last anchor's bytes, or 1/ANCHOR_SHARE of the
 * keyframe's after a keyframe. Out of memory, it stays a plain delta. */
static void maybe_anchor(History *history, uint32_t index)
{
    Snapshot *snapshots = history->snapshots;
    if (snapshots[index].run != NULL) {
        return;
    }
    uint64_t chain = 0;
    uint32_t entry = index;
    for (; snapshots[entry].run == NULL && (entry == index || !snapshots[entry].anchored); entry--) {
        chain += delta_memory_bytes(&snapshots[entry].delta);
    }
    uint32_t keyframe = chain_start(history, entry);
    uint64_t copy_bytes = run_memory_bytes(history->frontier.run);
    if (chain >= copy_bytes / KEYFRAME_SHARE &&
        planned_memory_bytes(history) + copy_bytes <= history->budget - history->budget / KEYFRAME_SHARE) {
        snapshots[index].run = run_clone(history->frontier.run); /* the budget has room: a whole copy */
        return;
    }
    if (chain < anchor_spacing(history, entry)) {
        return;
    }
    snapshots[index].anchored = delta_between(&snapshots[index].anchor, snapshots[keyframe].run,
                                              history->frontier.run);
}

static void take_snapshot(History *history)
{
    uint64_t index = history->computed / history->interval;
    if (history->computed % history->interval != 0 || index != history->snapshot_count ||
        index >= history->snapshot_limit) {
        return;
    }
    Snapshot *snapshot = &history->snapshots[index];
    if (wants_delta(history) ? take_delta(history, snapshot) : take_keyframe(history, snapshot)) {
        history->snapshot_count++;
        maybe_anchor(history, (uint32_t)index);
    } else {
        history->snapshot_limit = history->snapshot_count; /* out of memory: stop here */
    }
    count_snapshot_bytes(history);
    keep_to_budget(history);
}

/* Takes snapshot `i` as the entry if it is cheaper than the best so far:
 * its whole copy after `chain` bytes of deltas, or its anchor before them. */
static void consider_entry(const Snapshot *snapshot, uint32_t i, uint64_t chain, uint64_t *best_cost,
                           uint32_t *best)
{
    if (snapshot->run != NULL && chain < *best_cost) {
        *best_cost = chain;
        *best = i;
    }
    if (snapshot->anchored && chain + delta_memory_bytes(&snapshot->anchor) < *best_cost) {
        *best_cost = chain + delta_memory_bytes(&snapshot->anchor);
        *best = i;
    }
}

/* Where a restore of snapshot `index` enters its keyframe's chain: the
 * keyframe itself, a whole copy or an anchored snapshot, whichever leaves
 * the fewest bytes of deltas to apply (the anchor's, then the chain's from
 * there to `index`, forward or back). */
static uint32_t cheapest_entry(const History *history, uint32_t keyframe, uint32_t index)
{
    const Snapshot *snapshots = history->snapshots;
    uint64_t chain = 0, best_cost = UINT64_MAX;
    uint32_t best = keyframe;
    for (uint32_t i = index; i > keyframe && chain < best_cost; i--) { /* back to the keyframe */
        consider_entry(&snapshots[i], i, chain, &best_cost, &best);
        chain += delta_memory_bytes(&snapshots[i].delta);
    }
    if (chain < best_cost) {
        best_cost = chain;
        best = keyframe;
    }
    chain = 0;
    for (uint32_t i = index + 1; i < history->snapshot_count && in_chain(&snapshots[i]) && chain < best_cost; i++) {
        chain += delta_memory_bytes(&snapshots[i].delta);
        consider_entry(&snapshots[i], i, chain, &best_cost, &best);
    }
    return best;
}

/* The deltas a restore applies to the copy it made: gathered and applied
 * together (delta_apply_all), a batch at a time. */
typedef struct {
    const Delta *deltas[WALK_BATCH];
    uint32_t count;
    Run *run;
} WalkDeltas;

static void walk_apply(WalkDeltas *walk)
{
    delta_apply_all(walk->deltas, walk->count, walk->run);
    walk->count = 0;
}

static void walk_add(WalkDeltas *walk, const Delta *delta)
{
    walk->deltas[walk->count++] = delta;
    if (walk->count == WALK_BATCH) {
        walk_apply(walk);
    }
}

/* Puts *target (made if NULL) in the state of snapshot `index`: a copy of
 * the entry cheapest_entry chose (or of the keyframe, and the entry's
 * anchor), and the deltas from there to `index` (each flips a run between
 * its snapshot's state and the one before). False if memory ran out
 * (*target may then be torn). */
static bool restore_snapshot(History *history, Run **target, uint64_t index)
{
    uint32_t first = chain_start(history, (uint32_t)index);
    uint32_t entry = cheapest_entry(history, first, (uint32_t)index);
    const Snapshot *source = history->snapshots[entry].run ? &history->snapshots[entry] : &history->snapshots[first];
    if (*target == NULL) {
        *target = run_clone(source->run);
    } else if (!run_copy(*target, source->run)) {
        return false;
    }
    if (*target == NULL) {
        return false;
    }
    WalkDeltas walk = {.run = *target};
    if (history->snapshots[entry].run == NULL && entry != first) {
        walk_add(&walk, &history->snapshots[entry].anchor);
    }
    for (uint32_t i = entry + 1; i <= index; i++) {
        walk_add(&walk, &history->snapshots[i].delta);
    }
    for (uint32_t i = entry; i > index; i--) {
        walk_add(&walk, &history->snapshots[i].delta);
    }
    walk_apply(&walk);
    run_set_compactions(*target, history->schedule, history->schedule_count);
    return true;
}

/* Every SUMMARY_SPAN steps and at the end: thins the snapshots to fit the
 * budget, and notes whether the run outgrew it with no snapshot left to drop. */
static void check_budget(History *history)
{
    if (history->over_budget || (history->computed % SUMMARY_SPAN != 0 && !run_finished(history->frontier.run))) {
        return;
    }
    keep_to_budget(history);
    history->over_budget = history->snapshot_count <= 1 && planned_memory_bytes(history) > history->budget;
}

static void finish_run(History *history);

/* One step of the frontier; false at the end of the run or out of memory. */
static bool frontier_advance(History *history)
{
    if (run_finished(history->frontier.run) || !reserve_samples(history, history->computed + 1)) {
        return false;
    }
    StepReport report;
    if (!run_step(history->frontier.run, &report)) {
        return false;
    }
    history->frontier.report = report;
    history->frontier.has_report = true;
    history->computed++;
    bool failed = report.error == HEAP_ERROR_OUT_OF_MEMORY;
    bool placing = report.event.kind == HEAP_EVENT_MALLOC || report.event.kind == HEAP_EVENT_REALLOC;
    record_placed(history, history->computed, placing && report.error == HEAP_OK ? report.event.result : 0);
    record_sample(history, history->computed, sample_of(run_heap(history->frontier.run), failed));
    take_snapshot(history);
    check_budget(history);
    if (run_finished(history->frontier.run)) {
        finish_run(history);
    }
    return true;
}

/* Per-step samples if they take at most a quarter of the budget, else one
 * per SUMMARY_SPAN steps; returns the bytes the series will take. */
static uint64_t plan_samples(History *history, uint64_t total)
{
    uint64_t steps = total + 1 + SAMPLE_SLACK + SUMMARY_SPAN;
    uint64_t per_step = (sizeof(HistorySample) + sizeof(uint64_t)) * 9 / 8;
    history->sample_span = steps * per_step <= history->budget / 4 ? 1 : SUMMARY_SPAN;
    return steps / history->sample_span * (sizeof(HistorySample) + sizeof(uint64_t)) +
           steps / SUMMARY_SPAN * 2 * sizeof(HistorySample);
}

/* As many whole copies as the budget holds beside the current run and the
 * frontier; with deltas, at least one snapshot every DELTA_INTERVAL steps
 * (LONG_RUN_INTERVAL on a long run), thinned out when they outgrow the
 * budget (their size is known only as the run goes). A restore walks the
 * deltas between its entry and its snapshot: on the generated 10M-op trace,
 * whose heap's state is small enough that snapshots every 4,096 steps fit
 * the budget, a jump walked up to four times as many as at 16,384 and its
 * worst took 15-17.5 ms of CPU against 9-12 (BENCHMARKS.md, #21 section 3). */
static void plan_snapshots(History *history)
{
    uint64_t run_bytes = run_memory_bytes(history->current.run);
    uint64_t total = run_total_steps(history->current.run);
    uint64_t series = plan_samples(history, total);
    uint64_t fixed = series + 2 * run_bytes;
    uint64_t count = history->budget > fixed ? (history->budget - fixed) / (run_bytes ? run_bytes : 1) : 0;
    uint64_t interval = total >= LONG_RUN_STEPS ? LONG_RUN_INTERVAL : DELTA_INTERVAL;
    if (history->deltas && count < total / interval + 1) {
        count = total / interval + 1;
    }
    count = count < 1 ? 1 : count;
    count = count > total + 1 ? total + 1 : count;
    count = count > UINT32_MAX / 2 ? UINT32_MAX / 2 : count;
    history->snapshot_capacity = history->snapshot_limit = (uint32_t)count;
    history->interval = total / count + (total % count != 0);
    history->interval = history->interval ? history->interval : 1;
}

static HeapError history_start(History *history, const uint64_t *compact_steps, uint32_t compact_count)
{
    history->schedule_capacity = compact_count + 16;
    history->schedule = malloc(history->schedule_capacity * sizeof *history->schedule);
    if (history->schedule == NULL) {
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    if (compact_count > 0) {
        memcpy(history->schedule, compact_steps, compact_count * sizeof *compact_steps);
    }
    history->schedule_count = compact_count;
    HeapError error = run_create(&history->workload, &history->setup, history->schedule,
                                 history->schedule_count, &history->current.run);
    if (error != HEAP_OK) {
        return error;
    }
    AllocatorSpan spans[RUN_MAX_SPANS];
    history->deltas = run_state_spans(history->current.run, spans) > 0;
    plan_snapshots(history);
    history->snapshots = calloc(history->snapshot_capacity, sizeof *history->snapshots);
    history->frontier.run = run_clone(history->current.run);
    if (history->snapshots == NULL || history->frontier.run == NULL ||
        !reserve_samples(history, run_total_steps(history->current.run))) {
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    record_sample(history, 0, sample_of(run_heap(history->current.run), false));
    record_placed(history, 0, 0);
    take_snapshot(history);
    check_budget(history);
    return history->snapshot_count == 1 ? HEAP_OK : HEAP_ERROR_OUT_OF_MEMORY;
}

HeapError history_create(const Workload *workload, const AllocatorSetup *setup,
                         const uint64_t *compact_steps, uint32_t compact_count,
                         uint64_t budget_bytes, History **out)
{
    *out = NULL;
    History *history = calloc(1, sizeof *history);
    if (history == NULL) {
        return HEAP_ERROR_OUT_OF_MEMORY;
    }
    history->workload = *workload;
    history->setup = *setup;
    history->budget = budget_bytes;
    HeapError error = history_start(history, compact_steps, compact_count);
    if (error != HEAP_OK) {
        history_destroy(history);
        return error;
    }
    *out = history;
    return HEAP_OK;
}

void history_destroy(History *history)
{
    if (history == NULL) {
        return;
    }
    for (uint32_t i = 0; history->snapshots && i < history->snapshot_capacity; i++) {
        snapshot_release(&history->snapshots[i]);
    }
    run_destroy(history->shadow);
    if (history->current.run) {
        run_destroy(history->current.run);
    }
    if (history->frontier.run) {
        run_destroy(history->frontier.run);
    }
    free(history->snapshots);
    free(history->samples);
    free(history->placed);
    free(history->summary_low);
    free(history->summary_high);
    free(history->schedule);
    free(history);
}

const Run *history_run(const History *history)
{
    return history->current.run;
}

const StepReport *history_report(const History *history)
{
    return history->current.has_report ? &history->current.report : NULL;
}

uint64_t history_position(const History *history)
{
    return run_position(history->current.run);
}

uint64_t history_total(const History *history)
{
    return run_total_steps(history->frontier.run);
}

uint64_t history_computed(const History *history)
{
    return history->computed;
}

bool history_settling(const History *history)
{
    return history->settling;
}

uint64_t history_high_water(const History *history)
{
    const Allocator *heap = run_heap(history->frontier.run);
    uint64_t high_water = allocator_stats(heap)->high_water;
    /* A heap that grows only grows: the frontier's break is the furthest yet. */
    uint64_t end = allocator_region_end(heap);
    bool grows = (allocator_design(heap)->features & ALLOCATOR_GROWS) != 0;
    return grows && end > high_water ? end : high_water;
}

static void settle_once(History *history);

uint64_t history_compute_ahead(History *history, uint64_t steps)
{
    if (history->settling) {
        settle_once(history);
        return 0;
    }
    uint64_t done = 0;
    while (done < steps && frontier_advance(history)) {
        done++;
    }
    return done;
}

static void dirty_add(DirtyRange *dirty, uint64_t start, uint64_t end)
{
    if (start >= end) {
        return;
    }
    if (dirty->start >= dirty->end) {
        dirty->start = start;
        dirty->end = end;
        return;
    }
    dirty->start = start < dirty->start ? start : dirty->start;
    dirty->end = end > dirty->end ? end : dirty->end;
}

DirtyRange history_take_dirty(History *history)
{
    DirtyRange dirty = history->dirty;
    history->dirty = (DirtyRange){0};
    return dirty;
}

/* Replays the current run forward to `step` (<= computed). A long replay
 * makes no report but for its last step (reports cost most of a step),
 * runs most steps with the heap's events off (run_advance_unwatched, which
 * leaves the same state, the heap's last event included: 8-9% of a 65,535-
 * step replay on the generated 10M trace), and marks the whole arena dirty
 * instead of following each step's range. */
static void replay_to(History *history, uint64_t step)
{
    StepReport report;
    uint64_t position = run_position(history->current.run);
    if (step > position + REPLAY_PREFERRED) {
        run_advance_unwatched(history->current.run, step - 1);
        history->dirty.full = true;
    }
    while (run_position(history->current.run) < step && run_step(history->current.run, &report)) {
        history->current.report = report;
        history->current.has_report = true;
        dirty_add(&history->dirty, report.event.dirty_start, report.event.dirty_end);
    }
}

/* The last snapshot kept at or before `step` (not absent). */
static uint64_t snapshot_below(const History *history, uint64_t step)
{
    uint64_t index = step / history->interval;
    index = index < history->snapshot_count ? index : history->snapshot_count - 1;
    while (history->snapshots[index].absent) {
        index--;
    }
    return index;
}

/* A copy into the current run that ran out of memory part-way leaves it torn
 * (parts of two steps). So it is thrown away, which gives back a heap's worth
 * of memory, made again from the snapshot at or below `step` and replayed to
 * `step`: the run is whole again, where it was. */
static void restore_current(History *history, uint64_t step)
{
    run_destroy(history->current.run);
    history->current.run = NULL;
    uint64_t index = snapshot_below(history, step);
    const Snapshot *source = step == history->computed ? &history->frontier : &history->snapshots[index];
    bool made = step == history->computed ? (history->current.run = run_clone(source->run)) != NULL
                                          : restore_snapshot(history, &history->current.run, index);
    history->current.report = source->report;
    history->current.has_report = source->has_report;
    if (made) {
        replay_to(history, step);
    }
}

/* The snapshot in the middle (in bytes) of the longest walk between two
 * entries of a chain (a keyframe, a whole copy, an anchored snapshot or
 * the chain's end), if anchoring it saves a walk at least as long as the
 * anchor would be (about the anchor before's, or 1/ANCHOR_SHARE of the
 * keyframe after one); 0 if there is none. */
static uint32_t longest_walk_middle(const History *history)
{
    uint64_t longest = 0, chain = 0;
    uint32_t first = 0, end = 0, entry = 0; /* the longest walk: snapshots (first, end]; the last entry */
    for (uint32_t i = 1; i <= history->snapshot_count; i++) {
        const Snapshot *snapshot = i < history->snapshot_count ? &history->snapshots[i] : NULL;
        bool walks_on = snapshot && in_chain(snapshot);
        chain += walks_on ? delta_memory_bytes(&snapshot->delta) : 0;
        if (walks_on && snapshot->run == NULL && !snapshot->anchored) {
            continue;
        }
        if (chain > longest && chain >= anchor_spacing(history, entry) / ANCHOR_SPACING) {
            longest = chain;
            first = entry;
            end = walks_on ? i : i - 1;
        }
        entry = i;
        chain = 0;
    }
    uint64_t half = 0;
    for (uint32_t i = first + 1; i < end; i++) {
        half += delta_memory_bytes(&history->snapshots[i].delta);
        if (2 * half >= longest) {
            return i;
        }
    }
    return 0;
}

/* Anchors snapshot `index` (a plain delta), made in the current run; false
 * if memory ran out or the budget has no room for it. */
static bool anchor_in_current(History *history, uint32_t index)
{
    Snapshot *snapshot = &history->snapshots[index];
    Run *keyframe = history->snapshots[chain_start(history, index)].run;
    if (!restore_snapshot(history, &history->current.run, index) ||
        !delta_between(&snapshot->anchor, keyframe, history->current.run)) {
        return false;
    }
    snapshot->anchored = true;
    count_snapshot_bytes(history);
    if (planned_memory_bytes(history) > history->budget) {
        drop_anchor(snapshot);
        count_snapshot_bytes(history);
        return false;
    }
    return true;
}

/* Once the whole run is computed the shadow, the base of the next delta,
 * waits idle until a compaction rewrites the future (a keyframe then makes
 * it again): it goes, and its memory becomes anchors in the middle of the
 * longest walks, while the budget holds them (settle_once). */
static void finish_run(History *history)
{
    history->anchors_left = history->shadow ? FINISH_ANCHORS : 0; /* no shadow: nothing freed */
    run_destroy(history->shadow);
    history->shadow = NULL;
    history->shadow_valid = false;
    history->settling = true;
    history->current_grown = false;
}

/* One piece of the work after the run is computed, a call of
 * history_compute_ahead each, so that the window never stalls (all at
 * once took 0.3-0.4 s on the generated 10M trace): an anchor in the middle
 * of the longest walk (at most FINISH_ANCHORS in all), made in the current run,
 * which then takes the frontier's state and jumps back where the user was
 * (exactly, as every jump), so that its memory has also grown to the run's
 * size before the user's first jump: the kernel zeroing those fresh pages
 * made that jump take 13-69 ms of copying on the 10M-op capture. With no
 * anchor left to make the work is done, and the current run grown if no
 * anchor did it. Out of memory the current run is whole again where it was. */
static void settle_once(History *history)
{
    uint64_t position = run_position(history->current.run);
    uint32_t middle = history->anchors_left > 0 ? longest_walk_middle(history) : 0;
    bool made = middle != 0 && anchor_in_current(history, middle);
    history->anchors_left = made ? history->anchors_left - 1 : 0;
    history->settling = history->anchors_left > 0;
    if (middle == 0 && (history->current_grown || position == history->computed)) {
        return;
    }
    history->current_grown = true;
    history->dirty.full = true;
    if (!snapshot_copy(&history->current, &history->frontier) || !history_jump(history, position)) {
        restore_current(history, position); /* a failed jump restores where the run was: the end */
    }
}

bool history_jump(History *history, uint64_t step)
{
    while (history->computed < step && frontier_advance(history)) {
    }
    step = step < history->computed ? step : history->computed;
    uint64_t position = run_position(history->current.run);
    uint64_t index = snapshot_below(history, step);
    uint64_t nearest = index * history->interval;
    /* Replaying forward from the current run keeps the dirty range small
     * (the renderer redraws only what changed), so it wins unless a snapshot
     * is much nearer. */
    uint64_t replay_limit = history->interval > REPLAY_PREFERRED ? history->interval : REPLAY_PREFERRED;
    if (position <= step && (position >= nearest || step - position <= replay_limit)) {
        replay_to(history, step);
        return true;
    }
    const Snapshot *source = step == history->computed ? &history->frontier : &history->snapshots[index];
    history->dirty.full = true;
    bool copied = step == history->computed ? snapshot_copy(&history->current, source)
                                            : restore_snapshot(history, &history->current.run, index);
    if (!copied) {
        restore_current(history, position);
        return false;
    }
    history->current.report = source->report;
    history->current.has_report = source->has_report;
    replay_to(history, step);
    return true;
}

static bool schedule_replace_future(History *history, uint64_t position)
{
    while (history->schedule_count > 0 && history->schedule[history->schedule_count - 1] > position) {
        history->schedule_count--;
    }
    if (history->schedule_count == history->schedule_capacity) {
        uint32_t capacity = history->schedule_capacity * 2;
        uint64_t *schedule = realloc(history->schedule, capacity * sizeof *schedule);
        if (schedule == NULL) {
            return false;
        }
        history->schedule = schedule;
        history->schedule_capacity = capacity;
    }
    history->schedule[history->schedule_count++] = position + 1;
    repoint_schedule(history);
    return true;
}

/* Forgets everything computed after the current step. */
static bool truncate_future(History *history)
{
    uint64_t position = run_position(history->current.run);
    if (!snapshot_copy(&history->frontier, &history->current)) {
        return false;
    }
    history->computed = position;
    history->settling = false; /* the run is computed again, and settled then */
    uint64_t valid = position / history->interval + 1;
    if (history->snapshot_count > valid) {
        for (uint64_t i = valid; i < history->snapshot_count; i++) {
            history->snapshots[i].absent = false; /* retaken from here on (their runs are reused) */
        }
        history->snapshot_count = (uint32_t)valid;
        history->shadow_valid = false; /* it holds a snapshot dropped here */
    }
    uint64_t block_start = position / SUMMARY_SPAN * SUMMARY_SPAN;
    if (history->sample_span == 1) {
        for (uint64_t step = block_start; step <= position; step++) {
            record_sample(history, step, history->samples[step]);
        }
    } else { /* the block's entry keeps the steps after `position` too: it is approximate */
        history->samples[block_start / SUMMARY_SPAN] = sample_of(run_heap(history->current.run), false);
        history->summary_low[block_start / SUMMARY_SPAN] = history->summary_high[block_start / SUMMARY_SPAN] =
            history->samples[block_start / SUMMARY_SPAN];
        history->placed[block_start / SUMMARY_SPAN] = 0; /* the same in every pane truncated here */
    }
    return true;
}

bool history_compact_now(History *history)
{
    uint64_t position = run_position(history->current.run);
    if (!truncate_future(history) || !schedule_replace_future(history, position)) {
        return false;
    }
    return history_jump(history, position + 1);
}

const uint64_t *history_compactions(const History *history, uint32_t *count)
{
    *count = history->schedule_count;
    return history->schedule;
}

HistorySample history_sample(const History *history, uint64_t step)
{
    step = step < history->computed ? step : history->computed;
    return history->samples[step / history->sample_span];
}

HistorySample history_now(const History *history)
{
    const Run *run = history->current.run;
    bool failed = history->current.has_report && history->current.report.error == HEAP_ERROR_OUT_OF_MEMORY;
    return sample_of(run_heap(run), failed);
}

uint64_t history_placed(const History *history, uint64_t step)
{
    step = step < history->computed ? step : history->computed;
    return history->placed[step / history->sample_span];
}

uint64_t history_sample_span(const History *history)
{
    return history->sample_span;
}

void history_range(const History *history, uint64_t first, uint64_t end,
                   HistorySample *low, HistorySample *high)
{
    end = end < history->computed + 1 ? end : history->computed + 1;
    if (history->sample_span > 1) { /* whole blocks: the range widened to them */
        first = first / SUMMARY_SPAN * SUMMARY_SPAN;
        end = (end + SUMMARY_SPAN - 1) / SUMMARY_SPAN * SUMMARY_SPAN;
        end = end < history->computed + 1 ? end : history->computed + 1;
        if (first >= end) {
            first = history->computed / SUMMARY_SPAN * SUMMARY_SPAN;
        }
        *low = history->summary_low[first / SUMMARY_SPAN];
        *high = history->summary_high[first / SUMMARY_SPAN];
        for (first += SUMMARY_SPAN; first < end; first += SUMMARY_SPAN) {
            sample_merge(low, high, &history->summary_low[first / SUMMARY_SPAN]);
            sample_merge(low, high, &history->summary_high[first / SUMMARY_SPAN]);
        }
        return;
    }
    if (first >= end) {
        *low = *high = history_sample(history, first);
        return;
    }
    *low = *high = history->samples[first];
    while (first < end) {
        if (first % SUMMARY_SPAN == 0 && first + SUMMARY_SPAN <= end) {
            uint64_t block = first / SUMMARY_SPAN;
            sample_merge(low, high, &history->summary_low[block]);
            sample_merge(low, high, &history->summary_high[block]);
            first += SUMMARY_SPAN;
        } else {
            sample_merge(low, high, &history->samples[first]);
            first++;
        }
    }
}

uint64_t history_memory_bytes(const History *history)
{
    uint64_t bytes = sizeof *history + history->schedule_capacity * sizeof(uint64_t);
    bytes += run_memory_bytes(history->current.run) + run_memory_bytes(history->frontier.run);
    bytes += history->shadow ? run_memory_bytes(history->shadow) : 0;
    bytes += history->snapshot_bytes;
    bytes += history->sample_capacity / history->sample_span * (sizeof(HistorySample) + sizeof(uint64_t));
    bytes += history->sample_capacity / SUMMARY_SPAN * 2 * sizeof(HistorySample);
    return bytes;
}

bool history_over_budget(const History *history)
{
    return history->over_budget;
}

void history_snapshot_kinds(const History *history, uint32_t *keyframes, uint32_t *deltas)
{
    *keyframes = *deltas = 0;
    for (uint32_t i = 0; i < history->snapshot_count; i++) {
        *keyframes += history->snapshots[i].run != NULL;
        *deltas += in_chain(&history->snapshots[i]);
    }
}

uint32_t history_anchor_count(const History *history)
{
    uint32_t anchors = 0;
    for (uint32_t i = 0; i < history->snapshot_count; i++) {
        anchors += history->snapshots[i].anchored;
    }
    return anchors;
}

uint64_t history_budget_bytes(const History *history)
{
    return history->budget;
}

uint64_t history_interval(const History *history)
{
    return history->interval;
}
