# syntax=docker/dockerfile:1.7
# One image for every Gridwerk service and job. The entry is chosen by the container's args (see
# k8s/): `apps/<app>/src/main.ts` for a service, `apps/forecast/src/cli.ts <command>` for a forecast
# job, `tools/k8s/migrate.ts <service>` for a migration. It runs what `npm run start:<app>` runs:
# ts-node, transpile only, with the workspace's path aliases.
#
#   docker build -t gridwerk:dev .
#   docker run --rm gridwerk:dev apps/forecast/src/cli.ts --help

ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: from the lockfile only, so this layer is cached until it changes ---------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# ts-node, typescript and tsconfig-paths are devDependencies and are needed at run time: install all.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# --- verify: ts-node only transpiles at run time, so the types are checked here -------------------
FROM deps AS verify
COPY . .
RUN set -eu; \
    for project in apps/simulator apps/ingest apps/forecast apps/settlement apps/grid-api tools; do \
      npx tsc -p "$project/tsconfig.json" --noEmit; \
    done; \
    touch /app/.typechecked

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (a CronJob pod past its deadline stops at once, not after
# the grace period) and reaps zombies.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 gridwerk \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin gridwerk
WORKDIR /app
ENV NODE_ENV=production \
    TS_NODE_TRANSPILE_ONLY=true \
    TS_NODE_PROJECT=/app/tsconfig.json
# Owned by root and read-only for the service user; the pods also mount the root filesystem read-only.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=verify /app/.typechecked ./.typechecked
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY libs ./libs
COPY apps ./apps
COPY tools/k8s ./tools/k8s
# Numeric, so that Kubernetes can verify runAsNonRoot without resolving a name.
USER 10001:10001
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--require", "ts-node/register/transpile-only", "--require", "tsconfig-paths/register"]
CMD ["apps/grid-api/src/main.ts"]
