// The service worker (served at /sw.js, scope /): keeps the offline workbench usable without a
// network. Built with Workbox modules by frontend/build.mjs; see docs/offline.md.
//
// What it keeps, and where:
// - wangge-precache (Workbox precache): the bundles of the offline pages; no user data.
// - wangge-data: the user's own tasks (/api/tasks/mine), form list, forms, manifests and roster
//   CSVs (GET /openrosa/…), and the offline pages themselves, network first. Only answers to the
//   logged-in user are stored (a redirect to the login page is not), and the pages delete this
//   cache when they find nobody logged in (after logout).
// - wangge-static: the site's CSS and scripts, served from cache while refreshed.
// Other pages (household files, cases, search) are never stored.
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, precacheAndRoute } from "workbox-precaching";
import { registerRoute, setCatchHandler } from "workbox-routing";
import { NetworkFirst, NetworkOnly, StaleWhileRevalidate } from "workbox-strategies";
import { setCacheNameDetails } from "workbox-core";
import { syncQueue } from "./sync.js";

export const DATA_CACHE = "wangge-data";
const OFFLINE_PAGES = ["/offline/", "/offline/fill/"];

setCacheNameDetails({ prefix: "wangge", suffix: "", precache: "precache", runtime: "runtime" });
self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST, { ignoreURLParametersMatching: [/.*/] });

// Store only a real answer for this user: not an error, not the login page after a redirect.
const onlyOwnAnswers = {
  cacheWillUpdate: async ({ response }) =>
    response && response.ok && !response.redirected && response.type === "basic" ? response : null,
};

const data = new NetworkFirst({
  cacheName: DATA_CACHE,
  networkTimeoutSeconds: 8,
  plugins: [onlyOwnAnswers],
});
// The fill page's address carries the form and task; one cached copy serves them all.
const pages = new NetworkFirst({
  cacheName: DATA_CACHE,
  networkTimeoutSeconds: 8,
  matchOptions: { ignoreSearch: true },
  plugins: [onlyOwnAnswers],
});

const sameOrigin = (url) => url.origin === self.location.origin;

registerRoute(
  ({ request, url }) => request.mode === "navigate" && sameOrigin(url) && OFFLINE_PAGES.includes(url.pathname),
  pages,
);
registerRoute(
  ({ request, url }) =>
    request.method === "GET" && sameOrigin(url) &&
    (url.pathname === "/api/tasks/mine" || (url.pathname.startsWith("/openrosa/") && url.pathname !== "/openrosa/submission")),
  data,
);
registerRoute(
  ({ url }) => sameOrigin(url) && url.pathname.startsWith("/static/") && !url.pathname.startsWith("/static/offline/"),
  new StaleWhileRevalidate({ cacheName: "wangge-static", plugins: [onlyOwnAnswers] }),
);

// Other pages go to the network as before (and are never stored)...
registerRoute(({ request }) => request.mode === "navigate", new NetworkOnly());

// ...and any of them asked for without a network: the offline workbench, if it was stored.
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") {
    const cache = await caches.open(DATA_CACHE);
    const page = await cache.match("/offline/", { ignoreSearch: true });
    if (page) return page;
  }
  return Response.error();
});

// Background Sync (where the browser has it): the pages register "wangge-submissions" when they
// queue a form; the browser fires it when the network is back, even with the page closed.
self.addEventListener("sync", (event) => {
  if (event.tag === "wangge-submissions") event.waitUntil(syncQueue().then((sent) => notifyPages(sent)));
});

self.addEventListener("message", (event) => {
  if (event.data?.type === "sync") event.waitUntil(syncQueue().then((sent) => notifyPages(sent)));
});

async function notifyPages(sent = 0) {
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "queue-changed", sent });
  }
}
