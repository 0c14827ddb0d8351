# syntax=docker/dockerfile:1
# s3x: the Slack app (HTTP on $PORT: POST /slack/events, GET /healthz), in two stages.
#   docker build -t s3x .
#   docker run --read-only --tmpfs /tmp -v s3x-data:/data -p 3000:3000 --env-file .env s3x
# Checked by test/dockerfile.test.ts.
#
# Base image: Node 22 LTS on Debian bookworm, an exact version tag. At release, pin the digest
# as well (FROM node:22.23.4-bookworm-slim@sha256:…, from `docker buildx imagetools inspect`),
# in both stages, so a rebuild cannot pick up a different image under the same tag.
#
# Architecture: package-lock.json currently resolves DuckDB's native binding only for linux-x64
# (@duckdb/node-bindings-linux-x64), so build for linux/amd64 (`--platform linux/amd64`) until
# the lockfile also carries the linux-arm64 entry. The import check below fails the build if the
# binding for the build platform is missing.

FROM node:22.23.4-bookworm-slim AS build
WORKDIR /app
# npm in this image is npm 10, which runs dependency install scripts (only esbuild, a dev
# dependency, has one). package.json has no prepare/install script of its own.
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
    PORT=3000
WORKDIR /app
# Production dependencies only. No dependency needs an install script: @duckdb/node-api gets its
# binary from an optional per-platform package, so plain `npm ci --omit=dev` is enough.
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Writable at run time: /data (S3X_DATA_DIR: sample logs, local signing secret) and /tmp only.
# The code stays root-owned and read-only to the app. DuckDB spills to `.tmp` under the working
# directory when a query outgrows memory: point that at /tmp so a read-only root still works.
RUN mkdir -p /data \
    && chown node:node /data \
    && ln -s /tmp /app/.tmp
VOLUME /data
USER node
EXPOSE 3000
# No curl in slim images: Node's fetch. $PORT is read by node, not by the shell (exec form).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node directly, not `npm start`: npm's prestart (scripts/prepare.mjs) would try to install and
# compile inside the container. The image's docker-entrypoint.sh execs node, so node gets
# SIGTERM itself and main.ts stops Bolt and DuckDB cleanly.
CMD ["node", "dist/main.js"]
