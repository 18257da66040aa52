# One image for every Koppelmij service; docker-compose.yml picks the service per container.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-bookworm-slim
ENV NODE_ENV=production PNPM_HOME=/usr/local/pnpm PATH=/usr/local/pnpm:$PATH
RUN npm install -g pnpm@10.34.9
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
COPY test/package.json ./test/package.json
COPY deploy ./deploy
RUN pnpm install --frozen-lockfile --prod=false --ignore-scripts
# never as root
USER node
# e.g. SERVICE=dva-auth
ENV SERVICE=pgo HOST=0.0.0.0
# `exec` makes node PID 1; each service's main.ts handles SIGTERM itself (drain, exit 0; docs/decisions.md I81)
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "exec node --conditions=@koppelmij/source services/$SERVICE/src/main.ts"]
