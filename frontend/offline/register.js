// On the other pages of the workbench (the task list): start the service worker, remember who is
// logged in and the page's CSRF token (the worker sends the queue with them), and send what
// waits whenever the network comes back. Included by templates/offline/_pwa_head.html.
//
// With `<meta name="wangge-offline" content="keep">` (the task workbench of a grid worker, the
// first page after logging in) it also installs the offline app at once: once the worker
// controls the page, the offline workbench and fill pages, the user's tasks, forms, manifests and
// roster files are fetched and kept, so a phone that logs in and goes straight into a stairwell
// can open 离线工作台 without ever having opened it online. Done once per phone and login (the
// logout page deletes what was kept; the offline workbench refreshes it whenever it is opened).
import { keepForOffline } from "./forms.js";
import { startPage } from "./page.js";

const DATA_CACHE = "wangge-data";
const PAGES = ["/offline/", "/offline/fill/"];

/** The worker that controls this page; the first visit waits for it to claim the page. */
function controlled(timeoutMs) {
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function installOffline() {
  if (!("serviceWorker" in navigator) || !("caches" in window) || !navigator.onLine) return;
  await navigator.serviceWorker.ready;
  if (!(await controlled(15000))) return; // the next page load tries again
  const cache = await caches.open(DATA_CACHE);
  if (await cache.match("/offline/")) return; // kept already (the offline page refreshes it)
  // Tasks, forms and roster through the worker (it keeps only this user's plain answers).
  await fetch("/api/tasks/mine", { credentials: "same-origin" });
  await keepForOffline();
  // The two pages last: a kept /offline/ means everything above is kept too.
  for (const url of PAGES.slice().reverse()) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok || response.redirected) return;
    await cache.put(url, response);
  }
  document.documentElement.dataset.offlineKept = "1";
}

const user = document.body.dataset.user;
if (user) {
  startPage({ user, csrf: document.body.dataset.csrf }, () => {});
  if (document.querySelector('meta[name="wangge-offline"][content="keep"]')) {
    installOffline().catch(() => {
      /* no network, or a server error: the next page load tries again */
    });
  }
}
