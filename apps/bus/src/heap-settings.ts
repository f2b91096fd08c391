import { setFlagsFromString } from 'node:v8';

/** V8 flags the bus sets on itself, before anything allocates (imported first in main.ts). */
export const HEAP_FLAGS = [
  // V8 may grow the old generation to 4x the live data after a full GC; 1.3x keeps the heap, and so RSS,
  // close to the messages in flight, at the cost of more frequent full GCs.
  '--heap-growing-percent=30',
];

for (const flag of HEAP_FLAGS) setFlagsFromString(flag);
