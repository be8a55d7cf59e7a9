/**
 * Prometheus metrics (prom-client), one registry per server so several
 * servers in one process (tests) never collide. HTTP only (`/metrics`): over
 * stdio nothing could read them, so neither this module nor prom-client is loaded.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Denial, TapedeckApi, WorkerEvent } from '../app/types.js';
import type { CallMetrics } from './mcp-server.js';

export type RejectionReason = 'host' | 'origin' | 'unauthorized' | 'forbidden' | 'rate-limited' | 'body-too-large' | 'shutting-down';

export class Metrics implements CallMetrics {
  readonly registry = new Registry();
  private readonly calls: Counter<'component' | 'tool' | 'outcome'>;
  private readonly duration: Histogram<'component' | 'tool'>;
  private readonly denials: Counter<'component' | 'kind'>;
  private readonly restarts: Counter<'component'>;
  private readonly rejections: Counter<'reason'>;
  private readonly children = new Map<string, Counter.Internal | Histogram.Internal<'component' | 'tool'>>();
  private readonly onWorker = (event: WorkerEvent) => {
    if (event.event === 'replace') this.restarts.inc({ component: event.componentId });
  };

  constructor(private readonly deck: TapedeckApi, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.calls = new Counter({
      name: 'tapedeck_tool_calls_total',
      help: 'Tool calls by component, tool and outcome (ok, guest-error, invalid-arguments, trap, timeout, exit, out-of-memory, busy, error, not-found, disabled)',
      labelNames: ['component', 'tool', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'tapedeck_tool_call_duration_seconds',
      help: 'Tool call duration in seconds, as seen by the MCP server',
      labelNames: ['component', 'tool'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.denials = new Counter({
      name: 'tapedeck_denials_total',
      help: 'Accesses refused by the sandbox policy, by component and kind (network, storage, environment, memory, socket)',
      labelNames: ['component', 'kind'],
      registers,
    });
    this.restarts = new Counter({
      name: 'tapedeck_worker_restarts_total',
      help: 'Component workers replaced after a trap, exit, timeout or out-of-memory',
      labelNames: ['component'],
      registers,
    });
    this.rejections = new Counter({
      name: 'tapedeck_http_rejections_total',
      help: 'HTTP requests refused before reaching MCP, by reason',
      labelNames: ['reason'],
      registers,
    });
    const deckRef = this.deck;
    new Gauge({
      name: 'tapedeck_components_loaded',
      help: 'Components currently loaded',
      registers,
      collect() {
        this.set(deckRef.listComponents().length);
      },
    });
    new Gauge({
      name: 'tapedeck_tools_available',
      help: 'Tools exported by loaded components (built-in tools not counted)',
      registers,
      collect() {
        this.set(deckRef.listTools().length);
      },
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'tapedeck_' });
    deck.on('worker', this.onWorker);
  }

  toolCall(component: string, tool: string, outcome: string, seconds: number, denials: Denial[] = []): void {
    this.series(component, tool, outcome).inc();
    this.series(component, tool).observe(seconds);
    for (const d of denials) this.denials.inc({ component, kind: d.kind });
  }

  /**
   * The labelled child of the call counter (with `outcome`) or of the
   * duration histogram, looked up once per label set: prom-client hashes the
   * label object on every `inc({...})`, a measurable part of a warm call.
   */
  private series(component: string, tool: string): Histogram.Internal<'component' | 'tool'>;
  private series(component: string, tool: string, outcome: string): Counter.Internal;
  private series(component: string, tool: string, outcome?: string): Counter.Internal | Histogram.Internal<'component' | 'tool'> {
    const key = `${component}\0${tool}\0${outcome ?? ''}`;
    let child = this.children.get(key);
    if (!child) {
      child = outcome === undefined ? this.duration.labels({ component, tool }) : this.calls.labels({ component, tool, outcome });
      // Bounded by what the label sets themselves are bounded by (loaded tools x outcomes).
      if (this.children.size > 10_000) this.children.clear();
      this.children.set(key, child);
    }
    return child;
  }

  rejection(reason: RejectionReason): void {
    this.rejections.inc({ reason });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  dispose(): void {
    this.deck.off('worker', this.onWorker);
    this.registry.clear();
  }
}
