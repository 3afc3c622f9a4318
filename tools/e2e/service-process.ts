import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** A Gridwerk service as a real OS process (so a test can kill -9 it), on its own port, topics and database. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(
    readonly app:
      'ingest' | 'simulator' | 'forecast' | 'settlement' | 'grid-api' | 'dispatch' | 'udp-gateway',
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Extra node flags, e.g. ['--cpu-prof'] when profiling a benchmark. */
    private readonly nodeArgs: string[] = [],
    /**
     * A runtime directory (tools/build/runtime-dir.ts) to run the compiled `main.js` from with plain
     * node, as the image does; without it the TypeScript sources run through ts-node.
     */
    private readonly runtimeDir?: string,
  ) {}

  /**
   * When `start()` was called, when the HTTP server first answered (/health with any status) and when
   * /health first answered 200 (ms since the epoch).
   */
  startedAt: number | undefined;
  listeningAt: number | undefined;
  healthyAt: number | undefined;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.startedAt = Date.now();
    this.listeningAt = undefined;
    const {
      TS_NODE_PROJECT: _p,
      TS_NODE_TRANSPILE_ONLY: _t,
      NODE_OPTIONS: _o,
      NODE_PATH: _n,
      ...inherited
    } = process.env;
    this.child =
      this.runtimeDir === undefined
        ? spawn(
            process.execPath,
            [
              ...this.nodeArgs,
              '-r',
              'ts-node/register/transpile-only',
              '-r',
              'tsconfig-paths/register',
              `apps/${this.app}/src/main.ts`,
            ],
            {
              cwd: root,
              env: {
                ...inherited,
                ...this.env,
                HTTP_PORT: String(this.port),
                TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
              },
              stdio: ['ignore', 'pipe', 'pipe'],
            },
          )
        : spawn(process.execPath, [...this.nodeArgs, `dist/apps/${this.app}/main.js`], {
            cwd: this.runtimeDir,
            env: { ...inherited, ...this.env, HTTP_PORT: String(this.port), NODE_ENV: 'production' },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    const keep = (b: Buffer): void => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    await this.waitHealthy(timeoutMs);
    this.healthyAt = Date.now();
  }

  /** Resident memory now (VmRSS), in bytes; undefined once it exited. */
  rssBytes(): number | undefined {
    return this.procStatus('VmRSS');
  }

  /** Peak resident memory of the service process (VmHWM), in bytes; undefined once it exited. */
  peakRssBytes(): number | undefined {
    return this.procStatus('VmHWM');
  }

  private procStatus(field: 'VmRSS' | 'VmHWM'): number | undefined {
    const pid = this.child?.pid;
    if (pid === undefined || this.child?.exitCode !== null) return undefined;
    try {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  logs(): string {
    return this.output;
  }

  async health(): Promise<{ status: number; body: string }> {
    try {
      const r = await fetch(`http://127.0.0.1:${this.port}/health`);
      return { status: r.status, body: await r.text() };
    } catch (err) {
      return { status: 0, body: err instanceof Error ? err.message : String(err) };
    }
  }

  async metrics(): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    return r.text();
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = { status: 0, body: 'not asked yet' };
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined)
        throw new Error(`${this.app} exited ${this.child.exitCode}:\n${this.output}`);
      const health = await this.health();
      last = health;
      // any HTTP answer means the server listens; 200 means Kafka, database and app checks are up
      if (health.status !== 0) this.listeningAt ??= Date.now();
      if (health.status === 200) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    // which check was still down (or that nothing listened yet) says where the start-up time went
    throw new Error(
      `${this.app} not healthy within ${timeoutMs} ms (${this.listeningAt === undefined ? 'never listened' : `listening after ${this.listeningAt - (this.startedAt ?? 0)} ms`}; last /health: ${last.status} ${last.body.slice(0, 500)}):\n${this.output}`,
    );
  }

  /** kill -9: no shutdown hooks, no final commit. */
  kill9(): Promise<void> {
    return this.stop('SIGKILL');
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    // a process ended by a signal (kill -9) has signalCode set and exitCode null
    if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      c.once('exit', () => resolve());
      c.kill(signal);
    });
  }
}

/** The ingest service process. */
export class IngestProcess extends ServiceProcess {
  constructor(port: number, env: Record<string, string>, nodeArgs: string[] = [], runtimeDir?: string) {
    super('ingest', port, env, nodeArgs, runtimeDir);
  }
}
