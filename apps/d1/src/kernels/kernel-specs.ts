import type { KernelSpecInfo } from '@d1/kernel-relay';

/** One entry of d1's GET /kernels/specs. */
export interface D1KernelSpec {
  kernel_name: string;
  resource_dir: string;
  order: number;
  spec: {
    display_name: string;
    language: string;
    interrupt_mode: string;
    metadata: Record<string, unknown>;
    argv: string[];
    env: Record<string, string>;
  };
}

const PREFERRED_DISPLAY_NAME = 'python 3 (ipykernel)';

function languageRank(language: string): number {
  const l = language.toLowerCase();
  return l === 'python' ? 0 : l === 'r' ? 1 : 2;
}

/**
 * d1's ordering: sorted by name, grouped by language (python, then r, then the rest), with the preferred
 * spec ("Python 3 (ipykernel)") first in its group; the sort is otherwise stable.
 */
export function orderKernelSpecs(
  specs: KernelSpecInfo[],
  resourceDirs: Record<string, string>,
): D1KernelSpec[] {
  const byName = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ranked = byName
    .map((s, i) => ({ s, i }))
    .sort((a, b) => {
      const lang = languageRank(a.s.spec.language ?? '') - languageRank(b.s.spec.language ?? '');
      if (lang !== 0) return lang;
      const pa = (a.s.spec.display_name ?? '').toLowerCase() === PREFERRED_DISPLAY_NAME ? 0 : 1;
      const pb = (b.s.spec.display_name ?? '').toLowerCase() === PREFERRED_DISPLAY_NAME ? 0 : 1;
      return pa - pb || a.i - b.i;
    });
  return ranked.map(({ s }, order) => ({
    kernel_name: s.name,
    resource_dir: resourceDirs[s.name] ?? '',
    order,
    spec: {
      display_name: s.spec.display_name ?? s.name,
      language: s.spec.language ?? '',
      interrupt_mode: s.spec.interrupt_mode ?? 'signal',
      metadata: s.spec.metadata ?? {},
      argv: s.spec.argv ?? [],
      env: s.spec.env ?? {},
    },
  }));
}
