import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { killAllSync } from '@d1/supervisor';
import { ConfigError, SECRET_ENV_VARS, helpText, parseConfig } from './config';
import { createApp } from './main';
import { d1VersionString } from './common/version';

/** start-d1: flags and env to a validated config, then the server; exit 2 on bad flags. */
export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  let config;
  try {
    config = parseConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`start-d1: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  if (config === 'version') {
    process.stdout.write(`${d1VersionString()}\n`);
    return;
  }
  // Children (Jupyter Server, its kernels, proxied servers) inherit process.env: they get none of d1's secrets.
  for (const name of SECRET_ENV_VARS) delete process.env[name];
  const logger = new Logger('d1');
  const started = Date.now();
  const app = await createApp(config);
  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) {
      killAllSync();
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received, shutting down`);
    app
      .close()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        logger.error(`shutdown failed: ${err.message}`);
        killAllSync();
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(
    `d1 listening on http://${config.host}:${port} (root ${config.rootDir}), ready in ${Date.now() - started} ms`,
  );
}

if (require.main === module) {
  run(process.argv.slice(2), process.env).catch((err: Error) => {
    process.stderr.write(`start-d1: ${err.message}\n`);
    killAllSync();
    process.exit(1);
  });
}
