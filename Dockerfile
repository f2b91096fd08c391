# The bus image: built with dev dependencies, run with production ones only, as an unprivileged user.
# `docker build -t bpi-bus .` then see README.md "Deploying". scripts/ci/check-image-layout.sh
# reproduces this layout without a container engine; keep the two in step (it reads CMD and
# HEALTHCHECK from this file).

# Build stage: compiles the bus.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# Production dependencies only (a stage of its own, so a source change does not reinstall them).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3000 BUS_CONFIG=config/bus.yaml BUS_DATA_DIR=/data LOG_FORMAT=json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
# The embedded store writes here; owned by the user the bus runs as (a named volume inherits it).
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# No curl in node images: node itself asks for readiness (broker connected, config loaded).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/bus/apps/bus/src/main.js"]
