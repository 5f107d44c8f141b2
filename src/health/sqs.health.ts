import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { type SqsPausedQueue, SqsStatus } from '../sqs/index.js';
import {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CACHE_MS,
  errorMessage,
  HEALTH_OPTIONS,
  type HealthOptions,
  livenessLimitMs,
  withTimeout,
} from './health.options.js';
import { SQS_SERVER_TOKEN, type SqsServerLike } from './sqs-server-like.js';
import { TtlCache } from './ttl-cache.js';

/** GET /health/intake: whether this pod's intake is paused, for the autoscaler. */
export interface IntakeSignal {
  /** 1 while any queue is paused (a dependency down), else 0. */
  paused: 0 | 1;
  pausedQueues: number;
  queues: number;
}

const NOT_READY_REASONS: Partial<Record<SqsStatus, string>> = {
  [SqsStatus.Connecting]: 'the server is starting: queues not checked yet',
  [SqsStatus.Draining]: 'the server is shutting down',
  [SqsStatus.Closed]: 'the server is closed',
};

/**
 * Readiness and liveness of the transport, read from the server's status stream and
 * snapshot. No SQS call of its own, except one cached `GetQueueAttributes` when the last
 * call of the server failed.
 */
@Injectable()
export class SqsHealthIndicator implements OnModuleInit, OnModuleDestroy {
  private readonly now: () => number;
  private readonly probeCache: TtlCache<void>;
  private subscription?: Subscription;
  private lastStatus?: SqsStatus;
  private statusSince: number;
  /** When intake last resumed after a pause: a resumed receiver starts its silence there. */
  private resumedAt = 0;

  constructor(
    @Inject(SQS_SERVER_TOKEN) private readonly server: SqsServerLike,
    private readonly health: HealthIndicatorService,
    @Optional() @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.probeCache = new TtlCache(options.cacheMs ?? DEFAULT_HEALTH_CACHE_MS, this.now);
    this.statusSince = this.now();
  }

  onModuleInit(): void {
    this.subscription = this.server.status.subscribe((status) => this.track(status));
    this.server.on('intake_resumed', () => (this.resumedAt = this.now()));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /**
   * Up while the server is Connected, or in Error but its queue still answers. Queues whose
   * intake is paused (a downstream is down) are listed, but a pause never makes the pod unready:
   * the messages wait in SQS and another pod would fare no better.
   */
  async isReady(key = 'sqs'): Promise<HealthIndicatorResult> {
    const snapshot = this.server.getSnapshot();
    const status = this.track(snapshot.status);
    const session = this.health.check(key);
    const facts = {
      server: status,
      inFlight: snapshot.inFlight,
      buffered: snapshot.buffered,
      lastSuccessAt: iso(snapshot.lastSuccessAt),
      ...pausedFacts(snapshot.paused),
      ...redriveFacts(snapshot.redrivePolicyUnknown),
    };
    if (status === SqsStatus.Connected) return session.up(facts);
    if (status !== SqsStatus.Error) {
      return session.down({ ...facts, reason: NOT_READY_REASONS[status] ?? `server status is ${status}` });
    }
    try {
      await this.probeCache.get(() => this.probeQueue());
      return session.up({ ...facts, lastError: snapshot.lastError, probe: 'GetQueueAttributes answered' });
    } catch (err) {
      return session.down({
        ...facts,
        reason: `last SQS call failed: ${snapshot.lastError ?? 'unknown error'}; GetQueueAttributes: ${errorMessage(err)}`,
      });
    }
  }

  /**
   * The pause signal for an autoscaler (KEDA's metrics-api trigger reads `paused`): 1 while any
   * queue's intake is paused, since a bigger backlog then means a dependency is down, not that
   * more pods could work it (docs/scaling.md). Numbers only: no URL, no reason.
   */
  intakeSignal(): IntakeSignal {
    const { paused, queues } = this.server.getSnapshot();
    return { paused: paused.length > 0 ? 1 : 0, pausedQueues: paused.length, queues };
  }

  /**
   * Down only when the receiver loop is stuck: running (Connected or Error) but silent for
   * longer than {@link livenessLimitMs}, with room in the worker pool (a full pool pausing
   * intake is back pressure, not a hang) and at least one queue not paused on purpose.
   */
  isLive(key = 'receiver'): HealthIndicatorResult {
    const snapshot = this.server.getSnapshot();
    const status = this.track(snapshot.status);
    const session = this.health.check(key);
    const running = status === SqsStatus.Connected || status === SqsStatus.Error || status === SqsStatus.Connecting;
    const limitMs = livenessLimitMs(snapshot.waitTimeSeconds, this.options.livenessSlackMs);
    const lastTick = Math.max(snapshot.lastReceiveTickAt ?? 0, this.statusSince, this.resumedAt);
    const silentMs = this.now() - lastTick;
    const facts = {
      server: status,
      lastReceiveTickAt: iso(snapshot.lastReceiveTickAt),
      silentMs,
      limitMs,
      ...pausedFacts(snapshot.paused),
    };
    const poolFull = snapshot.inFlight >= snapshot.concurrency && snapshot.buffered > 0;
    const allPaused = snapshot.paused.length > 0 && snapshot.paused.length >= snapshot.queues;
    if (running && silentMs > limitMs && !poolFull && !allPaused) {
      return session.down({
        ...facts,
        reason: `the receiver loop has not ticked for ${Math.round(silentMs / 1000)} s`,
      });
    }
    return session.up(facts);
  }

  private track(status: SqsStatus): SqsStatus {
    if (status !== this.lastStatus) {
      this.lastStatus = status;
      this.statusSince = this.now();
      if (status === SqsStatus.Connected) this.probeCache.clear();
    }
    return status;
  }

  private async probeQueue(): Promise<void> {
    const queueUrl = this.options.queueUrl;
    if (!queueUrl) throw new Error('no queue URL configured for the probe');
    const client = this.server.unwrap<SQSClient>();
    const timeoutMs = this.options.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    await withTimeout(
      client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      }),
      timeoutMs,
      'GetQueueAttributes',
    );
  }
}

/**
 * `redrivePolicy` for the response while a queue's `maxReceiveCount` is unknown (read again
 * with backoff). Reported, not a reason for 503: receiving works, another pod would fare no
 * better, and a 503 would stall a rolling deploy over a start-up blip the engine outlives.
 */
function redriveFacts(unknown: readonly string[] | undefined): { redrivePolicy?: string } {
  if (!unknown?.length) return {};
  return { redrivePolicy: `maxReceiveCount unknown for ${unknown.join(', ')}: read again with backoff` };
}

/** `paused` for the response, only when something is paused (no secrets: URLs and reasons). */
function pausedFacts(paused: readonly SqsPausedQueue[]): {
  paused?: Array<Omit<SqsPausedQueue, 'since'> & { since: string }>;
} {
  if (paused.length === 0) return {};
  return { paused: paused.map((p) => ({ ...p, since: new Date(p.since).toISOString() })) };
}

function iso(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs).toISOString();
}
