# syntax=docker/dockerfile:1.7
# One image per app, from this one Dockerfile: the app is the build argument APP (ingest, forecast,
# simulator, settlement, grid-api, dispatch). Each runtime image holds only that app's compiled bundle
# (dist/apps/<app>, built by `nx run <app>:build`) and the production dependencies of the lockfile
# generated beside it, run with plain node under tini. No TypeScript, no ts-node, no devDependencies.
#
#   docker build --build-arg APP=ingest -t gridwerk-ingest:dev .
#   docker run --rm gridwerk-forecast:dev dist/apps/forecast/cli.js --help
#
# Entry points (the container's args, see k8s/): dist/apps/<app>/main.js for a service,
# dist/apps/forecast/cli.js <command> for a forecast job, dist/apps/simulator/cli.js for the
# simulator CLI, dist/apps/<ingest|dispatch>/migrate.js <app> for ingest's and dispatch's migrations.
#
# Base image pinned by digest (node:20-bookworm-slim, linux/amd64 + arm64 index). The digest was
# taken from public Dockerfiles that pin the same tag (found through a code search, not pulled from
# Docker Hub here, where no engine runs): verify it before a release with
#   docker buildx imagetools inspect node:20-bookworm-slim
# and bump it deliberately (Renovate/Dependabot `docker` manager).
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0

# --- build: the whole workspace, only to compile; nothing of it reaches the runtime stage ------------
FROM ${NODE_IMAGE} AS build
ARG APP
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
ENV NX_DAEMON=false NX_NO_CLOUD=true
# type-check (esbuild only strips types), then bundle; grid-api also builds the dashboard it serves
RUN set -eu; \
    test -n "${APP}" || { echo 'build with --build-arg APP=<ingest|forecast|simulator|settlement|grid-api|dispatch>' >&2; exit 2; }; \
    npx nx run-many -t typecheck build -p "${APP}" --outputStyle=static; \
    mkdir -p /out/dist/apps; \
    cp -r "dist/apps/${APP}" /out/dist/apps/; \
    mv "/out/dist/apps/${APP}/package.json" "/out/dist/apps/${APP}/package-lock.json" /out/; \
    rm "/out/dist/apps/${APP}/meta.json"; \
    if [ "${APP}" = grid-api ]; then cp -r dist/apps/dashboard /out/dist/apps/; fi

# --- production dependencies: the app's generated lockfile, nothing else ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /out/package.json /out/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# --- runtime ----------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM to node (a CronJob pod past its deadline stops at once, not after
# the grace period) and reaps zombies. npm and corepack are not needed to run an app: removed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && groupadd --system --gid 10001 gridwerk \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin gridwerk
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only for the service user; the pods also mount the root filesystem read-only.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
# Numeric, so that Kubernetes can verify runAsNonRoot without resolving a name.
USER 10001:10001
# `node .` runs the package's main, the app's service (dist/apps/<app>/main.js); jobs pass their entry as
# args. Stack traces in TypeScript lines: NODE_OPTIONS=--enable-source-maps (the maps are in the image).
ENTRYPOINT ["/usr/bin/tini", "--", "node"]
CMD ["."]
