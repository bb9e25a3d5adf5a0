/**
 * The expiry sweeper: every APPGOV_EXPIRY_INTERVAL_MS, and once at start, one sweep of the approvals
 * whose end has passed (Backend.expireApprovals: each due client in its own transaction, the tenant
 * held, so any number of instances sweeping at once write each expiry exactly once). A sweep that
 * took a full batch of clients is followed by the next at once. Sweeps never overlap in one process;
 * a failed sweep (a busy or absent database) is logged and the next one tries again.
 *
 * Reads never wait for it: a lapsed approval reads as not approved from its end on. The sweeper only
 * writes the lapse down (the APPROVAL_EXPIRED event, with the end as its time), also for an end that
 * passed while no instance ran.
 */
import type { Backend } from './backend';
import { SWEEP_BATCH } from './services/expiry';

export interface ExpirySweeper {
  /** Stops the timer and waits for a sweep under way. */
  stop(): Promise<void>;
}

export function startExpirySweeper(
  backend: Pick<Backend, 'expireApprovals'>,
  options: { intervalMs: number; log: (error: unknown) => void; onSweep?: (result: { clients: number; expired: number }) => void },
): ExpirySweeper {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const sweep = async (): Promise<void> => {
    try {
      for (;;) {
        const result = await backend.expireApprovals(new Date());
        options.onSweep?.(result);
        if (stopped || result.clients < SWEEP_BATCH) break;
      }
    } catch (error) {
      options.log(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = sweep().finally(schedule);
    }, options.intervalMs);
    timer.unref();
  };
  running = sweep().finally(schedule);
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
