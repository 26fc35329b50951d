// The offline workbench (/offline/): the user's tasks, forms and submissions, with or without a
// network. Everything shown comes from the user's own session (the worker's cache of
// /api/tasks/mine and /openrosa/…) and from this browser's queue; see docs/offline.md.
import { REFUSED, SENT, itemsOf, remove, update, WAITING } from "./store.js";
import { formList, keepForOffline } from "./forms.js";
import { pageContext, startPage, t } from "./page.js";
import { keepNumbers, noticeNumber, numbersLeft } from "./notices.js";

const ctx = pageContext();
const locale = document.documentElement.lang || "zh-CN";
const $ = (selector) => ctx.root.querySelector(selector);
const fillUrl = (formID, taskId) =>
  `/offline/fill/?form=${encodeURIComponent(formID)}${taskId ? `&task=${encodeURIComponent(taskId)}` : ""}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

const STATE_LABEL = { [WAITING]: t("待发送"), [SENT]: t("已发送") };

function showNetwork() {
  const online = navigator.onLine;
  const banner = $("#network");
  banner.textContent = online ? t("在线：填好的表单会立即发送") : t("离线：表单先存在本机，联网后自动发送");
  banner.className = online ? "network online" : "network offline";
}

const KEEP_SENT_DAYS = 7;

async function showQueue() {
  const list = $("#queue");
  // Sent forms stay listed for a week (the server keeps them for good), then leave the phone.
  const cutoff = Date.now() - KEEP_SENT_DAYS * 86400 * 1000;
  for (const item of await itemsOf(ctx.user)) {
    if (item.state === SENT && item.sentAt && Date.parse(item.sentAt) < cutoff) await remove(item.id);
  }
  const items = await itemsOf(ctx.user);
  list.replaceChildren();
  $("#queue-empty").hidden = items.length > 0;
  for (const item of items) {
    const state = item.state === REFUSED ? t("被拒绝：%(reason)s", { reason: item.reason }) : STATE_LABEL[item.state];
    const when = new Date(item.createdAt).toLocaleString(locale, { hour12: false });
    const li = el(
      "li",
      { class: `submission ${item.state}`, dataset: { id: item.id, state: item.state } },
      el("span", { class: "what" }, item.label || item.formName),
      el("span", { class: "state" }, state),
      el("small", { class: "when" }, `${when}${item.note ? ` · ${item.note}` : ""}`),
    );
    if (item.state === REFUSED) {
      const retry = el("button", { type: "button", class: "retry secondary" }, t("重新发送"));
      retry.addEventListener("click", async () => {
        item.state = WAITING;
        item.reason = "";
        await update(item);
        sync();
      });
      li.append(retry);
    }
    if (item.state === SENT) {
      const drop = el("button", { type: "button", class: "drop secondary" }, t("从本机清除"));
      drop.addEventListener("click", async () => {
        await remove(item.id);
        showQueue();
      });
      li.append(drop);
    }
    list.append(li);
  }
}

function taskItems(payload) {
  if (Array.isArray(payload)) return payload;
  return payload?.tasks || payload?.items || [];
}

// A task's 填写 opens the form on this page's fill page, with the task and its household.
function taskFillUrl(task) {
  const form = task.form_id || task.form_code;
  if (!form) return "";
  let url = fillUrl(form, task.id);
  if (task.household_id) url += `&household=${encodeURIComponent(task.household_id)}`;
  return url;
}

// Today's and overdue tasks, grouped by building so that a round follows the stairwells (the
// API already sorts overdue first, then by due date and building).
async function showTasks() {
  const box = $("#tasks");
  try {
    const response = await fetch("/api/tasks/mine", { credentials: "same-origin" });
    if (!response.ok || response.redirected) throw new Error(String(response.status));
    const tasks = taskItems(await response.json());
    box.replaceChildren();
    $("#tasks-empty").hidden = tasks.length > 0;
    const groups = new Map();
    for (const task of tasks) {
      const building = task.building?.label || (typeof task.building === "string" ? task.building : "") || t("其他");
      if (!groups.has(building)) groups.set(building, []);
      groups.get(building).push(task);
    }
    for (const [building, items] of groups) {
      box.append(el("li", { class: "group" }, el("span", { class: "what" }, building)));
      for (const task of items) {
        const title = task.title || task.kind_label || task.kind || t("任务 %(id)s", { id: task.id });
        const due = task.due_date ? `${task.overdue ? `${t("已逾期")} · ` : ""}${t("截止 %(date)s", { date: task.due_date })}` : "";
        const li = el(
          "li",
          { class: task.overdue ? "task overdue" : "task", dataset: { id: task.id } },
          el("span", { class: "what" }, title),
        );
        const fill = taskFillUrl(task);
        if (fill) li.append(el("a", { class: "button fill", href: fill }, t("填写")));
        // no form: the task's own screen (a re-inspection's items) or else the task page, which
        // need the network (a re-inspection uploads its after-photos as it closes the hazards)
        else if (task.fill_url || task.url) {
          const open = el("a", { class: "button secondary open", href: task.fill_url || task.url }, t("打开"));
          const hint = el("small", { class: "needs-network" }, t("此任务需联网办理，请到有信号处再打开"));
          hint.hidden = navigator.onLine;
          open.addEventListener("click", (event) => {
            if (navigator.onLine) return;
            event.preventDefault(); // offline the page would not open: say why instead
            hint.hidden = false;
          });
          li.append(open, hint);
        }
        const meta = [task.kind_label, due].filter(Boolean).join(" · ");
        if (meta) li.append(el("small", {}, meta));
        box.append(li);
      }
    }
  } catch {
    $("#tasks-empty").hidden = false;
    $("#tasks-empty").textContent = navigator.onLine ? t("任务暂不可用") : t("离线：本机没有保存任务");
  }
}

async function showForms() {
  const box = $("#forms");
  try {
    const forms = navigator.onLine ? await keepForOffline() : await formList();
    box.replaceChildren();
    $("#forms-empty").hidden = forms.length > 0;
    for (const form of forms) {
      box.append(
        el("li", { class: "form", dataset: { form: form.formID } },
          el("span", { class: "what" }, form.name),
          el("a", { class: "button fill", href: fillUrl(form.formID) }, t("填写"))),
      );
    }
    if (navigator.onLine) $("#forms-ready").hidden = false;
    await showNumbers(forms.some((f) => f.issuesNotices));
  } catch {
    $("#forms-empty").hidden = false;
    $("#forms-empty").textContent = navigator.onLine ? t("表单暂不可用") : t("离线：本机没有保存表单");
  }
}

// Notice numbers kept on the phone for issuing notices offline: reserved while online when
// the user fills forms that can carry a notice (the inspection checklists).
async function showNumbers(wanted) {
  const box = $("#numbers");
  let held = null;
  try {
    held = wanted && navigator.onLine ? await keepNumbers(ctx.user, ctx.csrf) : await numbersLeft(ctx.user);
  } catch {
    held = await numbersLeft(ctx.user).catch(() => null);
  }
  if (!held && !wanted) return;
  box.hidden = false;
  $("#numbers-text").textContent = held
    ? t("下一个文号：%(number)s，本机还有%(left)s个", {
        number: noticeNumber(held.prefix, held.year, held.next),
        left: held.left,
      })
    : t("本机没有预留文号：联网打开工作台时自动预留");
  box.dataset.left = String(held ? held.left : 0);
}

// The fill page is one page for every form: keep a copy now, so that it opens without a network.
async function keepFillPage() {
  if (!navigator.onLine || !("caches" in window)) return;
  try {
    const response = await fetch("/offline/fill/", { credentials: "same-origin" });
    if (response.ok && !response.redirected) await (await caches.open("wangge-data")).put("/offline/fill/", response);
  } catch {
    /* the next visit online tries again */
  }
}

const refresh = (sent) => {
  showNetwork();
  showQueue();
  for (const hint of ctx.root.querySelectorAll(".needs-network")) hint.hidden = navigator.onLine;
  if (sent) showTasks(); // a form just delivered may have completed its task
};
const sync = await startPage(ctx, refresh);
refresh();
await Promise.all([showTasks(), showForms(), keepFillPage()]);
ctx.root.dataset.ready = "1";
window.addEventListener("online", () => {
  showTasks();
  showForms();
});
