import { useD1 } from './support/d1';

describe('foundation smoke', () => {
  const d1 = useD1();

  it('answers hello and readiness', async () => {
    expect((await d1.request('GET', '/hello', { auth: null })).json).toEqual({ message: 'Hello World' });
    expect((await d1.request('GET', '/readyz', { auth: null })).status).toBe(200);
  });
});
