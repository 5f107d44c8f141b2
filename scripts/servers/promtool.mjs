// Not a server: makes the cached promtool binary available to the chart suite as PROMTOOL_BIN
// (alert rule unit tests, PromQL parsing, `promtool check metrics` of the exposition), so the
// suite runner skips (laptop) or fails (CI) the suite loudly when promtool cannot be built.
import { ensurePromtool } from '../tools/promtool.mjs';

export async function start() {
  return { env: { PROMTOOL_BIN: await ensurePromtool() }, stop: async () => {} };
}
