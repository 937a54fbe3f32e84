import { SpecCatalog, resolveKernelspec } from './kernelspec';

const catalog: SpecCatalog = {
  python3: { display_name: 'Python 3 (ipykernel)', language: 'python' },
  apy: { display_name: 'Another Python', language: 'python' },
  ir: { display_name: 'R', language: 'R' },
  bash: { display_name: 'Bash', language: 'bash' },
};

describe('resolveKernelspec', () => {
  it.each([
    ['requested name wins', 'ir', { name: 'bash', language: 'bash' }, 'ir'],
    ['unknown request falls back to the notebook spec', 'bogus', { name: 'bash' }, 'bash'],
    ['unknown names fall back to the language', 'python', { name: 'weird', language: 'R' }, 'ir'],
    ['language match ignores case', undefined, { name: 'x', language: 'r' }, 'ir'],
    ['the default is preferred among same-language specs', undefined, { language: 'python' }, 'python3'],
    ['unknown language falls back to the default', undefined, { name: 'x', language: 'julia' }, 'python3'],
    ['no kernelspec at all gives the default', undefined, undefined, 'python3'],
    ['a malformed kernelspec gives the default', undefined, 'python3', 'python3'],
  ])('%s', (_what, requested, nbSpec, expected) => {
    expect(resolveKernelspec(catalog, 'python3', requested, nbSpec).name).toBe(expected);
  });

  it('describes the chosen spec as d1 writes it to metadata.kernelspec', () => {
    expect(resolveKernelspec(catalog, 'python3', 'ir', undefined)).toEqual({
      name: 'ir',
      language: 'R',
      display_name: 'R',
    });
  });

  it('uses the first spec by name when the configured default does not exist', () => {
    expect(resolveKernelspec(catalog, 'nope', undefined, undefined).name).toBe('apy');
    expect(resolveKernelspec(catalog, 'nope', undefined, { language: 'python' }).name).toBe('apy');
  });
});
