// Not a server: makes the cached keda-formula binary available to the chart suite as
// KEDA_FORMULA_BIN (the scalingModifiers formula evaluated by KEDA's own expression library),
// so the suite runner skips (laptop) or fails (CI) the suite loudly when it cannot be built.
import { ensureKedaFormula } from '../tools/keda-formula.mjs';

export async function start() {
  return { env: { KEDA_FORMULA_BIN: ensureKedaFormula() }, stop: async () => {} };
}
