import type { JsonObject } from '@d1/notebook';

/** What a notebook's `metadata.kernelspec` says after d1 chose a spec. */
export interface NotebookKernelspec {
  name: string;
  language: string;
  display_name: string;
}

/** The kernel specs known to the kernel service: name -> display name and language. */
export type SpecCatalog = Record<string, { display_name?: string; language?: string }>;

function describe(catalog: SpecCatalog, name: string): NotebookKernelspec {
  const spec = catalog[name] ?? {};
  return { name, language: spec.language ?? '', display_name: spec.display_name ?? name };
}

function stringField(obj: unknown, key: string): string | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const value = (obj as JsonObject)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * d1's choice of kernel spec for a notebook: the requested name if it exists, else the notebook's
 * `metadata.kernelspec.name` if it exists, else a spec of the same language (the default first, then by
 * name), else the default. Unknown names fall back silently, as in the original d1. `defaultName` may itself be unknown
 * (a bad --default-kernel); then the first spec by name is used.
 */
export function resolveKernelspec(
  catalog: SpecCatalog,
  defaultName: string,
  requested: string | undefined,
  notebookKernelspec: unknown,
): NotebookKernelspec {
  const names = Object.keys(catalog).sort();
  const fallback = catalog[defaultName] ? defaultName : (names[0] ?? defaultName);
  if (requested && catalog[requested]) return describe(catalog, requested);
  const named = stringField(notebookKernelspec, 'name');
  if (named && catalog[named]) return describe(catalog, named);
  const language = stringField(notebookKernelspec, 'language')?.toLowerCase();
  if (language) {
    const sameLanguage = [fallback, ...names].find(
      (name) => catalog[name]?.language?.toLowerCase() === language,
    );
    if (sameLanguage) return describe(catalog, sameLanguage);
  }
  return describe(catalog, fallback);
}
