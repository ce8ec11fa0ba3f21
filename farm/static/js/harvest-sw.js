/* The harvest page's service worker (served at /harvest-sw.js, scope /harvest): the worker's phone opens the
   harvest page with no signal, and the entries it queued go out when the signal returns, even after the page was
   closed.

   - The page (/harvest, with any ?gh= of a scanned QR label) is fetched from the network first and kept, with
     the worker's greenhouse list and session token in it; with no network (or none within a few seconds) the kept
     copy is served. A page that answers with a redirect (logged out) drops the kept copy: a phone passed on to
     someone else does not show the last worker's page.
   - The page's script, style, manifest and icons (the page sends their URLs) are kept too, refreshed from the
     network whenever there is signal, served from the copy only when the network fails.
   - Every other request is left alone: the network only, never a stale copy.
   - A Background Sync sends the queue of the login that last loaded the page (harvest-queue.js, the same sending
     rule as the page's). Where the browser has no Background Sync, the page sends it when it is next opened. */
/* global importScripts, farmHarvestQueue */
"use strict";

importScripts("/static/js/harvest-queue.js");

var CACHE = "farm-harvest-v1";
var PAGE = "/harvest";
var NETWORK_WAIT_MS = 4000;  /* a weak signal: after this the kept page is shown while the network goes on */

self.addEventListener("install", function (event) {
  event.waitUntil(keepPage().catch(function () {}).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("farm-harvest-") === 0 && n !== CACHE; })
      .map(function (n) { return caches["delete"](n); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Fetch the page from the network and keep it when it is the harvest page itself (not a login redirect). */
function keepPage() {
  return fetch(PAGE, {credentials: "same-origin", redirect: "manual", cache: "no-store"}).then(remember);
}

function remember(response) {
  return caches.open(CACHE).then(function (cache) {
    if (response.ok && response.type === "basic" && new URL(response.url).pathname === PAGE) {
      return cache.put(PAGE, response.clone()).then(function () { return response; });
    }
    if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
      return cache["delete"](PAGE).then(function () { return response; });
    }
    return response;
  });
}

function keptPage() {
  return caches.open(CACHE).then(function (cache) { return cache.match(PAGE); });
}

function page(request) {
  var network = fetch(request).then(remember);
  var timer = new Promise(function (resolve) {
    setTimeout(function () { keptPage().then(function (kept) { if (kept) resolve(kept); }); }, NETWORK_WAIT_MS);
  });
  var answer = Promise.race([network, timer]).catch(function () {
    return keptPage().then(function (kept) {
      if (kept) return kept;
      return network;  /* nothing kept: the browser's own offline error */
    });
  });
  return answer;
}

function asset(request) {
  return caches.open(CACHE).then(function (cache) {
    return fetch(request).then(function (response) {
      if (!response.ok) return response;
      return cache.match(request).then(function (kept) {
        return (kept ? cache.put(request, response.clone()) : Promise.resolve()).then(function () { return response; });
      });
    }, function (error) {
      return cache.match(request).then(function (kept) {
        if (kept) return kept;
        throw error;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (url.pathname === PAGE) event.respondWith(page(request));
    return;  /* any other page: the network only */
  }
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === PAGE + "/manifest.webmanifest") {
    event.respondWith(asset(request));
  }
});

/* The page sends the URLs of its script, style, manifest and icons; they are fetched fresh and kept. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "shell") return;
  var port = event.ports && event.ports[0];
  var urls = (data.urls || []).filter(function (u) { return new URL(u, self.location.href).origin === self.location.origin; });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (u) {
      return fetch(u, {cache: "no-cache"}).then(function (r) { if (r.ok) return cache.put(u, r); }, function () {});
    })).then(function () {
      return Promise.all([cache.match(PAGE)].concat(urls.map(function (u) { return cache.match(u); })));
    });
  }).then(function (found) {
    if (port) port.postMessage({type: found.every(Boolean) ? "kept" : "not-kept"});
  }));
});

/* Send the waiting entries of the login that last loaded the page; a failure leaves the sync to be retried. */
self.addEventListener("sync", function (event) {
  if (event.tag !== farmHarvestQueue.SYNC_TAG) return;
  event.waitUntil(farmHarvestQueue.getMeta("user").then(function (user) {
    if (!user) return "done";
    var sent = 0;
    return farmHarvestQueue.flush(user, {saved: function () { sent += 1; }})
      .then(function (result) {
        if (sent) {  /* an open page shows them (harvest-queue.js keeps them under "sent" for it) */
          self.clients.matchAll({type: "window"}).then(function (clients) {
            clients.forEach(function (c) { c.postMessage({type: "sent"}); });
          });
          keepPage().catch(function () {});  /* the kept page's list of today's entries, with these in it */
        }
        if (result === "offline") throw new Error("no connection yet");
      });
  }));
});
