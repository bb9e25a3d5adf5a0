/**
 * Server CPU from /proc (Linux only): the nanoseconds each thread of a process has spent on a CPU,
 * the first field of /proc/<pid>/task/<tid>/schedstat (user and system time alike, at the
 * scheduler's resolution rather than in clock ticks). Read before and after a batch of requests,
 * the difference is what the batch cost the server on every thread (main, libuv pool, V8's
 * platform threads and GC helpers, worker threads), whatever else the machine was doing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Each live thread's CPU ns, by thread id. Throws when the process is gone. */
export function threadCpuNs(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    threads.set(Number(tid), Number(text.slice(0, text.indexOf(' '))));
  }
  return threads;
}

/** The CPU ns of all of the process's live threads together. */
export function processCpuNs(pid: number): number {
  let total = 0;
  for (const ns of threadCpuNs(pid).values()) total += ns;
  return total;
}

/**
 * The CPU ns used between two readings of threadCpuNs: each thread's growth, a thread born since
 * counted whole. A thread that ended in between takes its time with it (/proc keeps no record of
 * it): `ended` says how many did, so a caller can tell its figure is short.
 */
export function cpuNsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): { ns: number; ended: number } {
  let ns = 0;
  for (const [tid, value] of after) ns += value - (before.get(tid) ?? 0);
  let ended = 0;
  for (const tid of before.keys()) if (!after.has(tid)) ended++;
  return { ns, ended };
}

/** Clock ticks per second of /proc/stat's times (USER_HZ: 100 on Linux unless told otherwise). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Every CPU's busy time (all but idle and iowait) from /proc/stat, in ns (at clock-tick resolution): the whole machine's load. */
export function machineBusyNs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal (guest is inside user)
  return ((total - f[3]! - f[4]!) * 1e9) / TICKS;
}

/** What one measured piece of work cost a server process, on every thread. */
export interface CpuUse {
  /** All threads together. */
  ns: number;
  /** The main thread (tid = pid): HTTP, JSON, GraphQL, the event loop. */
  mainNs: number;
  /** The busiest other thread in the window (on appgov's bulk calls, the writer thread). */
  topOtherNs: number;
  /** Threads that ended inside the window (their time is missing): 0 expected. */
  ended: number;
}

/** The CPU between two readings of threadCpuNs of `pid`, split into the main thread, the busiest other thread and the rest. */
export function cpuUseBetween(pid: number, before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): CpuUse {
  const { ns, ended } = cpuNsBetween(before, after);
  let topOtherNs = 0;
  for (const [tid, value] of after) if (tid !== pid) topOtherNs = Math.max(topOtherNs, value - (before.get(tid) ?? 0));
  return { ns, mainNs: (after.get(pid) ?? 0) - (before.get(pid) ?? 0), topOtherNs, ended };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` (requests to the server `pid`) and returns what it cost that server: its threads' CPU
 * read before and `settleMs` after the work ended (so its trailing work, a log line or a GC helper
 * finishing, lands in this window and not the next one's), and the work's wall time (without the settling).
 */
export async function serverCpu<T>(pid: number, work: () => Promise<T>, settleMs: number): Promise<{ cpu: CpuUse; wallMs: number; value: T }> {
  const before = threadCpuNs(pid);
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  if (settleMs > 0) await sleep(settleMs);
  return { cpu: cpuUseBetween(pid, before, threadCpuNs(pid)), wallMs, value };
}

/** A server's CPU while nothing is sent to it (timers, pollers, V8's background work), µs per second. */
export async function idleCpuUsPerSecond(pid: number, ms: number): Promise<number> {
  const before = threadCpuNs(pid);
  await sleep(ms);
  return cpuNsBetween(before, threadCpuNs(pid)).ns / 1000 / (ms / 1000);
}
