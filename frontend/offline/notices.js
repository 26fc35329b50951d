// Notice numbers for issuing rectification notices without a network (docs/offline.md, "Notice
// numbers"). While online the workbench reserves a block of serials of the inspector's issuing
// unit (POST /api/notices/blocks) and keeps it here, in IndexedDB, per user; a checklist saved
// with a notice takes the next unused serial of the block, so the inspector writes the official
// number on the paper notice at the door. The server accepts a serial only from a block reserved
// to that inspector, so two phones offline never hand out the same number.
import { db } from "./store.js";

const BLOCK_SIZE = 20;
const TOP_UP_BELOW = 5; // reserve another block when fewer serials than this are left
const key = (user) => `notice-blocks:${user}`;
const thisYear = () => new Date().getFullYear();

/** The official style, as the server writes it: 京广消字〔2026〕第0042号. */
export function noticeNumber(prefix, year, serial) {
  return `${prefix}〔${year}〕第${String(serial).padStart(4, "0")}号`;
}

export async function blocksOf(user) {
  return ((await (await db()).get("meta", key(user))) || []).filter((b) => b.year === thisYear());
}

/** {unit, prefix, year, next, last, left} of the block in use, or null. */
export async function numbersLeft(user) {
  const blocks = (await blocksOf(user)).filter((b) => b.next <= b.last);
  if (!blocks.length) return null;
  const left = blocks.reduce((n, b) => n + b.last - b.next + 1, 0);
  return { ...blocks[0], left };
}

/** Take the next unused serial (one IndexedDB transaction: two tabs never take the same one).
 * Returns {unit, prefix, year, serial, number} or null when the phone holds none. */
export async function takeSerial(user) {
  const tx = (await db()).transaction("meta", "readwrite");
  const blocks = (await tx.store.get(key(user))) || [];
  const block = blocks.find((b) => b.year === thisYear() && b.next <= b.last);
  let taken = null;
  if (block) {
    taken = { unit: block.unit, prefix: block.prefix, year: block.year, serial: block.next };
    taken.number = noticeNumber(block.prefix, block.year, block.next);
    block.next += 1;
    await tx.store.put(blocks, key(user));
  }
  await tx.done;
  return taken;
}

/** Online: make sure the phone holds serials of the user's first issuing unit for this year. */
export async function keepNumbers(user, csrf) {
  if (!navigator.onLine) return numbersLeft(user);
  const held = await numbersLeft(user);
  if (held && held.left >= TOP_UP_BELOW) return held;
  const units = await fetch("/api/notices/units", { credentials: "same-origin" });
  if (!units.ok || units.redirected) return held;
  const [unit] = await units.json();
  if (!unit) return held;
  const response = await fetch("/api/notices/blocks", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf || "" },
    body: JSON.stringify({ unit: unit.code, size: BLOCK_SIZE }),
  });
  if (!response.ok) return held;
  const block = await response.json();
  const tx = (await db()).transaction("meta", "readwrite");
  const blocks = ((await tx.store.get(key(user))) || []).filter((b) => b.year === thisYear());
  blocks.push({
    unit: block.unit,
    prefix: unit.prefix,
    year: block.year,
    first: block.first,
    last: block.last,
    next: block.first,
  });
  await tx.store.put(blocks, key(user));
  await tx.done;
  return numbersLeft(user);
}
