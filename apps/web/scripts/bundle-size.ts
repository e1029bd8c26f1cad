// Gzipped size of the production build's JavaScript (run `npm run build` first):
//   npx tsx apps/web/scripts/bundle-size.ts [--max-kb 250]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = resolve(fileURLToPath(new URL("../dist", import.meta.url)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

export function measure(dir = dist): { file: string; raw: number; gzip: number }[] {
  return files(dir)
    .filter((f) => /\.(m?js|css)$/.test(f))
    .map((f) => {
      const buf = readFileSync(f);
      return { file: f.slice(dir.length + 1), raw: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
    })
    .sort((a, b) => b.gzip - a.gzip);
}

const rows = measure();
const kb = (n: number) => (n / 1024).toFixed(1);
for (const r of rows) console.log(`${r.file.padEnd(44)} ${kb(r.raw).padStart(8)} KB  ${kb(r.gzip).padStart(7)} KB gz`);
const js = rows.filter((r) => /\.m?js$/.test(r.file)).reduce((s, r) => s + r.gzip, 0);
const css = rows.filter((r) => r.file.endsWith(".css")).reduce((s, r) => s + r.gzip, 0);
console.log(`total JS gzipped: ${kb(js)} KB; CSS gzipped: ${kb(css)} KB`);
const i = process.argv.indexOf("--max-kb");
const max = i > 0 ? Number(process.argv[i + 1]) : Infinity;
if (js / 1024 > max) {
  console.error(`JS bundle ${kb(js)} KB gz is over the ${max} KB budget`);
  process.exit(1);
}
