// `npm run docs:config`: regenerates docs/configuration.md from the env schema.
import { writeFileSync } from 'node:fs';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from './config-reference.js';

writeFileSync(CONFIG_REFERENCE_PATH, renderConfigReference());
console.log(`wrote ${CONFIG_REFERENCE_PATH}`);
