// Not a server: makes the cached helm binary available to the chart suite as HELM_BIN, so the
// suite runner skips (laptop) or fails (CI) the suite loudly when helm cannot be built.
import { ensureHelm } from '../tools/helm.mjs';

export async function start() {
  return { env: { HELM_BIN: await ensureHelm() }, stop: async () => {} };
}
