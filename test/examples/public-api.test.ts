// The example games and the `chronos init` template are written against the engine's public API
// only, as a studio's game would be: an example imports the engine through src/index.ts (the
// package's `chronos`) or src/web/sdk.ts (`chronos/web`), the template through those package
// names, and nothing else of the engine. What a page bundles (everything page.ts reaches) takes
// only the browser entry and no Node module.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** TypeScript files under dir (not the AssemblyScript, which asc compiles against the engine's kernels). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'assembly' || name === 'node_modules' || name === 'build' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports, dynamic import(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out;
}

const PUBLIC_NODE = resolve(root, 'src/index.ts');
const PUBLIC_WEB = resolve(root, 'src/web/sdk.ts');

/** Where a relative specifier of `from` points, as a .ts path. */
const target = (from: string, spec: string): string => resolve(dirname(from), spec).replace(/\.js$/, '.ts');

describe('examples and the template use the public API only', () => {
  const examples = readdirSync(join(root, 'examples')).filter((n) => statSync(join(root, 'examples', n)).isDirectory());

  it('finds the examples and their imports (the check below is not vacuous)', () => {
    expect(examples).toContain('skyworld');
    const all = examples.flatMap((e) => sources(join(root, 'examples', e)).flatMap((f) => specifiers(readFileSync(f, 'utf8'))));
    expect(all.length).toBeGreaterThan(40);
    expect(all.filter((s) => target(join(root, 'examples/skyworld/x.ts'), s) === PUBLIC_WEB).length).toBeGreaterThan(0);
    // The parser sees what a deep import looks like.
    expect(specifiers("import { GameStore } from '../../src/core/game-store.js';\nexport * from './x.js';\nawait import('node:fs');")).toEqual([
      '../../src/core/game-store.js', './x.js', 'node:fs',
    ]);
  });

  for (const example of ['skyworld']) {
    const dir = join(root, 'examples', example);
    it(`${example}: the engine only through src/index.ts or src/web/sdk.ts`, () => {
      const wrong: string[] = [];
      for (const file of sources(dir)) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (spec.startsWith('node:')) continue;
          if (!spec.startsWith('.')) {
            wrong.push(`${relative(root, file)}: ${spec} (a package; an example has the engine and Node only)`);
            continue;
          }
          const to = target(file, spec);
          if (to.startsWith(dir + '/')) continue;
          if (to !== PUBLIC_NODE && to !== PUBLIC_WEB) wrong.push(`${relative(root, file)}: ${spec}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it(`${example}: what its page bundles takes the browser entry and no Node module`, () => {
      const seen = new Set<string>();
      const wrong: string[] = [];
      const visit = (file: string): void => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          if (!spec.startsWith('.')) {
            wrong.push(`${relative(root, file)}: ${spec}`);
            continue;
          }
          const to = target(file, spec);
          if (to === PUBLIC_WEB) continue;
          if (to === PUBLIC_NODE || !to.startsWith(dir + '/')) wrong.push(`${relative(root, file)}: ${spec}`);
          else visit(to);
        }
      };
      visit(join(dir, 'page.ts'));
      expect(seen.size).toBeGreaterThan(3);
      expect(wrong).toEqual([]);
    });
  }

  it('the chronos init template: the engine only as `chronos` and `chronos/web`', () => {
    const dir = join(root, 'templates/declared-game');
    const wrong: string[] = [];
    for (const file of sources(dir)) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (spec.startsWith('node:') || spec === 'chronos' || spec === 'chronos/web') continue;
        if (spec.startsWith('.') && target(file, spec).startsWith(dir + '/')) continue;
        wrong.push(`${relative(root, file)}: ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
