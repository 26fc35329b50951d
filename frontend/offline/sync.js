// Sending queued submissions to the OpenRosa submission endpoint (POST /openrosa/submission:
// multipart/form-data with the instance as `xml_submission_file` and each photo as a part named
// by its file name, header X-OpenRosa-Version: 1.0; see docs/offline.md).
//
// The same function runs in a page (on load and on `online`) and in the service worker
// (Background Sync); a Web Lock keeps two of them from sending at once, and a repeated send is
// harmless anyway: the server acknowledges an instanceID it already has without storing it twice.
import { REFUSED, SENT, WAITING, getMeta, itemsOf, update } from "./store.js";

export const SUBMISSION_URL = "/openrosa/submission";

const SEND_TIMEOUT_MS = 60000;
const LOGIN_NEEDED = "登录已过期：重新登录后自动发送";
const NO_NETWORK = "没有网络：联网后自动发送";

/** The server's own words from an OpenRosa response (<message>), else a short status text. */
export function reasonFrom(status, body) {
  const match = /<message[^>]*>([\s\S]*?)<\/message>/i.exec(body || "");
  let text = match ? match[1] : "";
  if (!text && body && !/^\s*</.test(body)) {
    try {
      const json = JSON.parse(body);
      text = json.message || json.detail || "";
    } catch {
      text = body.slice(0, 200);
    }
  }
  text = text.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&").trim();
  return text || `服务器拒绝（HTTP ${status}）`;
}

async function sendOne(item, csrf) {
  const body = new FormData();
  body.append("xml_submission_file", item.xml, "submission.xml");
  for (const part of item.attachments) body.append(part.name, part.blob, part.name);
  const url = item.taskId ? `${SUBMISSION_URL}?task=${encodeURIComponent(item.taskId)}` : SUBMISSION_URL;
  const headers = { "X-OpenRosa-Version": "1.0" };
  if (csrf) headers["X-CSRFToken"] = csrf;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      body,
      headers,
      credentials: "same-origin",
      redirect: "manual", // a redirect means the session is gone (to the login page)
      // A request lost in a weak signal must not hold the queue (and its lock) for ever.
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch {
    return { state: WAITING, note: NO_NETWORK };
  }
  if (response.status === 201 || response.status === 202 || response.status === 200) {
    // The server's own words on what became of it (e.g. 1 项与他人修改冲突，待社区核对).
    const said = /<message[^>]*>([\s\S]*?)<\/message>/i.exec(await response.text().catch(() => ""));
    return { state: SENT, note: said ? reasonFrom(response.status, said[0]) : "" };
  }
  if (response.type === "opaqueredirect" || response.status === 401) {
    return { state: WAITING, note: LOGIN_NEEDED };
  }
  const text = await response.text().catch(() => "");
  if (response.status === 403 && /csrf/i.test(text)) return { state: WAITING, note: LOGIN_NEEDED };
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    return { state: REFUSED, reason: reasonFrom(response.status, text) };
  }
  return { state: WAITING, note: `服务器暂时不可用（HTTP ${response.status}）：稍后自动重试` };
}

async function syncNow(user) {
  const csrf = await getMeta("csrf");
  let sent = 0;
  for (const item of (await itemsOf(user)).reverse()) { // oldest first, as they were filled
    if (item.state !== WAITING) continue;
    const result = await sendOne(item, csrf);
    item.attempts += 1;
    item.state = result.state;
    item.note = result.note || "";
    item.reason = result.reason || "";
    if (result.state === SENT) {
      item.sentAt = new Date().toISOString();
      sent += 1;
    }
    await update(item);
    if (result.note === NO_NETWORK || result.note === LOGIN_NEEDED) break; // the rest would fail too
  }
  return sent;
}

/** Send every waiting submission of `user` (default: the last user seen by a page). */
export async function syncQueue(user) {
  const who = user || (await getMeta("user"));
  if (!who) return 0;
  if (globalThis.navigator?.locks) {
    return navigator.locks.request("wangge-submissions", () => syncNow(who));
  }
  return syncNow(who);
}
