# syntax=docker/dockerfile:1
# s3x: the Slack app (HTTP on $PORT: POST /slack/events, GET /healthz), in two stages.
#   docker build --platform linux/amd64 -t s3x .
#   docker run --read-only --tmpfs /tmp -v s3x-data:/data -p 3000:3000 --env-file .env s3x
# Checked by test/dockerfile.test.ts. Deploying it (ECS on Fargate, EKS): docs/DEPLOY.md.
#
# Base image: Node 22 LTS on Debian bookworm, an exact version tag. At release, pin the digest
# as well (FROM node:22.23.4-bookworm-slim@sha256:…, from `docker buildx imagetools inspect`),
# in both stages, so a rebuild cannot pick up a different image under the same tag.
#
# Architecture: build for linux/amd64 (`--platform linux/amd64`), the only platform whose native
# modules (DuckDB, better-sqlite3) have been run. package-lock.json also lists DuckDB's
# linux-arm64 binding, but an arm64 image is untried. The import check below fails the build if
# a native module does not load on the build platform.

FROM node:22.23.4-bookworm-slim AS build
# better-sqlite3's install script downloads a prebuilt binary and falls back to compiling SQLite
# with node-gyp, which needs these (slim images have no compiler). Build stage only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# npm 10 runs dependency install scripts: better-sqlite3 (native addon) and esbuild (a dev
# dependency). package.json has no prepare/install script of its own.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json
# Production dependencies only, native addons included (built here, where the compilers are).
RUN npm prune --omit=dev \
    && node --input-type=module -e "await import('@duckdb/node-api'); await import('better-sqlite3')"

FROM node:22.23.4-bookworm-slim AS runtime
ENV NODE_ENV=production \
    S3X_DATA_DIR=/data \
    TMPDIR=/tmp \
    PORT=3000
WORKDIR /app
# The pruned node_modules comes from the build stage, native addons compiled for this same base
# image. package.json is needed at run time ("type": "module").
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Read-only root filesystem: s3x writes only to S3X_DATA_DIR (s3x.sqlite and its -wal/-shm/
# -journal files, sample logs, the local signing secret) and to the temp dir. DuckDB's
# temp_directory is an os.tmpdir()/s3x-duckdb-* folder per engine (src/engines/local/scratch-duckdb.ts); SQLite puts its
# temp files under TMPDIR. The code stays root-owned, so the app cannot change it.
# Both writable paths are VOLUMEs: a bind mount at the same path (ECS on Fargate, which has no
# tmpfs) then starts with the owner and mode set here: /data owned by node, /tmp 1777.
RUN mkdir -p /data \
    && chown node:node /data \
    && chmod 0750 /data \
    && chmod 1777 /tmp
VOLUME ["/data", "/tmp"]
USER node
EXPOSE 3000
# No curl in slim images: Node's fetch. $PORT is read by node, not by the shell (exec form).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# On SIGTERM, main.ts stops taking requests and drains in-flight work for up to
# S3X_DRAIN_TIMEOUT_SECONDS (default 25), then exits. Give the container longer than that before
# SIGKILL: `docker stop -t 40`, ECS `stopTimeout` (Fargate: at most 120), Kubernetes
# `terminationGracePeriodSeconds`.
STOPSIGNAL SIGTERM
# node directly, not `npm start`: npm's prestart (scripts/prepare.mjs) would try to install and
# compile inside the container. The image's docker-entrypoint.sh execs node, so node gets the
# stop signal itself.
CMD ["node", "dist/main.js"]
