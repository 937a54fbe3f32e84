import { useD1 } from './support/d1';

describe('GET /server/environment', () => {
  const d1 = useD1({ jwtSecret: 'jwt-secret-that-must-not-leak-0123456789' });

  it("describes the machine, the kernels' Python, the process and the config in d1's shape", async () => {
    const token = await d1.token({ read_access: true, write_access: false });
    const res = await d1.request('GET', '/server/environment', { auth: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const info = res.json.environment_info;
    expect(Object.keys(info).sort()).toEqual(
      ['config', 'cores', 'node', 'os', 'process', 'python', 'version'].sort(),
    );
    expect(info.os).toMatchObject({ name: 'linux', raw_name: 'Linux' });
    expect(info.python.version_info).toMatchObject({ major: 3 });
    expect(info.python.executable).toMatch(/python3/);
    expect(info.process.pid).toBe(process.pid);
    expect(info.cores).toBeGreaterThan(0);
    expect(info.version).toEqual((await d1.request('GET', '/server/version')).json.version);
    expect(info.config.rootDir).toBe(d1.rootDir);
  });

  it('never reports a credential', async () => {
    const res = await d1.request('GET', '/server/environment');
    const text = res.text;
    expect(text).not.toContain(d1.secret);
    expect(text).not.toContain('jwt-secret-that-must-not-leak');
    expect(res.json.environment_info.config).not.toHaveProperty('secretToken');
    expect(res.json.environment_info.config).not.toHaveProperty('jwtSecret');
  });

  it('needs a token', async () => {
    expect((await d1.request('GET', '/server/environment', { auth: null })).status).toBe(401);
  });
});
