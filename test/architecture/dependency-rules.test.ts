/**
 * The dependency direction of docs/architecture.md, checked on every import of every module of
 * src/ (tests and their support aside): static imports, `export … from`, and dynamic import().
 *
 *   cli  ->  app  ->  faces, store, adapters, tls  ->  client  ->  core
 *
 * Each folder may import the ones named in LAYERS, and itself. The core also may not reach the
 * machine: no module that opens sockets or files, no wall clock, environment, timers or
 * randomness: they come in through core/ports.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** What each top folder of src/ may import, besides itself. */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  core: [],
  client: ['core'],
  store: ['core'],
  // Outbound adapters: the core's ports made real (HTTPS fetches, files, the wall clock).
  adapters: ['core'],
  tls: ['core', 'client'],
  faces: ['core', 'client'],
  app: ['core', 'client', 'store', 'adapters', 'tls', 'faces'],
  cli: ['core', 'client', 'store', 'adapters', 'tls', 'app'],
  // The package's entry points hand names on.
  'index.ts': ['core', 'client', 'store', 'adapters', 'tls', 'faces', 'app'],
};

/** Node modules of the machine (sockets, files, processes): none in the core. */
const MACHINE_MODULES = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|dns\/promises|tls|child_process|cluster|os|worker_threads|readline|process|timers|timers\/promises|perf_hooks|v8|vm)$/;

/** The wall clock, the environment, timers and randomness: none in the core. */
const MACHINE_GLOBALS = /\bDate\.now\(|\bnew Date\(\)|\bprocess\.(env|argv|exit|hrtime|cwd)\b|\bsetTimeout\(|\bsetInterval\(|\bsetImmediate\(|\bMath\.random\(|\bperformance\.now\(/;

function sourceFiles(directory = SRC): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'test-support' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(test|contract|fuzz\.test)\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The top folder of src/ a file belongs to (or `index.ts`). */
function layerOf(path: string): string {
  return relative(SRC, path).split('/')[0]!;
}

interface Edge {
  readonly from: string;
  readonly specifier: string;
  /** The layer of a relative import's target; undefined for a package or a Node module. */
  readonly toLayer?: string;
}

function importsOf(path: string): Edge[] {
  return importsOfSource(path, readFileSync(path, 'utf8'));
}

/** Imports that point up, or sideways into a layer not named in LAYERS. */
function upwardImports(found: readonly Edge[]): Edge[] {
  return found.filter((edge) => edge.toLayer !== undefined && edge.toLayer !== layerOf(edge.from) && !LAYERS[layerOf(edge.from)]!.includes(edge.toLayer));
}

/** Core modules importing a module of the machine. */
function machineImports(found: readonly Edge[]): Edge[] {
  return found.filter((edge) => layerOf(edge.from) === 'core' && MACHINE_MODULES.test(edge.specifier));
}

/** Lines of a core module that read the clock, the environment, timers or randomness (comments aside). */
function machineUses(file: string, source: string): string[] {
  return source.split('\n').flatMap((line, index) => (MACHINE_GLOBALS.test(line.replace(/\/\/.*$|^\s*\*.*$/, '')) ? [`${relative(SRC, file)}:${index + 1}: ${line.trim()}`] : []));
}

function importsOfSource(path: string, source: string): Edge[] {
  const { importedFiles } = ts.preProcessFile(source, true, true);
  return importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return { from: path, specifier: fileName };
    const target = resolve(dirname(path), fileName);
    const outside = relative(SRC, target).startsWith('..');
    return { from: path, specifier: fileName, ...(outside ? { toLayer: '(outside src)' } : { toLayer: layerOf(target) }) };
  });
}

const files = sourceFiles();
const edges = files.flatMap(importsOf);
const show = (edge: Edge) => `${relative(SRC, edge.from)} -> ${edge.specifier}`;

describe('the dependency direction of src/', () => {
  it('reads every module: each layer has some', () => {
    for (const layer of Object.keys(LAYERS)) expect(files.some((file) => layerOf(file) === layer), layer).toBe(true);
    expect(files.every((file) => layerOf(file) in LAYERS), 'a new top folder needs its place in LAYERS').toBe(true);
    expect(edges.length).toBeGreaterThan(500);
  });

  it('every import points down: a layer imports itself and the layers below it, nothing else', () => {
    expect(upwardImports(edges).map(show)).toEqual([]);
  });

  it('the core never reaches the machine: no socket, file or process module, clock, environment, timer or randomness', () => {
    const core = files.filter((file) => layerOf(file) === 'core');
    expect(machineImports(edges).map(show)).toEqual([]);
    expect(core.flatMap((file) => machineUses(file, readFileSync(file, 'utf8')))).toEqual([]);
  });

  it('fails on a wrong import: a module fed to the same checks, importing up the layers and reaching the machine', () => {
    const file = join(SRC, 'core', 'resolve', 'made-up.ts');
    const source = "import { buildHttpFace } from '../../faces/http/server.js';\nimport { readFile } from 'node:fs/promises';\nexport const at = () => Date.now();\n";
    const made = importsOfSource(file, source);
    expect(upwardImports(made).map(show)).toEqual(['core/resolve/made-up.ts -> ../../faces/http/server.js']);
    expect(machineImports(made).map(show)).toEqual(['core/resolve/made-up.ts -> node:fs/promises']);
    expect(machineUses(file, source)).toEqual(['core/resolve/made-up.ts:3: export const at = () => Date.now();']);
    // And a module of the app importing the CLI above it.
    expect(upwardImports(importsOfSource(join(SRC, 'app', 'x.ts'), "import '../cli/main.js';")).map(show)).toEqual(['app/x.ts -> ../cli/main.js']);
  });
});
