// The orchestrator's fixed settings: where the build lives, the region and credentials of its
// own SQS client (the server counts only the consumers' requests), and its clock.
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BUILD = path.join(ROOT, '.build/bench');
export const REGION = 'us-east-1';
export const PARENT_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
export const nowMs = (): number => performance.timeOrigin + performance.now();
