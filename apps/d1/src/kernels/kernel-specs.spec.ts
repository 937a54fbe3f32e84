import type { KernelSpecInfo } from '@d1/kernel-relay';
import { orderKernelSpecs } from './kernel-specs';

function spec(name: string, language: string, display = name): KernelSpecInfo {
  return { name, spec: { display_name: display, language, argv: [], env: {}, metadata: {} }, resources: {} };
}

describe('orderKernelSpecs', () => {
  it('puts python first, then R, then the rest, each group by name', () => {
    const out = orderKernelSpecs(
      [
        spec('julia', 'julia'),
        spec('ir', 'R'),
        spec('zpy', 'python'),
        spec('apy', 'python'),
        spec('bash', 'bash'),
      ],
      { apy: '/k/apy' },
    );
    expect(out.map((s) => [s.kernel_name, s.order])).toEqual([
      ['apy', 0],
      ['zpy', 1],
      ['ir', 2],
      ['bash', 3],
      ['julia', 4],
    ]);
    expect(out[0].resource_dir).toBe('/k/apy');
    expect(out[1].resource_dir).toBe('');
  });

  it('puts the "Python 3 (ipykernel)" spec first among pythons', () => {
    const out = orderKernelSpecs(
      [spec('apy', 'python', 'Other'), spec('python3', 'python', 'Python 3 (ipykernel)')],
      {},
    );
    expect(out.map((s) => s.kernel_name)).toEqual(['python3', 'apy']);
  });

  it('fills missing spec fields with d1 defaults', () => {
    const raw = {
      name: 'x',
      spec: { display_name: 'X', language: 'x' },
      resources: {},
    } as unknown as KernelSpecInfo;
    expect(orderKernelSpecs([raw], {})[0].spec).toEqual({
      display_name: 'X',
      language: 'x',
      interrupt_mode: 'signal',
      metadata: {},
      argv: [],
      env: {},
    });
  });
});
