# syntax=docker/dockerfile:1
# escalatord container image. Two stages: the build stage has the TypeScript toolchain, the runtime stage
# only production dependencies and the compiled output, so the image carries no compiler or test tools.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_VERSION}-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Sources travel with the build: source maps point at them, and static assets (the web dashboard) live there.
COPY --from=build /app/src ./src
COPY config ./config
# A dedicated, numeric, non-root user: Kubernetes' runAsNonRoot can only verify a numeric UID.
RUN groupadd --system --gid 10001 escalatord \
 && useradd --system --uid 10001 --gid escalatord --home-dir /var/lib/escalatord --shell /usr/sbin/nologin escalatord \
 && mkdir -p /var/lib/escalatord /etc/escalatord \
 && chown escalatord:escalatord /var/lib/escalatord
# The container default runs without the simulators and takes its secrets from the environment.
COPY deploy/docker/config.yaml /etc/escalatord/config.yaml
# The store (one lowdb JSON file and its lock) lives here; it must survive the container.
VOLUME /var/lib/escalatord
USER 10001:10001
EXPOSE 8080
# slim has no curl: probe with node's own fetch. The port follows ESCALATORD_SERVER__PORT when it is set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ESCALATORD_SERVER__PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The daemon handles SIGTERM itself (drains and closes the store), so node may run as PID 1.
STOPSIGNAL SIGTERM
# A bounded heap: V8 otherwise lets garbage pile up to a large share of the container (see README, Performance).
CMD ["node", "--max-old-space-size=512", "--max-semi-space-size=16", "dist/main.js", "--config", "/etc/escalatord/config.yaml"]
