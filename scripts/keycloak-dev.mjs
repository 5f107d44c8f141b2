#!/usr/bin/env node
// `npm run keycloak:dev`: the Keycloak of the test suites, for local development, on
// http://127.0.0.1:8080 with realm `nest-sqs-worker` and the confidential client
// `nest-sqs-worker` / secret `local-dev-secret` (the KEYCLOAK_* defaults of .env.example).
// The database is in memory: users created while it runs are gone after Ctrl-C.
//
// Environment: KEYCLOAK_DEV_PORT (8080), KEYCLOAK_DEV_MANAGEMENT_PORT (9000),
// KC_BOOTSTRAP_ADMIN_USERNAME / KC_BOOTSTRAP_ADMIN_PASSWORD (admin / admin),
// KEYCLOAK_CLIENT_SECRET (local-dev-secret), KEYCLOAK_JAVA_HOME (a JDK 21+).
import { launch, provision, CLIENT_ID, REALM } from './servers/keycloak.mjs';

const port = Number(process.env.KEYCLOAK_DEV_PORT ?? 8080);
const managementPort = Number(process.env.KEYCLOAK_DEV_MANAGEMENT_PORT ?? 9000);
const adminUser = process.env.KC_BOOTSTRAP_ADMIN_USERNAME ?? 'admin';
const adminPassword = process.env.KC_BOOTSTRAP_ADMIN_PASSWORD ?? 'admin';
const clientSecret = process.env.KEYCLOAK_CLIENT_SECRET ?? 'local-dev-secret';

const started = Date.now();
console.log('[keycloak:dev] provisioning (first run: download and warm-up, about a minute)');
const { dist, version, javaHome, cdsArchive } = await provision();
console.log(`[keycloak:dev] starting Keycloak ${version} from ${dist} with ${javaHome}`);
const server = await launch({
  dist,
  javaHome,
  cdsArchive,
  port,
  managementPort,
  clientSecret,
  adminUser,
  adminPassword,
  logFile: 'inherit',
}).catch((err) => {
  console.error(`[keycloak:dev] ${err instanceof Error ? err.message : err}`);
  console.error(
    `[keycloak:dev] is something else listening on ${port} or ${managementPort}? Set KEYCLOAK_DEV_PORT / KEYCLOAK_DEV_MANAGEMENT_PORT.`,
  );
  process.exit(1);
});
console.log(`
[keycloak:dev] ready in ${((Date.now() - started) / 1000).toFixed(1)} s
  admin console  ${server.url}/admin/master/console/#/${REALM}/users   (${adminUser} / ${adminPassword === 'admin' ? 'admin' : '$KC_BOOTSTRAP_ADMIN_PASSWORD'})
  for the app    KEYCLOAK_URL=${server.url} KEYCLOAK_REALM=${REALM} KEYCLOAK_CLIENT_ID=${CLIENT_ID} KEYCLOAK_CLIENT_SECRET=<as set>
  Ctrl-C stops it (the in-memory database goes with it).
`);
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  server.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
