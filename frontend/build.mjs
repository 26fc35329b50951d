// Bundles the offline workbench (frontend/offline/) with esbuild and writes the service worker's
// precache list with workbox-build, into build/offline/ (never committed: scripts/install runs
// this after `npm ci`). Django serves build/offline/ under /static/offline/ and the worker at
// /sw.js (wangge.offline.views.service_worker), so its scope covers the whole site.
import { build } from "esbuild";
import { injectManifest } from "workbox-build";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, "build", "offline");
const src = path.join(root, "frontend", "offline");

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  sourcemap: false,
  target: ["es2022", "chrome100", "safari16"],
  legalComments: "linked",
  logLevel: "warning",
  define: {
    "process.env.NODE_ENV": '"production"',
    __VUE_OPTIONS_API__: "true",
    __VUE_PROD_DEVTOOLS__: "false",
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: "false",
  },
};

// The pages: ES modules with code splitting (the form engine's map widget loads on demand).
const pages = await build({
  metafile: true,
  ...common,
  entryPoints: {
    shell: path.join(src, "shell.js"),
    fill: path.join(src, "fill.js"),
    register: path.join(src, "register.js"),
  },
  outdir: out,
  format: "esm",
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
});

// The service worker: one classic script (module workers are not everywhere yet).
const swTmp = path.join(out, "sw.src.js");
const worker = await build({
  ...common,
  metafile: true,
  entryPoints: [path.join(src, "sw.js")],
  outfile: swTmp,
  format: "iife",
});

// The site's own CSS and scripts the offline pages load (served by Django under /static/).
const shared = {
  "/static/wangge/wangge.css": "src/wangge/static/wangge/wangge.css",
  "/static/wangge/app.js": "src/wangge/static/wangge/app.js",
  "/static/wangge/favicon.svg": "src/wangge/static/wangge/favicon.svg",
  "/static/vendor/htmx/htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
};
const additionalManifestEntries = [];
for (const [url, file] of Object.entries(shared)) {
  const revision = createHash("md5").update(await readFile(path.join(root, file))).digest("hex");
  additionalManifestEntries.push({ url, revision });
}

const { count, size, warnings } = await injectManifest({
  additionalManifestEntries,
  swSrc: swTmp,
  swDest: path.join(out, "sw.js"),
  globDirectory: out,
  globPatterns: ["*.js", "chunks/*.js"],
  globIgnores: ["sw.js", "sw.src.js"],
  modifyURLPrefix: { "": "/static/offline/" },
  maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
});
await rm(swTmp);

// The Apache License 2.0's own text, for a package that declares it but ships no copy
// (@getodk/web-forms): taken from another installed package that carries it verbatim.
async function apacheText() {
  for (const dir of (await readdir(path.join(root, "node_modules"))).sort()) {
    for (const file of ["LICENSE", "LICENSE.txt", "LICENSE.md"]) {
      const text = await readFile(path.join(root, "node_modules", dir, file), "utf8").catch(() => "");
      if (/^\s*Apache License\s+Version 2\.0, January 2004/.test(text)) {
        return text.trim();
      }
    }
  }
  return "Apache License 2.0: https://www.apache.org/licenses/LICENSE-2.0";
}

// The licences of the npm packages in the bundles (Apache-2.0, MIT, …: a copy goes with the
// code), one file served beside them at /static/offline/THIRD-PARTY-LICENSES.txt.
const bundled = new Set();
for (const input of [...Object.keys(pages.metafile.inputs), ...Object.keys(worker.metafile.inputs)]) {
  const m = input.match(/^(?:.*\/)?node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) bundled.add(m[1]);
}
const notices = [];
for (const name of [...bundled].sort()) {
  const dir = path.join(root, "node_modules", name);
  const meta = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8"));
  const files = (await readdir(dir)).filter((f) => /^(licen[cs]e|copying|notice)/i.test(f)).sort();
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), "utf8")));
  const body =
    texts.join("\n\n").trim() ||
    (meta.license === "Apache-2.0" ? await apacheText() : "") ||
    `(no licence file in the package; package.json: ${meta.license})`;
  notices.push(`${name} ${meta.version} (${meta.license ?? "?"})\n${"=".repeat(72)}\n${body}\n`);
}
await writeFile(
  path.join(out, "THIRD-PARTY-LICENSES.txt"),
  `Third-party code in the offline workbench bundles (${bundled.size} npm packages)\n\n${notices.join("\n")}`,
);
for (const w of warnings) console.warn(w);
console.log(`offline bundle: ${count} files precached (${Math.round(size / 1024)} KiB) in ${out}`);
