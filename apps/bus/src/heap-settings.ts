import { setFlagsFromString } from 'node:v8';

/** V8 flags the bus sets on itself, before anything allocates (imported first in main.ts). */
export const HEAP_FLAGS = [
  // V8 may grow the old generation to 4x the live data after a full GC; 1.5x keeps the heap, and so RSS,
  // close to the messages in flight, at the cost of more frequent full GCs (30 saved 5 MB more for twice
  // the extra GC time; README "Memory").
  '--heap-growing-percent=50',
];

for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
