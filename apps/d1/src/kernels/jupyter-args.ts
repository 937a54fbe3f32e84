import { assetPath } from '../common/assets';

/**
 * The `jupyter server` arguments of d1's embedded server (after the executable): loopback on `port` (a number,
 * or the supervisor's `{port}` template), no browser, no silent port change, iopub rate limits lifted, and
 * d1's config (TCP_NODELAY on kernel websockets). Anything that stands in for it (a gateway in tests, the
 * benchmarks' baseline) starts the same way.
 */
export function jupyterServerArgs(port: number | string, rootDir: string): string[] {
  const args = [
    'server',
    '--no-browser',
    '--ServerApp.ip=127.0.0.1',
    `--ServerApp.port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${rootDir}`,
    '--ServerApp.iopub_msg_rate_limit=0',
    '--ServerApp.iopub_data_rate_limit=0',
    `--config=${assetPath('jupyter_server_config.py')}`,
  ];
  if (process.getuid?.() === 0) args.push('--allow-root');
  return args;
}
