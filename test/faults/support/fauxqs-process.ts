// The local SQS server of the fault suite as a process of its own, so that it keeps its
// in-memory state while consumers are killed and restarted around it. fauxqs's own CLI
// (dist/cli.js) hard-codes `logger: true` (FAUXQS_LOGGER is ignored there), which would log
// every request; this entry starts the same server quietly on loopback.
// Prints one JSON line `{"port": N}` once it listens.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: Number(process.env.FAUXQS_PORT ?? 0), host: '127.0.0.1', logger: false });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
const stop = (): void => void server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
