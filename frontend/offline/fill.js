// The form-fill page (/offline/fill/?form=<formID>&task=<id>): the XForm rendered by ODK Web
// Forms (@getodk/web-forms, a Vue component), its roster CSV from the form's manifest, and the
// filled instance put in the IndexedDB queue, then sent when there is a network.
import { createApp, h } from "vue";
import { OdkWebForm, webFormsPlugin } from "@getodk/web-forms";
import { enqueue } from "./store.js";
import { formList, formXml, manifest } from "./forms.js";
import { english, pageContext, requestBackgroundSync, startPage, t } from "./page.js";
import { takeSerial } from "./notices.js";
import { syncQueue } from "./sync.js";

const ctx = pageContext();
const params = new URLSearchParams(location.search);
const formID = params.get("form") || "";
const taskId = params.get("task") || "";

// Values the task hands to the form (docs/offline.md): ?task=<id> fills a top-level `task_id`,
// and any other parameter that names a top-level field of the form (`household`) fills that
// field. They become the primary instance's initial values, which is how an XForm carries a
// default (ODK XForms spec, "Primary instance"); the user can still change a visible field.
function withDefaults(xml) {
  const wanted = {};
  for (const [key, value] of params) {
    if (key !== "form" && key !== "task" && value) wanted[key] = value;
  }
  if (taskId) wanted.task_id = taskId;
  if (!Object.keys(wanted).length) return xml;
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const model = doc.getElementsByTagNameNS("http://www.w3.org/2002/xforms", "model")[0];
  const instance = model && [...model.children].find((c) => c.localName === "instance");
  const root = instance && [...instance.children][0];
  if (!root) return xml;
  let changed = false;
  for (const field of root.children) {
    if (field.children.length === 0 && field.localName in wanted) {
      field.textContent = wanted[field.localName];
      changed = true;
    }
  }
  return changed ? new XMLSerializer().serializeToString(doc) : xml;
}
// A checklist saved with a notice (notice_kind immediate or deadline): the notice is numbered
// now, on the phone, with the next unused serial of the block the workbench reserved
// (notices.js), and the number goes into the instance's hidden fields with the time of issue,
// for the server to issue the notice with that number (docs/inspections.md). Without a
// serial left the notice is numbered by the server when the checklist arrives.
const NOTICE_KINDS = { immediate: "责令立即改正通知书", deadline: "责令限期改正通知书" };

// The task the form was opened for, as the workbench last fetched it (the worker's copy when
// offline): a checklist's queue entry is named by its task (消防安全检查：<place>), since its
// first choice (合格) says nothing about which place was inspected.
async function taskTitle() {
  if (!taskId) return "";
  try {
    const response = await fetch("/api/tasks/mine", { credentials: "same-origin" });
    if (!response.ok || response.redirected) return "";
    const payload = await response.json();
    const tasks = Array.isArray(payload) ? payload : payload?.tasks || payload?.items || [];
    return tasks.find((t) => String(t.id) === taskId)?.title || "";
  } catch {
    return "";
  }
}

async function numberNotice(text) {
  const doc = new DOMParser().parseFromString(text, "text/xml");
  const field = (name) => [...doc.documentElement.children].find((c) => c.localName === name);
  const kind = field("notice_kind")?.textContent.trim();
  if (!field("notice_kind")) return { text, notice: null, checklist: false };
  if (!NOTICE_KINDS[kind] || !field("notice_serial")) return { text, notice: null, checklist: true };
  const set = (name, value) => {
    if (field(name)) field(name).textContent = value;
  };
  set("notice_issued_at", new Date().toISOString());
  const taken = field("notice_serial").textContent.trim() ? null : await takeSerial(ctx.user);
  if (taken) {
    set("notice_unit", taken.unit);
    set("notice_serial", String(taken.serial));
    set("notice_year", String(taken.year));
  }
  const notice = { kind: NOTICE_KINDS[kind], number: taken ? taken.number : "" };
  return { text: new XMLSerializer().serializeToString(doc), notice, checklist: true };
}

const status = ctx.root.querySelector("#fill-status");

function say(message, kind = "info") {
  status.textContent = message;
  status.className = `fill-status ${kind}`;
  status.hidden = !message;
}

function instanceId(xml) {
  const match = /<(?:\w+:)?instanceID>([^<]+)</.exec(xml);
  return match ? match[1].trim() : `uuid:${crypto.randomUUID()}`;
}

function instanceLabel(mount, form) {
  // A short line for the queue: the form's name and the first choice made (on a visit form, the
  // household picked from the roster), as the user saw it.
  const checked = mount.querySelector("input[type=radio]:checked, input[type=checkbox]:checked");
  const option = checked?.closest("label")?.textContent.trim();
  return option ? `${form.name} · ${option}` : form.name;
}

// The engine asks for jr://file/<name> and jr://file-csv/<name>: answer from the manifest.
function attachmentFetcher(files) {
  return async (resource) => {
    const href = String(resource?.href ?? resource);
    const name = decodeURIComponent(href.split("/").pop() || "");
    const url = files[name];
    if (!url) return new Response("", { status: 404 });
    return fetch(url, { headers: { "X-OpenRosa-Version": "1.0" }, credentials: "same-origin" });
  };
}

