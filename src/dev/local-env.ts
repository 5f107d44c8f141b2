import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * Fills unset variables for a local run: first from `.env` if there is one, then from the safe
 * defaults of `.env.example`, so that `npm run dev` works on a fresh clone with no set-up.
 */
export function applyLocalDefaults(env: NodeJS.ProcessEnv = process.env): void {
  for (const file of ['.env', '.env.example']) {
    if (!existsSync(file)) continue;
    for (const [name, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
      if (env[name] === undefined) env[name] = value;
    }
  }
}
