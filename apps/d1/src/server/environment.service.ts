import { Inject, Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import * as os from 'node:os';
import { promisify } from 'node:util';
import { D1_CONFIG, D1Config } from '../app-config';
import { d1Version } from '../common/version';

/** Names of environment variables and config fields that may hold credentials: never reported. */
const SECRET_NAME = /token|secret|password|passwd|key|credential|auth/i;

interface PythonInfo {
  version: string;
  executable: string;
  pythonpath: string[];
  version_info: { major: number; minor: number; micro: number; releaselevel: string; serial: number };
}

const PYTHON_PROBE =
  'import json,sys; v=sys.version_info; print(json.dumps({"version": sys.version, "executable": sys.executable,' +
  ' "pythonpath": sys.path, "version_info": {"major": v.major, "minor": v.minor, "micro": v.micro,' +
  ' "releaselevel": v.releaselevel, "serial": v.serial}}))';

/** d1's GET /server/environment: the machine, the Python the kernels run on, this process, its config. */
@Injectable()
export class EnvironmentService {
  private python: Promise<PythonInfo | null> | null = null;

  constructor(@Inject(D1_CONFIG) private readonly config: D1Config) {}

  /** The environment report, with every credential left out. */
  async info(): Promise<Record<string, unknown>> {
    return redactValues({
      os: this.os(),
      python: { ...((await this.pythonInfo()) ?? {}), packages: [] },
      node: { version: process.version },
      process: {
        argv: redactArgv(process.argv),
        cwd: process.cwd(),
        user: os.userInfo().username,
        pid: process.pid,
        environ: redact(this.config.childEnv),
      },
      config: redact(this.config as unknown as Record<string, unknown>, ['childEnv']),
      cores: os.cpus().length,
      version: d1Version(),
    }) as Record<string, unknown>;
  }

  private os(): Record<string, unknown> {
    return {
      platform: `${os.type()}-${os.release()}-${os.arch()}`,
      name: os.platform(),
      raw_name: os.type(),
      uname: {
        system: os.type(),
        node: os.hostname(),
        release: os.release(),
        version: os.version(),
        machine: os.machine(),
      },
    };
  }

  private pythonInfo(): Promise<PythonInfo | null> {
    this.python ??= promisify(execFile)('/usr/bin/python3', ['-c', PYTHON_PROBE], { timeout: 10_000 })
      .then(({ stdout }) => JSON.parse(stdout) as PythonInfo)
      .catch(() => {
        this.python = null;
        return null;
      });
    return this.python;
  }
}

/** `scheme://user:pass@host`: everything between `://` and the `@` is credentials (a password may hold `/`). */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s@]*@/gi;
/** `password=…`, `token: …`, `?api_key=…` inside a value (DSNs, query strings, JDBC options). */
const KEY_VALUE =
  /(\b[\w.-]*(?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key|credential)s?\s*[=:]\s*)([^\s&;,'"]+)/gi;

/** A string with the credentials it may carry (URL userinfo, password=… pairs) masked. */
export function redactText(text: string): string {
  return text.replace(URL_USERINFO, '$1***@').replace(KEY_VALUE, '$1***');
}

/** The report with credentials masked in every string value, however deep (env vars, argv, config). */
function redactValues(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValues);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValues(v)]));
  }
  return value;
}

/** A copy without credential-like names (and without the listed fields). */
function redact(values: Record<string, unknown>, omit: string[] = []): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values).filter(([k]) => !omit.includes(k) && !SECRET_NAME.test(k)),
  );
}

/** argv with the values of credential-like flags (`--secret-token S`, `--jwt-secret=S`) masked. */
function redactArgv(argv: string[]): string[] {
  return argv.map((arg, i) => {
    const eq = /^(--?[^=]+)=/.exec(arg);
    if (eq) return SECRET_NAME.test(eq[1]) ? `${eq[1]}=***` : arg;
    return i > 0 && /^--?/.test(argv[i - 1]) && SECRET_NAME.test(argv[i - 1]) ? '***' : arg;
  });
}
