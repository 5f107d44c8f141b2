import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Subscription } from 'rxjs';
import { SqsStatus } from '../sqs/sqs.events.js';
import {
  DEFAULT_CHECK_TIMEOUT_MS,
  DEFAULT_HEALTH_CACHE_MS,
  DEFAULT_LIVENESS_SLACK_MS,
  errorMessage,
  HEALTH_OPTIONS,
  type HealthOptions,
  withTimeout,
} from './health.options.js';
import { SQS_SERVER_TOKEN, type SqsServerLike } from './sqs-server-like.js';
import { TtlCache } from './ttl-cache.js';

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
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Up while the server is Connected, or in Error but its queue still answers. */
  async isReady(key = 'sqs'): Promise<HealthIndicatorResult> {
    const snapshot = this.server.getSnapshot();
    const status = this.track(snapshot.status);
    const session = this.health.check(key);
    const facts = {
      server: status,
      inFlight: snapshot.inFlight,
      buffered: snapshot.buffered,
      lastSuccessAt: iso(snapshot.lastSuccessAt),
    };
    if (status === SqsStatus.Connected) return session.up(facts);
    if (status !== SqsStatus.Error) {
      return session.down({ ...facts, reason: NOT_READY_REASONS[status] ?? `server status is ${status}` });
    }
    try {
      await this.probeCache.get(() => this.probeQueue());
      return session.up({ ...facts, lastError: snapshot.lastError, probe: 'GetQueueAttributes answered' });
    } catch (err) {
      return session.down({ ...facts, reason: `last SQS call failed: ${snapshot.lastError ?? 'unknown error'}; GetQueueAttributes: ${errorMessage(err)}` });
    }
  }

  /**
   * Down only when the receiver loop is stuck: running (Connected or Error) but silent for
   * longer than twice the long poll plus slack, with room in the worker pool (a full pool
   * pausing intake is back pressure, not a hang).
   */
  isLive(key = 'receiver'): HealthIndicatorResult {
    const snapshot = this.server.getSnapshot();
    const status = this.track(snapshot.status);
    const session = this.health.check(key);
    const running = status === SqsStatus.Connected || status === SqsStatus.Error || status === SqsStatus.Connecting;
    const limitMs = Math.max(2 * snapshot.waitTimeSeconds * 1_000, 1_000) + (this.options.livenessSlackMs ?? DEFAULT_LIVENESS_SLACK_MS);
    const lastTick = Math.max(snapshot.lastReceiveTickAt ?? 0, this.statusSince);
    const silentMs = this.now() - lastTick;
    const facts = { server: status, lastReceiveTickAt: iso(snapshot.lastReceiveTickAt), silentMs, limitMs };
    const poolFull = snapshot.inFlight >= snapshot.concurrency && snapshot.buffered > 0;
    if (running && silentMs > limitMs && !poolFull) {
      return session.down({ ...facts, reason: `the receiver loop has not ticked for ${Math.round(silentMs / 1000)} s` });
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
      client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal: AbortSignal.timeout(timeoutMs) }),
      timeoutMs,
      'GetQueueAttributes',
    );
  }
}

function iso(epochMs: number | undefined): string | undefined {
  return epochMs === undefined ? undefined : new Date(epochMs).toISOString();
}
