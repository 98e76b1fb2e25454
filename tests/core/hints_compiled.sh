#!/bin/sh
# hints_compiled.sh OBJDUMP LIBRARY - the tags design's prefetch entry holds
# its three prefetch instructions: the block's header and its live mark
# (heap_hint_block) and the next block's header (heap_hint_next_block).
# GCC 12 once deleted the calls to these inline functions, which only
# prefetch, and every replay ran without its hints for two sessions while
# the source looked right (BENCHMARKS.md, #24).
found=$("$1" -d --no-show-raw-insn "$2" |
    awk '/<tags_prefetch>:/ { inside = 1; next } inside && /^$/ { exit } inside' |
    grep -c prefetch)
[ "$found" -ge 3 ] && exit 0
echo "tags_prefetch in $2 holds $found prefetch instructions, not 3: the replay's hints were compiled away" >&2
exit 1
