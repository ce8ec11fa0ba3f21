/* The harvest page's offline queue, shared by the page (harvest.js) and its service worker (harvest-sw.js), so
   the one rule for sending a waiting entry lives once: an entry is sent with its own UUID as Idempotency-Key
   (a save that reached the server but whose answer was lost is stored once when sent again), in the order it
   was made; a network failure or a server error stops and keeps it; a lost login stops; any other refusal drops
   it into the refused list with the server's reason, never to be sent again.

   Kept in IndexedDB (not localStorage), because a service worker can read only IndexedDB: that is what lets a
   Background Sync send the entries after the page was closed. Each entry belongs to one login (`user`); the CSRF
   token of that login's session is kept beside them, from the last page it loaded. No framework. */
(function (root) {
  "use strict";

  var DB = "farm-harvest", VERSION = 1;
  var QUEUE = "queue", REFUSED = "refused", SENT = "sent", META = "meta";
  var opened = null;

  function request(r) {
    return new Promise(function (resolve, reject) {
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
    });
  }

  function db() {
    if (!opened) {
      var r = root.indexedDB.open(DB, VERSION);
      r.onupgradeneeded = function () {
        var d = r.result;
        d.createObjectStore(QUEUE, {keyPath: "id"});
        d.createObjectStore(REFUSED, {keyPath: "id"});
        d.createObjectStore(SENT, {keyPath: "id"});
        d.createObjectStore(META, {keyPath: "key"});
      };
      opened = request(r);
      opened.catch(function () { opened = null; });
    }
    return opened;
  }

  function tx(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(store, mode);
        var result = work(t.objectStore(store));
        t.oncomplete = function () { resolve(result && result.value); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }

  /* The entries of one login in a store, oldest first. */
  function list(store, user) {
    return tx(store, "readonly", function (s) {
      var out = {value: []};
      s.getAll().onsuccess = function (ev) {
        out.value = ev.target.result.filter(function (e) { return String(e.user) === String(user); })
          .sort(function (a, b) { return a.made < b.made ? -1 : a.made > b.made ? 1 : 0; });
      };
      return out;
    });
  }
  function put(store, entry) { return tx(store, "readwrite", function (s) { s.put(entry); }); }
  function remove(store, id) { return tx(store, "readwrite", function (s) { s["delete"](id); }); }
  function users() {
    return tx(QUEUE, "readonly", function (s) {
      var out = {value: []};
      s.getAll().onsuccess = function (ev) {
        ev.target.result.forEach(function (e) { if (out.value.indexOf(String(e.user)) < 0) out.value.push(String(e.user)); });
      };
      return out;
    });
  }
  function getMeta(key) {
    return tx(META, "readonly", function (s) {
      var out = {value: null};
      s.get(key).onsuccess = function (ev) { out.value = ev.target.result ? ev.target.result.value : null; };
      return out;
    });
  }
  function setMeta(key, value) { return put(META, {key: key, value: value}); }

  /* The reason of a refusal, from the error envelope: the fields' messages (the interval's refusal carries its
     date under harvest_allowed_from beside a message that says it), else the message, else the status. */
  function reasonOf(status, data) {
    var err = (data && data.error) || {};
    var fields = err.fields || {};
    var why = Object.keys(fields).filter(function (k) { return k !== "harvest_allowed_from"; })
      .map(function (k) { return fields[k]; }).filter(function (v, i, all) { return all.indexOf(v) === i; }).join(" ");
    return why || err.message || String(status);
  }

  /* Send one login's waiting entries in order; `on` may hold saved(entry, record), refused(entry, reason),
     login(), offline(). Resolves to "done", "offline" (kept for later) or "login" (kept until a login).
     The login's current session must be the browser's: the page calls it for its own login, the service worker
     for the login that last loaded the page (a CSRF token of another session is refused as a lost login). The
     server would store an entry sent twice once anyway (its Idempotency-Key); the lock spares it the race. */
  function flush(user, on) {
    on = on || {};
    /* One sender at a time across the page's tabs and the service worker (Web Locks where the browser has them): a
       second sender finds the entries the first one sent gone, instead of sending them at the same moment. */
    var locks = root.navigator && root.navigator.locks;
    return locks ? locks.request("farm-harvest-queue", function () { return send(user, on); }) : send(user, on);
  }

  function send(user, on) {
    return Promise.all([list(QUEUE, user), getMeta("csrf:" + user), getMeta("api")]).then(function (got) {
      var queue = got[0], csrf = got[1] || "", api = got[2];
      function next(i) {
        if (i >= queue.length) return "done";
        var e = queue[i];
        return root.fetch(api, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": e.id,
                    "Accept": "application/json"},
          body: JSON.stringify(e.body)
        }).then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (data) {
            if (r.status === 200 || r.status === 201) {
              /* Kept under "sent" until a page has shown it: the service worker may send while a page loads. */
              return put(SENT, {id: e.id, user: e.user, made: e.made, crop: e.crop, record: data})
                .then(function () { return remove(QUEUE, e.id); })
                .then(function () { if (on.saved) on.saved(e, data); return next(i + 1); });
            }
            if (r.status === 401 || (r.status === 400 && data.error && data.error.code === "csrf")) {
              if (on.login) on.login();
              return "login";
            }
            if (r.status >= 400 && r.status < 500) {
              var reason = reasonOf(r.status, data);
              return put(REFUSED, {id: e.id, user: e.user, made: e.made, body: e.body, reason: reason})
                .then(function () { return remove(QUEUE, e.id); })
                .then(function () { if (on.refused) on.refused(e, reason); return next(i + 1); });
            }
            if (on.offline) on.offline();  /* a server error: keep it and try again later */
            return "offline";
          });
        }, function () {
          if (on.offline) on.offline();
          return "offline";
        });
      }
      return api ? next(0) : "done";
    });
  }

  root.farmHarvestQueue = {
    QUEUE: QUEUE, REFUSED: REFUSED, SENT: SENT, SYNC_TAG: "farm-harvest-queue",
    list: list, put: put, remove: remove, users: users, getMeta: getMeta, setMeta: setMeta, flush: flush
  };
})(self);
