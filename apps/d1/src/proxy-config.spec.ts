import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config';
import { parseProxyConfig } from './proxy-config';

const web = (server: Record<string, unknown>) => JSON.stringify({ servers: { web: server } });
const cmd = ['python3', '-m', 'http.server', '{port}'];

describe('parseProxyConfig', () => {
  it('fills in the defaults of jupyter-server-proxy', () => {
    expect(parseProxyConfig(web({ command: cmd }))).toEqual([
      {
        name: 'web',
        command: cmd,
        timeoutMs: 5000,
        environment: {},
        absoluteUrl: false,
        port: null,
        launcherEntry: { enabled: true, title: 'web', icon_path: null },
      },
    ]);
  });

  it('reads every key, and a top-level object of servers', () => {
    const server = {
      command: cmd,
      timeout: 2.5,
      environment: { BASE: '{base_url}' },
      absolute_url: true,
      port: 9999,
      launcher_entry: { enabled: false, title: 'Web', icon_path: '/icons/web.svg' },
    };
    const [spec] = parseProxyConfig(JSON.stringify({ web: server }));
    expect(spec).toEqual({
      name: 'web',
      command: cmd,
      timeoutMs: 2500,
      environment: { BASE: '{base_url}' },
      absoluteUrl: true,
      port: 9999,
      launcherEntry: { enabled: false, title: 'Web', icon_path: '/icons/web.svg' },
    });
    expect(parseProxyConfig('{}')).toEqual([]);
  });

  it.each([
    ['not json', '{servers:', /^not valid JSON/],
    ['an array', '[]', /^the file must hold a JSON object of servers$/],
    ['servers not an object', '{"servers": []}', /^servers must be an object/],
    ['a server not an object', '{"servers": {"web": 1}}', /^servers\.web must be an object$/],
    ['a bad name', web({ command: cmd }).replace('"web"', '"a/b"'), /^servers\.a\/b: server names must be/],
    ['the reserved name', web({ command: cmd }).replace('"web"', '"jupyter"'), /reserved for the embedded/],
    ['an unknown key', web({ command: cmd, comand: cmd }), /^servers\.web\.comand is not a known key/],
    ['a missing command', web({}), /^servers\.web\.command is required/],
    ['an empty command', web({ command: [] }), /^servers\.web\.command must be a non-empty list/],
    [
      'a string command',
      web({ command: 'python3 -m http.server' }),
      /^servers\.web\.command must be a non-empty/,
    ],
    [
      'a non-string argument',
      web({ command: ['python3', 8080] }),
      /^servers\.web\.command\[1\] must be a string$/,
    ],
    ['a string timeout', web({ command: cmd, timeout: '5' }), /^servers\.web\.timeout must be a number$/],
    ['a negative timeout', web({ command: cmd, timeout: -1 }), /^servers\.web\.timeout must be between/],
    [
      'a non-string env value',
      web({ command: cmd, environment: { A: 1 } }),
      /^servers\.web\.environment\.A must be a string$/,
    ],
    [
      'a list environment',
      web({ command: cmd, environment: ['A=1'] }),
      /^servers\.web\.environment must be an object/,
    ],
    [
      'a string absolute_url',
      web({ command: cmd, absolute_url: 'yes' }),
      /^servers\.web\.absolute_url must be true or false$/,
    ],
    ['a fractional port', web({ command: cmd, port: 80.5 }), /^servers\.web\.port must be a whole number$/],
    [
      'a port out of range',
      web({ command: cmd, port: 70000 }),
      /^servers\.web\.port must be between 1 and 65535/,
    ],
    [
      'an unknown launcher key',
      web({ command: cmd, launcher_entry: { path: 'x' } }),
      /^servers\.web\.launcher_entry\.path is not/,
    ],
    [
      'a numeric title',
      web({ command: cmd, launcher_entry: { title: 3 } }),
      /^servers\.web\.launcher_entry\.title must be a string$/,
    ],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseProxyConfig(text)).toThrow(message);
  });

  it('refuses a blank program name, accepts a null port', () => {
    expect(() => parseProxyConfig(web({ command: [' ', 'x'] }))).toThrow(
      /^servers\.web\.command\[0\] must name a program$/,
    );
    expect(parseProxyConfig(web({ command: cmd, port: null }))[0].port).toBeNull();
  });

  it('names every problem of a file at once, each with its key', () => {
    const text = JSON.stringify({
      servers: {
        web: { command: [], timeout: 'x' },
        'b/c': { command: cmd },
        api: { command: cmd, env: {} },
      },
    });
    expect(() => parseProxyConfig(text)).toThrow(
      'servers.web.command must be a non-empty list of strings; servers.web.timeout must be a number; ' +
        'servers.b/c: server names must be letters, digits, ".", "_" or "-" (at most 64); ' +
        'servers.api.env is not a known key (known: command, timeout, environment, absolute_url, port, launcher_entry)',
    );
  });

  it('refuses prototype keys rather than letting them reach the spec', () => {
    const polluted = `{"servers": {"web": {"command": ["x"], "__proto__": {"port": 1}}}}`;
    expect(() => parseProxyConfig(polluted)).toThrow(/^servers\.web\.__proto__ is not a known key/);
    expect(() => parseProxyConfig(`{"servers": {"__proto__": {"command": ["x"]}}}`)).toThrow(
      /^servers\.__proto__: server names must be/,
    );
    expect(({} as { port?: number }).port).toBeUndefined();
  });

  it('names keys without the servers. prefix in the top-level form', () => {
    expect(() => parseProxyConfig(JSON.stringify({ web: { command: cmd, timeout: 'x' } }))).toThrow(
      /^web\.timeout must be a number$/,
    );
  });
});

describe('--proxy-config', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'd1-proxy-config-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const parse = (text: string | null) => {
    const file = join(dir, 'proxy.json');
    if (text !== null) writeFileSync(file, text);
    return () =>
      parseConfig(['--secret-token', 's', '--proxy-config', text === null ? join(dir, 'none') : file], {});
  };

  it('is validated when the config is built, as a ConfigError naming the key', () => {
    expect(parse(web({ command: cmd, timeout: '5' }))).toThrow(ConfigError);
    expect(parse(web({ command: cmd, timeout: '5' }))).toThrow(
      '--proxy-config: servers.web.timeout must be a number',
    );
    expect(parse(null)).toThrow(/^--proxy-config: file not found: /);
    expect(parse(web({ command: cmd }))()).toMatchObject({ proxyConfig: join(dir, 'proxy.json') });
  });
});
