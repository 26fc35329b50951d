// After logout (any page seen by nobody logged in): forget what the service worker kept for the
// last user (tasks, forms, roster, the offline pages). Filled forms not yet sent stay in this
// browser's queue, tied to their user, and are sent when that user logs in again.
(function () {
  "use strict";
  if (!("caches" in window)) return;
  caches.delete("wangge-data").catch(function () {});
  caches.delete("wangge-static").catch(function () {});
})();
