// Bundles the offline workbench (frontend/offline/) with esbuild and writes the service worker's
// precache list with workbox-build, into build/offline/ (never committed: scripts/install runs
// this after `npm ci`). Django serves build/offline/ under /static/offline/ and the worker at
// /sw.js (wangge.offline.views.service_worker), so its scope covers the whole site.
import { build } from "esbuild";
import { injectManifest } from "workbox-build";
import { createHash } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
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
await build({
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
await build({ ...common, entryPoints: [path.join(src, "sw.js")], outfile: swTmp, format: "iife" });

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
for (const w of warnings) console.warn(w);
console.log(`offline bundle: ${count} files precached (${Math.round(size / 1024)} KiB) in ${out}`);
