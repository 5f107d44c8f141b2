// A real OpenTelemetry Collector for the tracing suite: OTLP over HTTP on 127.0.0.1:<free port>,
// traces and metrics written by the file exporter as OTLP JSON lines, which the spec reads. The
// binary is built once with the collector builder and cached (scripts/tools/otelcol.mjs).
//
// CLI: `node scripts/servers/otelcol.mjs run` starts one until Ctrl-C and prints its env.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '../lib/free-port.mjs';
import { stopChild, tail } from '../lib/server-process.mjs';
import { ensureOtelcol } from '../tools/otelcol.mjs';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

function config(port, dir) {
  return [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      http:',
    `        endpoint: 127.0.0.1:${port}`,
    'exporters:',
    // A short flush interval: the spec polls the files, and waits less for each write.
    '  file/traces:',
    `    path: ${join(dir, 'traces.jsonl')}`,
    '    flush_interval: 200ms',
    '  file/metrics:',
    `    path: ${join(dir, 'metrics.jsonl')}`,
    '    flush_interval: 200ms',
    'service:',
    // No self-telemetry listener: it would take port 8888, shared by every collector here.
    '  telemetry:',
    '    metrics:',
    '      level: none',
    '  pipelines:',
    '    traces:',
    '      receivers: [otlp]',
    '      exporters: [file/traces]',
    '    metrics:',
    '      receivers: [otlp]',
    '      exporters: [file/metrics]',
    '',
  ].join('\n');
}

async function launch(bin, dir) {
  const port = await freePort();
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, config(port, dir));
  const logFile = join(dir, 'otelcol.log');
  const log = openSync(logFile, 'w');
  const child = spawn(bin, [`--config=${configFile}`], { stdio: ['ignore', log, log] });
  closeSync(log);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', killOnExit);
      return { ok: false, why: `otelcol exited (${child.exitCode ?? child.signalCode}):\n${tail(logFile)}` };
    }
    if (readFileSync(logFile, 'utf8').includes('Everything is ready')) {
      return { ok: true, child, endpoint: `http://127.0.0.1:${port}`, killOnExit };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stopChild(child, STOP_TIMEOUT_MS);
  process.removeListener('exit', killOnExit);
  return { ok: false, why: `otelcol not ready within ${START_TIMEOUT_MS / 1000} s:\n${tail(logFile)}` };
}

/**
 * Builds (cached) and starts the collector. Returns `{ env, stop }`: `OTELCOL_OTLP_ENDPOINT`
 * (the base URL for `OTEL_EXPORTER_OTLP_ENDPOINT`), `OTELCOL_TRACES_FILE`, `OTELCOL_METRICS_FILE`.
 */
export async function start() {
  const bin = await ensureOtelcol();
  const dir = mkdtempSync(join(tmpdir(), 'nsw-otelcol-'));
  let launched;
  // A free port can be taken between probing and binding; try again on another one.
  for (let attempt = 0; attempt < 3; attempt++) {
    launched = await launch(bin, dir);
    if (launched.ok) break;
  }
  if (!launched.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(launched.why);
  }
  const { child, endpoint, killOnExit } = launched;
  return {
    env: {
      OTELCOL_OTLP_ENDPOINT: endpoint,
      OTELCOL_TRACES_FILE: join(dir, 'traces.jsonl'),
      OTELCOL_METRICS_FILE: join(dir, 'metrics.jsonl'),
    },
    stop: async () => {
      await stopChild(child, STOP_TIMEOUT_MS);
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await start();
  console.log(
    Object.entries(server.env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  const shutdown = () => server.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
