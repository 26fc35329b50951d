// The user's forms, as the OpenRosa form list describes them (GET /openrosa/formList, then each
// form's downloadUrl and manifestUrl). The service worker keeps every answer, so the same calls
// work without a network once they have been made online.
const XFORMS_LIST = "http://openrosa.org/xforms/xformsList";
const XFORMS_MANIFEST = "http://openrosa.org/xforms/xformsManifest";
const HEADERS = { "X-OpenRosa-Version": "1.0", Accept: "text/xml" };

// "from=workbench": forms registered as opened only from a task are listed too; ODK Collect,
// which cannot fill a task's hidden answers, is not offered them. (The inspection checklists
// are listed to both: Collect picks their place from places.csv.)
export const FORM_LIST_URL = "/openrosa/formList?from=workbench";

function text(parent, ns, name) {
  const node = parent.getElementsByTagNameNS(ns, name)[0] || parent.getElementsByTagName(name)[0];
  return node ? node.textContent.trim() : "";
}

// A URL from the server, kept only if it stays on this site (the worker stores only those).
function local(url) {
  if (!url) return "";
  const parsed = new URL(url, location.origin);
  return parsed.origin === location.origin ? parsed.pathname + parsed.search : "";
}

async function getXml(url) {
  const response = await fetch(url, { headers: HEADERS, credentials: "same-origin" });
  if (!response.ok || response.redirected) throw new Error(`${url}: HTTP ${response.status}`);
  return new DOMParser().parseFromString(await response.text(), "text/xml");
}

/** [{formID, name, version, hash, downloadUrl, manifestUrl}] of the logged-in user. */
export async function formList() {
  const doc = await getXml(FORM_LIST_URL);
  return [...doc.getElementsByTagNameNS(XFORMS_LIST, "xform")].map((x) => ({
    formID: text(x, XFORMS_LIST, "formID"),
    name: text(x, XFORMS_LIST, "name") || text(x, XFORMS_LIST, "formID"),
    version: text(x, XFORMS_LIST, "version"),
    hash: text(x, XFORMS_LIST, "hash"),
    downloadUrl: local(text(x, XFORMS_LIST, "downloadUrl")),
    manifestUrl: local(text(x, XFORMS_LIST, "manifestUrl")),
  }));
}

/** {filename: downloadUrl} of a form's media files (the roster CSV). */
export async function manifest(form) {
  if (!form.manifestUrl) return {};
  const doc = await getXml(form.manifestUrl);
  const files = {};
  for (const media of doc.getElementsByTagNameNS(XFORMS_MANIFEST, "mediaFile")) {
    const url = local(text(media, XFORMS_MANIFEST, "downloadUrl"));
    if (url) files[text(media, XFORMS_MANIFEST, "filename")] = url;
  }
  return files;
}

export async function formXml(form) {
  const response = await fetch(form.downloadUrl, { headers: HEADERS, credentials: "same-origin" });
  if (!response.ok || response.redirected) throw new Error(`${form.downloadUrl}: HTTP ${response.status}`);
  return response.text();
}

/** Fetch every form, manifest and media file once, so that the worker has them for offline. */
export async function keepForOffline() {
  const forms = await formList();
  for (const form of forms) {
    // A form that can carry a rectification notice (the inspection checklists) asks the
    // workbench to keep notice numbers on the phone (notices.js).
    form.issuesNotices = (await formXml(form)).includes("notice_serial");
    for (const url of Object.values(await manifest(form))) {
      const response = await fetch(url, { headers: HEADERS, credentials: "same-origin" });
      await response.arrayBuffer();
    }
  }
  return forms;
}