// The engine's buttons and messages are in English (it has no Chinese catalogue yet); this
// Chinese-first UI relabels the few a visit form shows. Vue leaves static labels alone once drawn. The engine's
// footer credits ODK ("Powered by" + the ODK logo + the version, a link to getodk.org): its
// licence (Apache-2.0) asks for no such notice, but the credit stays, in Chinese (技术支持).
const LABELS = {
  "Powered by": "技术支持",
  Send: "保存并发送",
  "Choose image": "选择照片",
  "Take picture": "拍照",
  "Get location": "获取位置",
  "Save location": "保存位置",
  Remove: "移除",
  Add: "添加", // a repeat's "Add <group>" when the group's label is a separate text node
  Clear: "清除",
  Cancel: "取消",
  // what a question says when it is left empty or its answer breaks the form's rule, unless the
  // form names its own message (required_message, constraint_message)
  "Condition not satisfied: required": "此题必填",
  "Condition not satisfied: constraint": "填写的内容不符合本题要求",
};

function chineseFor(text) {
  const trimmed = text.trim();
  if (LABELS[trimmed]) return LABELS[trimmed];
  const add = /^Add (.+)$/.exec(trimmed); // a repeat's "Add <group>"
  if (add) return `添加${add[1]}`;
  // the banner over a form sent with questions left wrong: say where to look
  const errors = /^(\d+) questions? with errors?\.$/.exec(trimmed);
  return errors ? `有 ${errors[1]} 道题未填或填写有误，请查看下面标红的题目` : "";
}

function translateButtons() {
  // The form's buttons, its menus (drawn at the end of <body>), the footer's credit and the
  // engine's validation messages (a question's, and the banner counting them).
  const relabel = () => {
    const controls = [
      ".odk-host button",
      ".p-menu-item-label",
      ".p-menu-item-link",
      ".odk-host .powered-by-wrapper .caption",
      ".odk-host .validation-message",
      ".odk-host .form-error-message li",
    ].join(", ");
    for (const control of document.querySelectorAll(controls)) {
      const texts = document.createTreeWalker(control, NodeFilter.SHOW_TEXT);
      for (let node = texts.nextNode(); node; node = texts.nextNode()) {
        const chinese = chineseFor(node.textContent);
        if (!chinese) continue;
        node.textContent = chinese;
        if (control.hasAttribute("aria-label")) control.setAttribute("aria-label", chinese);
      }
    }
  };
  // characterData: Vue rewrites a text node in place when the count of wrong questions changes
  const watch = { childList: true, subtree: true, characterData: true };
  new MutationObserver(relabel).observe(document.body, watch);
  relabel();
}

async function main() {
  await startPage(ctx, () => {});
  if (!formID) {
    say(t("没有指定表单：请从离线工作台打开"), "error");
    return;
  }
  let form;
  let xml;
  let files;
  try {
    form = (await formList()).find((f) => f.formID === formID);
    if (!form) throw new Error("not listed");
    [xml, files] = await Promise.all([formXml(form), manifest(form)]);
  } catch {
    say(
      navigator.onLine
        ? t("找不到表单 %(form)s", { form: formID })
        : t("离线：本机没有保存表单 %(form)s，请联网后打开一次工作台", { form: formID }),
      "error",
    );
    return;
  }
  ctx.root.querySelector("#form-title").textContent = form.name;
  const mount = ctx.root.querySelector("#form");
  const app = createApp({
    render: () =>
      h(OdkWebForm, {
        formXml: withDefaults(xml),
        fetchFormAttachment: attachmentFetcher(files),
        missingResourceBehavior: "BLANK",
        trackDevice: true,
        onSubmit: async (payload, callback) => {
          if (payload.status !== "ready") return;
          const data = payload.data[0];
          const { text, notice, checklist } = await numberNotice(await data.instanceFile.text());
          const what = checklist ? (await taskTitle()) || form.name : "";
          let label = checklist ? what : instanceLabel(mount, form);
          if (notice) label += ` · ${notice.kind} ${notice.number || "（联网后编号）"}`;
          const item = await enqueue({
            id: instanceId(text),
            user: ctx.user,
            formId: form.formID,
            formName: form.name,
            taskId,
            label,
            xml: new Blob([text], { type: "text/xml" }),
            attachments: [...(data.attachments || [])],
          });
          say(
            notice?.number
              ? t("已保存到本机：待发送。通知书文号 %(number)s", { number: notice.number })
              : t("已保存到本机：待发送"),
            "ok",
          );
          await requestBackgroundSync();
          if (navigator.onLine) await syncQueue(ctx.user).catch(() => 0);
          callback?.({});
          location.assign(`/offline/?saved=${encodeURIComponent(item.id)}`);
        },
      }),
  });
  app.use(webFormsPlugin);
  app.mount(mount);
  if (!english) translateButtons(); // in English the engine's own words stand
  ctx.root.dataset.ready = "1";
}

main();
