// The web page's files, read once at start into memory. Only files that exist under the web
// build folder are ever served, so no request path can reach anything else on disk.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/** Maps URL paths ("/", "/app.js") to the files of `root`. */
export async function loadStaticFiles(root: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  for (const path of await walk(root)) {
    const urlPath = '/' + relative(root, path).split(sep).join('/');
    const contentType = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
    files.set(urlPath, { body: await readFile(path), contentType });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
