/**
 * One app of the workspace run as a real child process (Node, cwd the workspace), with what it wrote
 * kept for assertions and failure messages, its exit awaited, and a stop that sends a signal and
 * falls back to SIGKILL. The embedded app's crash rounds (`EmbeddedProcess` in `@sc/services/testing`) and
 * the service apps' start-and-stop specs ({@link ServiceProcess}) build on it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { envForChild } from '@sc/config';

/** The workspace (libs/platform/testing/src → four folders up): the cwd of every app process. */
export const WORKSPACE_ROOT = path.resolve(__dirname, '../../../..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class AppProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  private output = '';
  private stderrText = '';
  protected exit: Exit | null = null;

  /** Runs `node <args…>` in the workspace with the process environment plus `env`. */
  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, args, {
      cwd: WORKSPACE_ROOT,
      env: envForChild(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.onStdout(text);
      this.append(text);
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderrText += text;
      this.append(text);
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the app did not spawn');
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Everything it wrote so far (stdout and stderr, the last 20,000 characters). */
  get text(): string {
    return this.output;
  }

  /** The last lines the process wrote (stdout and stderr). */
  tail(lines = 30): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }

  /** Sends `signal` and waits for the process to end (SIGKILL after `timeoutMs`). */
  async stop(signal: NodeJS.Signals, timeoutMs = 30_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Each chunk of stdout, as it arrives (subclasses parse log lines here). */
  protected onStdout(text: string): void {
    void text;
  }

  private append(text: string): void {
    this.output = (this.output + text).slice(-20_000);
  }
}

/** Waits `ms` (the polling pause of the `ready()` loops). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The Node flags a service or the gateway runs with in its image (docker/Dockerfile's NODE_OPTIONS,
 * ADR 0050), for the processes benchmarks and specs start: 8 MB semi-spaces and a 384 MB old
 * generation. Keep in step with the Dockerfile.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--max-old-space-size=384'];

/**
 * The environment the image adds for the same reason: two malloc arenas (MALLOC_ARENA_MAX), and a fixed
 * 128 KiB mmap threshold (MALLOC_MMAP_THRESHOLD_), so that glibc serves every larger block (Kafka fetch
 * and produce buffers, result sets, request bodies) with its own mapping and returns it to the system
 * when it is freed, instead of raising the threshold after the first such free and keeping the freed
 * blocks in its heap (ADR 0050, 2026-12-04 evening). Keep in step with the Dockerfile.
 */
export const SERVICE_NODE_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
};
