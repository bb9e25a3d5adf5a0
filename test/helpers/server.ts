import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';

export interface StartedServer {
  child: ChildProcess;
  base: string;
  stdout: () => string;
  stderr: () => string;
  /** The structured (JSON) log lines written to stderr so far. */
  logLines: () => Record<string, any>[];
}

/**
 * Starts the server the way `npm start` does (compiled by test/global-setup.ts, plain node), on a free port on 127.0.0.1,
 * in `cwd` (default: this process's folder).
 */
export function startServer(env: Record<string, string>, options: { cwd?: string } = {}): Promise<StartedServer> {
  const child = spawn(process.execPath, [...inject('serverFlags'), inject('serverBundle')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const logLines = () => err.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const match = /serving (http:\/\/[^/]+)\/graphql/.exec(out);
      if (match && out.includes('\n')) {
        clearTimeout(timer);
        setTimeout(() => resolve({ child, base: match[1]!, stdout: () => out, stderr: () => err, logLines }), 100);
      }
    });
  });
}

/** SIGTERM, then the exit code. */
export function stopServer(server: StartedServer): Promise<number | null> {
  return new Promise((resolve) => {
    server.child.removeAllListeners('exit');
    server.child.on('exit', (code) => resolve(code));
    server.child.kill('SIGTERM');
  });
}
