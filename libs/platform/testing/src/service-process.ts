/**
 * A service app (`apps/<name>/src/main.ts`, run with tsx as the service specs run it) as a real child
 * process in real mode: its log read as pino JSON lines from stdout, its base URL taken from the
 * `<name> subgraph listening` line (so port 0 works), readiness polled on /readyz.
 */
import { AppProcess, pause, SERVICE_NODE_ENV, SERVICE_NODE_FLAGS } from './app-process';

/** One pino log record (the fields the specs look at; the rest as it came). */
export interface LogRecord {
  level?: number;
  msg?: string;
  [field: string]: unknown;
}

export class ServiceProcess extends AppProcess {
  /** Every JSON line written to stdout so far, parsed (lines that are not JSON are left out). */
  readonly logs: LogRecord[] = [];
  private partial = '';

  /** Starts `apps/<name>/src/main.ts` with the process environment plus `env`. */
  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    // tsx as a loader in the app's own process, not the tsx CLI: the CLI relays a signal to its
    // child and, if the child has not answered within 30 ms (a loaded machine), kills it and exits
    // 143 — a signal test would then measure tsx, not the app.
    super([...SERVICE_NODE_FLAGS, '--import', 'tsx', `apps/${name}/src/main.ts`], {
      ...SERVICE_NODE_ENV,
      LOG_PRETTY: 'false',
      LOG_LEVEL: 'info',
      ...env,
    });
  }

  /** The first log record with this message, if there is one yet. */
  logged(msg: string): LogRecord | undefined {
    return this.logs.find((record) => record.msg === msg);
  }

  /**
   * Resolves with the subgraph's base URL (no `/graphql`) once it answers /readyz with 200; rejects
   * if the process exits first or `timeoutMs` passes (a generous bound on start-up, not a measure).
   */
  async ready(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let base: string | undefined;
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new Error(
          `${this.name} exited (${this.exit.code ?? this.exit.signal}) before it was ready:\n${this.tail()}`,
        );
      }
      const url = this.logged(`${this.name} subgraph listening`)?.['url'];
      if (!base && typeof url === 'string') base = url.replace(/\/graphql$/, '');
      if (base) {
        const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return base;
      }
      await pause(base ? 50 : 100);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  protected override onStdout(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        this.logs.push(JSON.parse(line) as LogRecord);
      } catch {
        // Not a log record (a stray write); it stays in `text`.
      }
    }
  }
}
