// The submission queue and a little state, in IndexedDB (shared by the pages and the worker).
//
// A queued submission is kept until it is sent or refused, and a refused one is kept with the
// server's reason, so nothing filled at a door is lost. Each item belongs to the user who filled
// it: only that user's page lists it, and only their session sends it.
import { openDB } from "idb";

export const WAITING = "waiting";
export const SENT = "sent";
export const REFUSED = "refused";

let dbPromise = null;

export function db() {
  dbPromise ??= openDB("wangge-offline", 1, {
    upgrade(database) {
      const queue = database.createObjectStore("queue", { keyPath: "id" });
      queue.createIndex("user", "user");
      database.createObjectStore("meta");
    },
  });
  return dbPromise;
}

export async function getMeta(key) {
  return (await db()).get("meta", key);
}

export async function setMeta(key, value) {
  return (await db()).put("meta", value, key);
}

/** Queue a filled form: `xml` is the instance (a Blob), `attachments` its photos (Files). */
export async function enqueue({ id, user, formId, formName, taskId, label, xml, attachments }) {
  const item = {
    id,
    user,
    formId,
    formName,
    taskId: taskId || null,
    label: label || "",
    xml,
    attachments: attachments.map((f) => ({ name: f.name, type: f.type, blob: f })),
    state: WAITING,
    reason: "",
    note: "",
    attempts: 0,
    createdAt: new Date().toISOString(),
    sentAt: null,
  };
  await (await db()).put("queue", item);
  return item;
}

export async function itemsOf(user) {
  const items = await (await db()).getAllFromIndex("queue", "user", user);
  return items.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
}

export async function update(item) {
  return (await db()).put("queue", item);
}

export async function remove(id) {
  return (await db()).delete("queue", id);
}
