# syntax=docker/dockerfile:1
# aifb in one image: `worker`, `api` and every CLI command are commands of it
# (ENTRYPOINT is the `aifb` command): `docker run IMAGE worker`, `... api`, `... list`.
# The job bundles and single executables (`npm run build`: dist/loadgen.mjs, simulator.mjs,
# aifb-loadgen, aifb-simulator) are built inside, so the worker uploads them to Slurm jobs.
# Debian (glibc), not Alpine: the single executables are copies of this image's node binary and
# run on the compute nodes, which have glibc, not musl. The SSH key and known_hosts are mounted
# at run time (docker-compose.yml, deploy/k8s/), never copied in. Pins: deploy/images.txt.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
# Then only what runs: production dependencies, and of Temporal's native core bridge (shipped
# for five platforms, ~140 MB) only this image's own.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf dist/sea \
 && keep="$(node -p "({ x64: 'x86_64', arm64: 'aarch64' })[process.arch]")-unknown-linux-gnu" \
 && find node_modules/@temporalio/core-bridge/releases -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +

FROM ${NODE_IMAGE}
# A fixed non-root user: the mounted SSH key must be readable by uid 10001 (deploy/README.md).
RUN groupadd --gid 10001 aifb \
 && useradd --uid 10001 --gid aifb --home-dir /home/aifb --create-home --shell /usr/sbin/nologin aifb \
 && install -d -o aifb -g aifb -m 0700 /home/aifb/.ssh \
 && install -d -o aifb -g aifb /data
WORKDIR /app
# Owned by root, read-only to aifb: the code cannot be changed by what it runs.
COPY --from=build /app /app
ENV NODE_ENV=production \
    HOME=/home/aifb \
    AIFB_DATA_DIR=/data \
    AIFB_DIST_DIR=/app/dist
USER aifb
# Worker: its /metrics answers; API: GET /health answers 200; a CLI command: nothing to check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "/app/deploy/docker/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/bin/aifb.mjs"]
CMD ["--help"]
