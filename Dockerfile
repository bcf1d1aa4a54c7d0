# The albatross controller image.
#   docker build -t albatross .
#   docker run --rm albatross --cluster-name prod --region eu-west-1
# Arguments after the image name are `albatross controller` flags (docs/operations.md).

# --- build: all dependencies, TypeScript compiled to dist/, then dev dependencies removed ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` rather than `npm ci`: npm 11 records only the build machine's optional
# binaries of some packages in the lock file, and `npm ci` refuses the lock file on another
# platform (an arm64 build, say). With the lock file present, `npm install` installs exactly
# its versions. scripts/setup.sh does the same.
RUN npm install --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --loglevel=error

# --- runtime: Node 24, production dependencies and dist/ only ---
FROM node:24-bookworm-slim
LABEL org.opencontainers.image.title="albatross" \
      org.opencontainers.image.description="Kubernetes Ingresses reconciled into AWS Application Load Balancers" \
      org.opencontainers.image.licenses="Apache-2.0"
# Nothing is written at run time, so the root filesystem may be read-only. HOME points away
# from / (a numeric user without a passwd entry would get /); nothing is written there either.
ENV NODE_ENV=production \
    HOME=/tmp \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
# package.json says "type": "module", which dist/ needs.
COPY --from=build --chown=0:0 /app/package.json ./
COPY --from=build --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /app/dist ./dist
# Files belong to root and are only read: the process cannot change its own code.
USER 65532:65532
# Metrics (/metrics) and probes (/healthz, /readyz) at the controller's default addresses.
EXPOSE 8080 8081
# Exec form: node is PID 1 and receives SIGTERM itself. The controller handles SIGTERM and
# SIGINT (stops taking work, releases its Lease, exits 0 within 30 s), and it starts no child
# processes, so no init process is needed to forward signals or reap zombies.
# --lite-mode: V8 without its optimizing compiler. The controller waits on the network, not
# the CPU, and this keeps its memory at about 195 MiB instead of 360 MiB with 2,000 Ingresses,
# 5,000 Services and 50,000 endpoints cached (docs/performance.md).
ENTRYPOINT ["node", "--lite-mode", "--enable-source-maps", "dist/cli/main.js", "controller"]
