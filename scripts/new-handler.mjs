#!/usr/bin/env node
// `npm run new:handler -- <folder> <pattern>`: writes src/<folder>/ with a module, a controller
// on @SqsEventPattern, a service, a class-validator DTO and a test-kit spec, and registers the
// module in AppModule, so that a first handler passes lint and its spec as generated. The files
// follow src/users/ (the model to copy): patterns in the controller, logic in the service,
// validation messages that never echo values.
//
// Usage: npm run new:handler -- orders order.created [--root <dir>]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { handlerFiles } from './lib/handler-templates.mjs';

const USAGE = `Usage: npm run new:handler -- <folder> <pattern> [--root <dir>]

  <folder>   the module's folder under src/, lower-case words joined by "-" (orders, billing-events)
  <pattern>  the message pattern it handles, lower-case words joined by "." "-" or "_" (order.created)
  --root     the repository to write into (default: the current directory)
  --help     this text

Writes src/<folder>/ (module, controller, service, DTO, spec) and adds the module to the imports
of AppModule (src/app.module.ts). Then: npm run lint && npm test -- unit`;

const FOLDER = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const PATTERN = /^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)*$/;
// Folders of the service itself (and ones that would shadow a file of src/).
const RESERVED = new Set(['sqs', 'config', 'health', 'metrics', 'logging', 'users', 'cli', 'dev', 'lifecycle', 'app']);

/** A usage error: one line on stderr, exit 2. */
class UsageError extends Error {}

function parse(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean' }, root: { type: 'string' } },
  });
  if (values.help) return { help: true };
  const [folder, pattern, ...extra] = positionals;
  if (!folder || !pattern || extra.length > 0)
    throw new UsageError('expected exactly two arguments: <folder> <pattern>');
  if (!FOLDER.test(folder))
    throw new UsageError(`folder "${folder}" must be lower-case words joined by "-", such as orders`);
  if (RESERVED.has(folder))
    throw new UsageError(`folder "${folder}" belongs to the service itself; choose another name`);
  if (!PATTERN.test(pattern)) {
    throw new UsageError(
      `pattern "${pattern}" must be lower-case words joined by ".", "-" or "_", such as order.created`,
    );
  }
  return { folder, pattern, root: resolve(values.root ?? '.') };
}

/** Adds `import { X } from './folder/folder.module.js'` and `X,` to AppModule's imports. */
function registerModule(root, folder, moduleClass) {
  const path = join(root, 'src/app.module.ts');
  const source = readFileSync(path, 'utf8');
  const importLine = `import { ${moduleClass} } from './${folder}/${folder}.module.js';`;
  const list = /(\n(\s*)imports: \[\n[\s\S]*?)(\n\s*\],)/.exec(source);
  if (!list) throw new Error(`${path}: no "imports: [" list found; add ${moduleClass} to AppModule by hand`);
  const entryIndent = `${list[2]}  `;
  let updated = source.replace(list[0], `${list[1]}\n${entryIndent}${moduleClass},${list[3]}`);
  const lastImport = [...updated.matchAll(/^import [\s\S]*?;$/gm)].at(-1);
  const at = lastImport.index + lastImport[0].length;
  updated = `${updated.slice(0, at)}\n${importLine}${updated.slice(at)}`;
  writeFileSync(path, updated);
}

/** Lets the lint rule that keeps the transport out of application folders know the new one. */
function registerLintFolder(root, folder) {
  const path = join(root, 'eslint.config.mjs');
  const source = readFileSync(path, 'utf8');
  const updated = source.replace(
    /(const APP_FOLDERS = \[[^\]]*?)(\];)/,
    (_, list, end) => `${list}, '${folder}'${end}`,
  );
  if (updated === source) console.warn(`eslint.config.mjs: APP_FOLDERS not found; add '${folder}' by hand`);
  else writeFileSync(path, updated);
}

function main(argv) {
  const args = parse(argv);
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const dir = join(args.root, 'src', args.folder);
  if (existsSync(dir)) throw new UsageError(`src/${args.folder} exists already; choose another folder`);
  const files = handlerFiles(args.folder, args.pattern);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files.sources)) writeFileSync(join(dir, name), text);
  registerModule(args.root, args.folder, files.moduleClass);
  registerLintFolder(args.root, args.folder);
  console.log(
    `wrote src/${args.folder}/ (${Object.keys(files.sources).join(', ')}) and registered ${files.moduleClass}`,
  );
  console.log('next: fill in the DTO and the service, then npm run lint && npm test -- unit');
}

try {
  main(process.argv.slice(2));
} catch (err) {
  const usage = err instanceof UsageError || err?.code?.startsWith?.('ERR_PARSE_ARGS');
  // Node's own parse errors run to several sentences; one line is enough.
  const message = err instanceof Error ? err.message.split('. ')[0] : String(err);
  console.error(`new:handler: ${message}${usage ? ' (see --help)' : ''}`);
  process.exit(usage ? 2 : 1);
}
