// On the other pages of the workbench (the task list): start the service worker, remember who is
// logged in and the page's CSRF token (the worker sends the queue with them), and send what
// waits whenever the network comes back. Included by templates/offline/_pwa_head.html.
import { startPage } from "./page.js";

const user = document.body.dataset.user;
if (user) startPage({ user, csrf: document.body.dataset.csrf }, () => {});
