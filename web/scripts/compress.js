// Writes X.br and X.gz beside every compressible file of the build, so the
// server (src/api/static_files.cc) can answer Accept-Encoding without
// compressing per request. Prints the bundle size (raw and brotli) that
// docs/benchmarks.md records.
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? 'build';
const compressible = /\.(html|js|mjs|css|json|svg|txt|map|webmanifest)$/;
let raw = 0;
let br = 0;
let gz = 0;
let files = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (compressible.test(name) && !name.endsWith('.map')) {
      const data = readFileSync(path);
      const brotli = brotliCompressSync(data, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
      });
      const gzip = gzipSync(data, { level: 9 });
      writeFileSync(path + '.br', brotli);
      writeFileSync(path + '.gz', gzip);
      raw += data.length;
      br += brotli.length;
      gz += gzip.length;
      files += 1;
    }
  }
}

walk(root);
const kib = (n) => (n / 1024).toFixed(1) + ' KiB';
console.log(
  `compressed ${files} files in ${relative('.', root) || '.'}: ${kib(raw)} raw, ${kib(gz)} gzip, ${kib(br)} brotli`,
);
