import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { BrokenCircuitError } from 'cockatiel';
import { confirmIntervalMs, KeycloakBreaker, probeDelay } from './keycloak.breaker.js';
import { KeycloakUnavailableError } from './keycloak.errors.js';
import type { KeycloakOptions } from './keycloak.options.js';

const OPEN_MS = 150;
const FAILURES = 2;

/** A stand-in for Keycloak's realm endpoint: answers 200 or 503, and counts the probes. */
class FakeRealm {
  up = false;
  probes = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url === '/realms/test') this.probes += 1;
      res.statusCode = this.up ? 200 : 503;
      res.end('{}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

function options(url: string): KeycloakOptions {
  return {
    url,
    realm: 'test',
    clientId: 'c',
    clientSecret: 's',
    timeoutMs: 1_000,
    breaker: { failures: FAILURES, openMs: OPEN_MS },
    registration: {
      grantableRealmRoles: [],
      grantableClientRoles: [],
      grantableGroups: [],
      allowedAttributes: [],
      sendActionsEmail: false,
      stampSecret: 'unit-test-stamp-secret-of-32-characters',
    },
  };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** One outage from the handlers' side (no request is made), as a message's call would fail. */
async function failOnce(breaker: KeycloakBreaker, code = 'ECONNREFUSED'): Promise<void> {
  await assert.rejects(
    breaker.execute(() => Promise.reject(new KeycloakUnavailableError('create user', new Error(code)))),
  );
}

/** Opens the breaker with outages from the handlers' side. */
async function open(breaker: KeycloakBreaker): Promise<void> {
  for (let i = 0; i < FAILURES; i++) await failOnce(breaker);
}

describe('KeycloakBreaker: gate and probe loop', () => {
  const realm = new FakeRealm();
  before(async () => {
    Logger.overrideLogger(false);
    await realm.start();
  });
  after(() => realm.stop());

  it('marks its gate down when it opens, probes every openMs while down, and marks it up once a probe answers', async () => {
    const breaker = new KeycloakBreaker(options(realm.url));
    const changes: boolean[] = [];
    breaker.gate.onChange((down) => changes.push(down));
    try {
      realm.up = false;
      realm.probes = 0;
      const openingAt = Date.now();
      await open(breaker);
      assert.equal(breaker.state, 'open');
      assert.equal(breaker.gate.isDown, true);
      assert.match(
        breaker.gate.reason ?? '',
        /^Keycloak circuit breaker open: Keycloak create user failed: ECONNREFUSED/,
      );
      await assert.rejects(
        breaker.execute(() => Promise.resolve()),
        BrokenCircuitError,
      );

      // No calls from outside: the breaker probes on its own, once per openMs. Timers never fire
      // early, so however loaded the machine, no more than one probe per openMs since opening
      // (plus one for a timer's millisecond rounding); a probe loop without a pause would do dozens.
      await waitFor(() => realm.probes >= 3, 'three probes');
      const elapsed = Date.now() - openingAt;
      assert.ok(
        realm.probes <= Math.floor(elapsed / OPEN_MS) + 1,
        `${realm.probes} probes in ${elapsed} ms: faster than one per ${OPEN_MS} ms`,
      );
      assert.equal(breaker.gate.isDown, true, 'failed probes keep the gate down');
      assert.deepEqual(changes, [true], 'one change for the whole outage');

      // The fake answers each probe with the state at its arrival, so the first probe after this
      // line is the first that answers: the gate goes up on it, not on a later one.
      const probesBeforeUp = realm.probes;
      realm.up = true;
      await waitFor(() => !breaker.gate.isDown, 'the gate up');
      assert.equal(realm.probes - probesBeforeUp, 1, 'up on the first probe that answered');
      assert.equal(breaker.state, 'closed');
      assert.deepEqual(changes, [true, false]);
      assert.equal(breaker.snapshot().state, 'closed');
      const probes = realm.probes;
      await sleep(OPEN_MS * 2);
      assert.equal(realm.probes, probes, 'no probe while closed');
    } finally {
      breaker.onModuleDestroy();
    }
  });

  it('after one outage while closed, pings Keycloak itself until it opens: messages do not have to fail for it', async () => {
    const breaker = new KeycloakBreaker(options(realm.url));
    try {
      realm.up = false;
      realm.probes = 0;
      // One message fails; FAILURES is 2, so the breaker needs one more failure to open.
      await failOnce(breaker);
      assert.equal(breaker.state, 'closed');
      await waitFor(() => breaker.gate.isDown, 'the gate down, opened by its own ping');
      assert.ok(realm.probes >= 1, 'it pinged the realm');
    } finally {
      breaker.onModuleDestroy();
    }
  });

  it('a confirmation ping that answers ends the suspicion: one ping, the breaker stays closed', async () => {
    const breaker = new KeycloakBreaker(options(realm.url));
    try {
      realm.up = true;
      realm.probes = 0;
      await failOnce(breaker, 'ECONNRESET');
      await waitFor(() => realm.probes === 1, 'one confirmation ping');
      await sleep(confirmIntervalMs(OPEN_MS) * 4);
      assert.equal(realm.probes, 1, 'no more pings once one answered');
      assert.equal(breaker.state, 'closed');
      assert.equal(breaker.gate.isDown, false);
    } finally {
      breaker.onModuleDestroy();
    }
  });

  it('reports when the outage started, not when the last probe failed', async () => {
    const breaker = new KeycloakBreaker(options(realm.url));
    try {
      realm.up = false;
      realm.probes = 0;
      const before = Date.now();
      await open(breaker);
      const openedBy = Date.now();
      await waitFor(() => realm.probes >= 2, 'two probes');
      const snapshot = breaker.snapshot();
      assert.ok(
        snapshot.openedAt! >= before && snapshot.openedAt! <= openedBy,
        `openedAt ${snapshot.openedAt! - before} ms after the start, opened by ${openedBy - before} ms`,
      );
    } finally {
      breaker.onModuleDestroy();
    }
  });

  it('stops probing on module destroy', async () => {
    const breaker = new KeycloakBreaker(options(realm.url));
    realm.up = false;
    realm.probes = 0;
    await open(breaker);
    breaker.onModuleDestroy();
    await sleep(OPEN_MS * 3);
    assert.equal(realm.probes, 0);
  });

  it('counts a probe that cannot connect as an outage', async () => {
    const breaker = new KeycloakBreaker(options('http://127.0.0.1:9'));
    const states: string[] = [];
    breaker.onStateChange((s) => states.push(s));
    try {
      await open(breaker);
      await waitFor(() => states.filter((s) => s === 'open').length >= 2, 'a failed probe re-opening it');
      assert.equal(breaker.gate.isDown, true);
      assert.deepEqual(states.slice(0, 3), ['open', 'half-open', 'open']);
    } finally {
      breaker.onModuleDestroy();
    }
  });
});

describe('KeycloakBreaker: jittered probes', () => {
  it('waits openMs plus up to half of it, drawn at random, so a fleet does not probe in step', () => {
    assert.equal(
      probeDelay(10_000, () => 0),
      10_000,
    );
    assert.equal(
      probeDelay(10_000, () => 0.999_999),
      14_999,
    );
    const delays = new Set(Array.from({ length: 50 }, () => probeDelay(10_000)));
    assert.ok(delays.size > 10, `50 pods draw ${delays.size} distinct delays`);
    for (const d of delays) assert.ok(d >= 10_000 && d < 15_000, `${d}`);
  });
});

describe('KeycloakBreaker: start-up check', () => {
  const realm = new FakeRealm();
  before(async () => {
    Logger.overrideLogger(false);
    await realm.start();
  });
  after(() => realm.stop());

  it('a Keycloak that answers at start-up leaves the gate up', async () => {
    realm.up = true;
    const breaker = new KeycloakBreaker(options(realm.url));
    try {
      await breaker.onModuleInit();
      assert.equal(breaker.gate.isDown, false);
      assert.equal(breaker.state, 'closed');
    } finally {
      breaker.onModuleDestroy();
    }
  });

  it('one that does not starts the gate down, reports open, and marks it up once a probe answers', async () => {
    realm.up = false;
    realm.probes = 0;
    const breaker = new KeycloakBreaker(options(realm.url));
    try {
      await breaker.onModuleInit();
      assert.equal(breaker.gate.isDown, true, 'down before any message was spent');
      assert.match(breaker.gate.reason ?? '', /did not answer at start-up/);
      assert.equal(breaker.snapshot().state, 'open');
      await waitFor(() => realm.probes >= 2, 'a probe after the start-up ping');
      assert.equal(breaker.gate.isDown, true);
      realm.up = true;
      await waitFor(() => !breaker.gate.isDown, 'the gate up');
      assert.equal(breaker.state, 'closed');
    } finally {
      breaker.onModuleDestroy();
    }
  });
});
