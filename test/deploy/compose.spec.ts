// compose.yaml cannot run here (no Docker engine), so this at least parses it and keeps the
// worker's environment in step with .env.example: every variable set there is set here, and
// nothing here is unknown to the app.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

const ROOT = process.cwd();

function envExample(): { set: string[]; all: Set<string> } {
  const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
  const names = (re: RegExp) => lines.map((l) => re.exec(l)?.[1]).filter((k): k is string => !!k);
  return { set: names(/^([A-Z][A-Z0-9_]*)=/), all: new Set(names(/^#? ?([A-Z][A-Z0-9_]*)=/)) };
}

describe('compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'));
  const worker = compose.services.worker;
  const env = worker.environment as Record<string, string>;

  it('runs the worker from the Dockerfile runtime stage, with ElasticMQ and Keycloak', () => {
    assert.equal(worker.build.target, 'runtime');
    assert.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /^FROM \S+ AS runtime$/m);
    assert.ok(compose.services.elasticmq && compose.services.keycloak);
    assert.ok(
      Object.values(compose.services).every((s: any) =>
        typeof s.image === 'string' ? !s.image.endsWith(':latest') : true,
      ),
    );
  });

  it('sets every variable .env.example sets, and none it does not know', () => {
    const { set, all } = envExample();
    for (const key of set) assert.ok(key in env, `compose worker is missing ${key}`);
    for (const key of Object.keys(env)) assert.ok(all.has(key), `compose worker sets ${key}, unknown to .env.example`);
    for (const value of Object.values(env)) assert.equal(typeof value, 'string', 'quote numbers and booleans');
  });

  it('points the worker at the queues ElasticMQ creates and the realm Keycloak imports', () => {
    const emq = compose.configs.elasticmq.content as string;
    for (const url of [env.SQS_QUEUE_URL, env.SQS_DLQ_URL]) {
      assert.ok(url.startsWith(`${env.SQS_ENDPOINT}/000000000000/`), url);
      assert.match(emq, new RegExp(`^\\s*${url.split('/').pop()} \\{`, 'm'));
    }
    const realm = JSON.parse(compose.configs.realm.content as string);
    assert.equal(realm.realm, env.KEYCLOAK_REALM);
    const client = realm.clients.find((c: any) => c.clientId === env.KEYCLOAK_CLIENT_ID);
    assert.equal(client?.secret, env.KEYCLOAK_CLIENT_SECRET);
    assert.equal(client.serviceAccountsEnabled, true);
    assert.equal(env.APP_ENV, 'local');
  });

  it('gives the container more time to stop than the app drains', () => {
    assert.ok(parseInt(worker.stop_grace_period, 10) > Number(env.SQS_SHUTDOWN_GRACE_SECONDS));
  });
});
