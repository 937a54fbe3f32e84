import { readFileSync } from 'node:fs';
import { assetPath } from '../common/assets';
import type { KernelVariable } from '../events/messages';

let introspect: string | null = null;

/** The Python helper d1 loads silently into Python kernels (variables, working directory). */
export function pythonIntrospection(): string {
  introspect ??= readFileSync(assetPath('d1_introspect.py'), 'utf8');
  return introspect;
}

/** Code that changes the kernel's working directory and prints the new one, per language; null if unknown. */
export function chdirCode(language: string, dir: string): string | null {
  const lang = language.toLowerCase();
  if (lang === 'python')
    return `import os as ___d1os\n___d1os.chdir(${JSON.stringify(dir)})\nprint(___d1os.getcwd())`;
  if (lang === 'bash' || lang === 'zsh' || lang === 'sh') return `cd ${shellQuote(dir)} && pwd`;
  if (lang === 'r') return `setwd(${JSON.stringify(dir)}); cat(getwd(), "\\n")`;
  return null;
}

/** Code that prints `{cwd, vars}` as JSON (Python) or the environment (shells); null when unsupported. */
export function stateCode(language: string): string | null {
  const lang = language.toLowerCase();
  if (lang === 'python') return '___d1.state()';
  if (lang === 'bash' || lang === 'zsh' || lang === 'sh') return 'env; echo "___d1_cwd=$(pwd)"';
  return null;
}

/** How the variable explorer orders and filters rows (d1's sort_by / ascending / filters). */
export interface VarOrder {
  sort_by?: Array<string | number>;
  ascending?: boolean[];
  filters?: Array<{ col: string | number; search?: string; min?: number; max?: number }>;
}

/** Code that prints one variable's detail as JSON (Python only); the ordering travels as JSON text. */
export function varCode(name: string, page: number, pageSize: number, order: VarOrder = {}): string {
  return `___d1.var(${JSON.stringify(name)}, ${page}, ${pageSize}, __import__("json").loads(${JSON.stringify(JSON.stringify(order))}))`;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Parses shell `env` output (plus the cwd marker) into variables and the working directory. */
export function parseEnv(text: string): { cwd: string | null; vars: KernelVariable[] } {
  let cwd: string | null = null;
  const vars: KernelVariable[] = [];
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const name = line.slice(0, i);
    const value = line.slice(i + 1);
    if (name === '___d1_cwd') {
      cwd = value;
      continue;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    vars.push({
      name,
      type: 'str',
      abbreviated: false,
      has_next_page: false,
      value: { single_value: value },
      summary: value.length <= 140 ? value : value.slice(0, 139) + '\u2026',
    });
  }
  return { cwd, vars };
}
