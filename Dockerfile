# d1 with its embedded Jupyter Server (Debian's jupyter-server and ipykernel), on the active Node.js LTS line.
# The packages and build steps are those of scripts/setup.sh. Give the secret by file (a Docker secret mounted at
# /run/secrets/d1, with D1_SECRET_TOKEN_FILE=/run/secrets/d1) or by environment, never on the command line.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      jupyter-server jupyter-client python3-ipykernel python3-nbformat python3-jupyter-client tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY apps/d1/assets ./apps/d1/assets
COPY bin ./bin
RUN useradd --create-home --uid 1000 d1 && mkdir -p /notebooks && chown d1:d1 /notebooks
USER d1
ENV D1_HOST=0.0.0.0 D1_PORT=8000 D1_ROOT_DIR=/notebooks
EXPOSE 8000
VOLUME ["/notebooks"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD node -e "fetch('http://127.0.0.1:8000/livez').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/start-d1"]
