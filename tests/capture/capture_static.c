/*
 * capture_static.c - a statically linked program: LD_PRELOAD cannot reach
 * its malloc, so heapviz --capture must say that nothing was recorded.
 */
#include <stdlib.h>

int main(void)
{
    volatile char *block = malloc(100);
    block[0] = 1;
    free((void *)block);
    return 0;
}
