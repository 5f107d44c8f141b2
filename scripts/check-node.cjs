// Stops npm ci, npm run dev, npm start and npm test at once on a Node other than 24, with one
// line that says what is needed and how to get it. Without it Node 20 installs with dozens of
// engine warnings and `npm run dev` dies on `No such built-in module: node:sqlite`.
// CommonJS and old syntax on purpose: this file must run on whatever Node the machine has.
'use strict';

var WANTED_MAJOR = 24;

/** The one-line complaint about `version` (such as "20.19.0"), or null when it will do. */
function nodeVersionProblem(version) {
  var major = Number(String(version).split('.')[0]);
  if (major === WANTED_MAJOR) return null;
  return (
    'nest-sqs-worker needs Node ' +
    WANTED_MAJOR +
    ' (this is Node ' +
    version +
    '): run ' +
    '`source scripts/lib/ensure-node.sh` (downloads it into ~/.cache/nest-sqs-worker; ' +
    'Linux and macOS, x64 and arm64) or `nvm install` (reads .nvmrc), then try again'
  );
}

/** Prints the complaint and exits 1 when this Node will not do. */
function exitUnlessSupported() {
  var problem = nodeVersionProblem(process.versions.node);
  if (problem) {
    process.stderr.write(problem + '\n');
    process.exit(1);
  }
}

module.exports = {
  nodeVersionProblem: nodeVersionProblem,
  exitUnlessSupported: exitUnlessSupported,
  WANTED_MAJOR: WANTED_MAJOR,
};

if (require.main === module) exitUnlessSupported();
