// The writer thread's entry: a worker cannot take a .ts file itself, under `tsx src/server.ts` or vitest alike.
// tsImport loads the TypeScript worker (and what it imports) without registering tsx for the whole thread.
import { tsImport } from 'tsx/esm/api';

await tsImport('./writer-worker.ts', import.meta.url);
