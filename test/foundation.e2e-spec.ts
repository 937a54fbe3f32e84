import { TestD1, startD1 } from './support/d1';

describe('foundation smoke', () => {
  let d1: TestD1;
  beforeAll(async () => {
    d1 = await startD1();
  });
  afterAll(async () => {
    await d1?.close();
  });

  it('answers hello and readiness', async () => {
    expect((await d1.request('GET', '/hello', { auth: null })).json).toEqual({ message: 'Hello World' });
    expect((await d1.request('GET', '/readyz', { auth: null })).status).toBe(200);
  });
});
