// What both offline pages share: who is logged in, the CSRF token, the worker, the sync triggers.
import { setMeta } from "./store.js";
import { syncQueue } from "./sync.js";

const RETRY_EVERY_MS = 15000;

/** The page's words in the user's language: the server puts them, keyed by the Chinese, in a
 * JSON block (#offline-strings; offline/views.py), which the cached page carries offline.
 * `t("填写")`, `t("截止 %(date)s", { date })`; a word the block lacks stays as written. */
const STRINGS = JSON.parse(document.getElementById("offline-strings")?.textContent || "{}");
export const t = (text, values = {}) =>
  (STRINGS[text] || text).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
export const english = document.documentElement.lang === "en";

export function pageContext() {
  const root = document.getElementById("offline-app");
  return { root, user: document.body.dataset.user, csrf: document.body.dataset.csrf };
}

/** Remember the user and token (the worker sends with them), start the worker, and sync now and
 * whenever the network comes back. `onChange(sent)` is called when the queue may have changed
 * (`sent`: how many forms this sync delivered, which may have completed tasks). */
export async function startPage({ user, csrf }, onChange) {
  await setMeta("user", user);
  if (csrf) await setMeta("csrf", csrf);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js").catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data?.type === "queue-changed") onChange(event.data.sent || 0);
    });
  }
  const sync = async () => {
    const sent = await syncQueue(user).catch(() => 0);
    onChange(sent);
  };
  window.addEventListener("online", sync);
  window.addEventListener("offline", () => onChange(0));
  if (navigator.onLine) sync();
  // Phones do not always say when signal comes back (nor does every browser fire `online`, nor
  // reach the page with the worker's own sync), so a page left open tries again now and then.
  setInterval(() => {
    if (navigator.onLine) sync();
  }, RETRY_EVERY_MS);
  return sync;
}

/** Ask for Background Sync (Chromium); elsewhere the `online` event and the next load do it. */
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("wangge-submissions");
  } catch {
    /* not supported, or not allowed: the page syncs on `online` and on load instead */
  }
}
