# syntax=docker/dockerfile:1
# Three stages: `build` compiles with the dev dependencies, `dependencies` installs the production
# ones, and `runtime` is distroless Node 24 (no shell, no npm/npx, no package manager) holding
# package.json (for "type": "module"), those production modules and dist/ as compiled by
# tsconfig.image.json: no dev tools, no test kit, no source maps, no build info.
# test/deploy/runtime-stage.e2e-spec.ts replays these steps without Docker and checks the
# runtime files; keep the two in step.
#
# Both bases are pinned by digest. These digests were taken from public Dockerfiles that pin the
# same tags; they could not be checked against the registries from where this was written.
# Re-pin before a release, e.g. `crane digest gcr.io/distroless/nodejs24-debian12:nonroot` and
# `crane digest node:24-bookworm-slim`, and let dependency updates bump them.
ARG BUILD_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency runs code at install: none of them has an install script (the deploy suite
# checks the lockfile), and the project's own preinstall only checks the Node version.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.image.json ./
COPY src ./src
RUN npx tsc -p tsconfig.image.json

FROM ${BUILD_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json ./
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# distroless's unprivileged "nonroot" user (UID/GID 65532, the chart's runAsUser). No secret and
# no .env is baked in: configuration comes from the environment at run time.
USER 65532:65532
EXPOSE 3000
# The image's entrypoint is node itself (/nodejs/bin/node), PID 1, receiving SIGTERM; the app
# drains on it (SQS_SHUTDOWN_GRACE_SECONDS). The dead-letter command: args dist/cli/dlq.js ...
STOPSIGNAL SIGTERM
# --max-semi-space-size=8: V8 grows the young generation to 64 MB under load and keeps it; capped at
# 2 x 8 MB, RSS stays flat near 150 MB at the same throughput and CPU (npm run bench, W1 and W6;
# see docs/performance.md). A flag on the command line, not in NODE_OPTIONS, so that a NODE_OPTIONS
# the deployment sets (the chart's extraEnv, e.g. --max-old-space-size) adds to it instead of
# silently replacing it. `npm start` runs the same flags (a deploy spec keeps the two in step).
CMD ["--max-semi-space-size=8", "dist/main.js"]
