# syntax=docker/dockerfile:1
# (COPY --parents needs frontend 1.20 or later; docker/dockerfile:1 is the newest 1.x.)
# The auth service's image. Not built on the machine this project is developed and tested on (no
# Docker engine there): apps/server/e2e/production-install.e2e.test.ts starts the server from the
# same pruned tree (scripts/production-tree.mjs), which is what the runtime stage copies.
#
#   docker build -t authsvc .         docker compose up --build   (compose.yaml)

# Build and run on the same Debian release: better-sqlite3 and argon2 are native modules.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# A compiler, for better-sqlite3 when no prebuilt binary matches this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The npm of package.json's packageManager (the image's is older): the same lockfile handling and
# allowScripts policy as CI.
RUN npm install -g npm@11.19.1
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /src
# The manifests first (the root's workspaces), so that a change of source reuses the installed layer.
COPY package.json package-lock.json ./
COPY --parents apps/*/package.json packages/*/package.json bench/package.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
# As `npm start` builds: the server, the packages it depends on, and the web app.
RUN npx turbo run build --filter=@authsvc/server --filter=@authsvc/web --output-logs=errors-only
# The server, its workspace packages and the web app's build, pruned to production dependencies.
RUN node scripts/production-tree.mjs /app

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root, so the service cannot change its own code.
COPY --from=build /app /app
# The SQLite directory and the development outbox, when no DATABASE_URL or SMTP_URL is set.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# node, not curl: the slim image has no curl. /healthz answers while the process is up; /readyz
# (which checks the database and Redis) is for a load balancer to decide where to send requests.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: the service finishes the requests in flight and closes its pools (up to 10 s).
STOPSIGNAL SIGTERM
CMD ["node", "apps/server/dist/main.js"]
