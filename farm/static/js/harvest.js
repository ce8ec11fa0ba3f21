/* The worker's harvest page: save through the JSON API; when there is no connection keep the entry on the phone
   (harvest-queue.js, IndexedDB) and send it later. Each entry carries its own UUID as Idempotency-Key, so a save
   that reached the server but whose answer was lost is stored once when it is sent again. The page registers its
   service worker (harvest-sw.js), which keeps a copy of it for opening with no signal and sends the queue by
   Background Sync after the page was closed; without Background Sync the queue goes out when the page next opens.
   No framework. */
(function () {
  "use strict";

  /* --- weights ------------------------------------------------------------------------------------------
     Decimal text, never binary floats, so the page rounds exactly as the server does (farm/units.py): 斤 to kg
     halves up to the gram (1.001 斤 is 0.501 kg), kg to 斤 exactly. tests/harvest/test_units_js.py holds the two
     together. A weight is {neg, digits, scale}: the value is digits / 10^scale. */
  var FULLWIDTH_DIGIT = /[\uFF10-\uFF19]/g;
  function zeros(n) { return n > 0 ? new Array(n + 1).join("0") : ""; }
  function parseDecimal(text) {
    var s = String(text === undefined || text === null ? "" : text).replace(FULLWIDTH_DIGIT, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    });
    var m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,3}))?\s*$/.exec(s);
    if (!m || (m[2] + (m[3] || "")) === "") return null;
    var frac = m[3] || "", digits = m[2] + frac, scale = frac.length - parseInt(m[4] || "0", 10);
    if (scale < 0) { digits += zeros(-scale); scale = 0; }
    return {neg: m[1] === "-", digits: digits.replace(/^0+(?=\d)/, ""), scale: scale};
  }
  function times(digits, k) {  /* a digit string times a one-digit number */
    var out = "", carry = 0;
    for (var i = digits.length - 1; i >= 0; i--) {
      var n = (digits.charCodeAt(i) - 48) * k + carry;
      out = (n % 10) + out;
      carry = Math.floor(n / 10);
    }
    return (carry ? String(carry) : "") + out;
  }
  function increment(digits) {
    var i = digits.length - 1;
    while (i >= 0 && digits.charAt(i) === "9") i--;
    if (i < 0) return "1" + zeros(digits.length);
    return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + zeros(digits.length - i - 1);
  }
  /* the weight as text with exactly `places` decimals, halves rounded away from zero (ROUND_HALF_UP) */
  function rounded(d, places) {
    var digits = d.digits, scale = d.scale;
    while (digits.length <= scale) digits = "0" + digits;
    if (scale > places) {
      var cut = digits.length - (scale - places), up = digits.charAt(cut) >= "5";
      digits = digits.slice(0, cut);
      if (up) digits = increment(digits);
    } else {
      digits += zeros(places - scale);
    }
    var whole = digits.slice(0, digits.length - places).replace(/^0+(?=\d)/, "");
    return (d.neg ? "-" : "") + whole + (places ? "." + digits.slice(digits.length - places) : "");
  }
  /* 斤 typed as text -> kg text to the gram (farm.units.kg_from_jin); null when it is no number */
  function kgFromJin(text) {
    var d = parseDecimal(text);
    return d ? rounded({neg: d.neg, digits: times(d.digits, 5), scale: d.scale + 1}, 3) : null;  /* x/2 = x*5/10 */
  }
  /* a weight typed in kg or 斤 (a comma as the decimal point) -> kg text to the gram (farm.units.to_kg) */
  function toKg(text, u) {
    var t = String(text === undefined || text === null ? "" : text).replace(/,/g, ".");
    if (u === "jin") return kgFromJin(t);
    var d = parseDecimal(t);
    return d ? rounded(d, 3) : null;
  }
  /* kg text -> 斤 text, exact (farm.units.jin) */
  function jinFromKg(text) {
    var d = parseDecimal(text);
    return d ? rounded({neg: d.neg, digits: times(d.digits, 2), scale: d.scale}, d.scale) : null;
  }
  /* The API takes a count or an id as a JSON number ("3" is no count): whole numbers typed go as numbers, anything
     else as typed, for the server to refuse with its message. */
  function whole(text) { return /^\d{1,15}$/.test(text) ? parseInt(text, 10) : text; }
  /* a weight shown to one decimal */
  function one(text) { var d = parseDecimal(text); return d ? rounded(d, 1) : ""; }
  function grams(text) { return parseInt(toKg(text, "kg").replace(".", ""), 10); }
  function kgOfGrams(g) {
    var s = String(Math.abs(g));
    while (s.length < 4) s = "0" + s;
    return (g < 0 ? "-" : "") + s.slice(0, -3) + "." + s.slice(-3);
  }
  window.farmHarvest = {kgFromJin: kgFromJin, toKg: toKg, jinFromKg: jinFromKg, one: one};

  var form = document.getElementById("harvest-form");
  if (!form) return;
  var Q = window.farmHarvestQueue;
  var T = JSON.parse(document.getElementById("harvest-text").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var api = form.getAttribute("data-api");
  var tz = form.getAttribute("data-tz");
  var user = form.getAttribute("data-user");
  var refusedCard = document.getElementById("refused-card");
  var refusedList = document.getElementById("refused");
  var statusEl = document.getElementById("form-status");
  var queueCard = document.getElementById("queue-card");
  var queueList = document.getElementById("queue");
  var banner = document.getElementById("offline-banner");
  var entries = document.getElementById("entries");
  var weight = document.getElementById("f-weight");
  var sending = false;
  var unreachable = false;  /* the last try to send found no connection */
  var waitingCount = 0;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function unit() { return form.querySelector('input[name="unit"]:checked').value; }
  function checked(name) { var el = form.querySelector('input[name="' + name + '"]:checked'); return el ? el.value : ""; }
  function say(text, bad) { statusEl.textContent = text; statusEl.className = "form-status" + (bad ? " error" : " ok"); }
  function time(iso) {
    try { return new Intl.DateTimeFormat("zh-CN", {timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false}).format(new Date(iso)); }
    catch (e) { return iso.slice(11, 16); }
  }
  function parkDay(d) {  /* YYYY-MM-DD in the park's time zone */
    try { return new Intl.DateTimeFormat("en-CA", {timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit"}).format(d); }
    catch (e) { return d.toISOString().slice(0, 10); }
  }
  function moment(iso) {
    try {
      return new Intl.DateTimeFormat("zh-CN", {timeZone: tz, month: "2-digit", day: "2-digit", hour: "2-digit",
                                                minute: "2-digit", hour12: false}).format(new Date(iso));
    } catch (e) { return iso.slice(5, 16).replace("T", " "); }
  }

  function showConversion() {
    var out = document.getElementById("conversion");
    var kg = toKg(weight.value, unit());
    if (kg === null || kg.charAt(0) === "-" || !/[1-9]/.test(kg)) { out.textContent = ""; return; }
    out.textContent = unit() === "jin" ? fill(T.equals, {value: one(kg), unit: T.kg})
                                       : fill(T.equals, {value: one(jinFromKg(kg)), unit: T.jin});
  }
  weight.addEventListener("input", showConversion);
  Array.prototype.forEach.call(form.querySelectorAll('input[name="unit"]'), function (r) {
    r.addEventListener("change", function () { document.cookie = "harvest_unit=" + unit() + ";path=/;max-age=31536000;samesite=lax"; showConversion(); });
  });
  var select = document.getElementById("f-greenhouse");
  var intervalNote = document.getElementById("interval-note");
  function showHouse() {
    var option = select.options[select.selectedIndex];
    document.getElementById("crop-name").textContent = option.getAttribute("data-crop");
    var blocked = option.getAttribute("data-blocked");
    intervalNote.textContent = blocked || "";
    intervalNote.hidden = !blocked;
  }
  select.addEventListener("change", showHouse);
  /* A scanned QR label opens /harvest?gh=GH-005: with no signal the kept copy of the page may have been made for
     another greenhouse, so the label's greenhouse is chosen here too. */
  var scanned = (new URLSearchParams(window.location.search).get("gh") || "").trim().toUpperCase();
  if (scanned && scanned !== select.value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === scanned) { select.selectedIndex = i; showHouse(); break; }
    }
  }
  /* A copy of the page made on an earlier day shows no longer today's entries. */
  if (form.getAttribute("data-day") !== parkDay(new Date())) {
    ["today-card", "recent-card"].forEach(function (id) { var el = document.getElementById(id); if (el) el.hidden = true; });
  }

  /* Offline (or the last send found no connection): say so, with how many entries wait. */
  function showBanner() {
    var offline = !navigator.onLine || unreachable;
    var text = "";
    if (offline) {
      text = waitingCount ? fill(T.offline, {count: waitingCount}) : T.offline_none;
      text += " " + fill(T.page_from, {time: moment(form.getAttribute("data-rendered"))});
    } else if (waitingCount) {
      text = fill(T.waiting_online, {count: waitingCount});
    }
    banner.textContent = text;
    banner.hidden = !text;
    banner.className = "offline-banner" + (offline ? " offline" : "");
  }

  /* A kept entry in one line: time, greenhouse, grade, weight in kg and 斤. */
  function describe(e) {
    return time(e.body.harvested_at) + "  " + e.body.greenhouse + " · " + (T.grades[e.body.grade] || e.body.grade) +
      " · " + one(e.body.weight_kg) + " " + T.kg + " (" + one(jinFromKg(e.body.weight_kg)) + " " + T.jin + ")";
  }

  function renderQueue() {
    return Q.list(Q.QUEUE, user).then(function (q) {
      queueList.textContent = "";
      q.forEach(function (e) {
        var li = document.createElement("li");
        li.className = "entry waiting";
        li.textContent = describe(e) + " · " + T.waiting;
        queueList.appendChild(li);
      });
      queueCard.hidden = q.length === 0;
      waitingCount = q.length;
      showBanner();
    });
  }

  /* Entries the server refused (an interval still running, a closed planting ...): kept on this phone with the
     reason until the worker dismisses them, never sent again. */
  function renderRefused() {
    return Q.list(Q.REFUSED, user).then(function (r) {
      refusedList.textContent = "";
      r.forEach(function (e) {
        var li = document.createElement("li");
        li.className = "entry refused";
        var what = document.createElement("span");
        what.className = "what";
        what.textContent = describe(e);
        var why = document.createElement("strong");
        why.className = "why error";
        why.textContent = e.reason;
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "button dismiss";
        dismiss.textContent = T.dismiss;
        dismiss.addEventListener("click", function () { Q.remove(Q.REFUSED, e.id).then(renderRefused); });
        li.appendChild(what);
        li.appendChild(why);
        li.appendChild(dismiss);
        refusedList.appendChild(li);
      });
      refusedCard.hidden = r.length === 0;
    });
  }

  function addEntry(h) {
    if (entries.querySelector('[data-id="' + h.id + '"]')) return;
    var empty = entries.querySelector(".empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "entry new";
    li.setAttribute("data-id", h.id);
    var crop = h.crop_name || h.crop;
    li.innerHTML = '<span class="time"></span><span class="what"></span><span class="weight"></span>';
    li.children[0].textContent = time(h.harvested_at);
    li.children[1].textContent = h.greenhouse + " · " + crop + " · " + (T.grades[h.grade] || h.grade);
    li.children[2].textContent = one(h.weight_kg) + " " + T.kg + " (" + one(jinFromKg(h.weight_kg)) + " " + T.jin + ")";
    var fix = document.createElement("a");
    fix.className = "fix";
    fix.href = T.edit_url.replace("/0/", "/" + h.id + "/");
    fix.textContent = T.correct;
    li.appendChild(fix);
    entries.insertBefore(li, entries.firstChild);
    var total = document.getElementById("total-kg");
    var kg = kgOfGrams(grams(total.getAttribute("data-kg")) + grams(h.weight_kg));  /* summed in whole grams */
    total.setAttribute("data-kg", kg);
    total.textContent = one(kg);
    document.getElementById("total-jin").textContent = one(jinFromKg(kg));
    var count = document.getElementById("total-count");
    count.textContent = String(parseInt(count.textContent, 10) + 1);
  }

  /* Entries sent since this page was made, by it or by the service worker (while the page was closed or loading),
     added to today's list where they are not in it yet. */
  function showSent() {
    return Q.list(Q.SENT, user).then(function (sent) {
      return Promise.all(sent.map(function (s) {
        if (parkDay(new Date(s.record.harvested_at)) === form.getAttribute("data-day")) {
          s.record.crop_name = s.crop;
          addEntry(s.record);
        }
        return Q.remove(Q.SENT, s.id);
      }));
    });
  }

  /* Ask the service worker to send the queue once the browser has a connection, even if this page is closed. */
  function syncLater() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register(Q.SYNC_TAG);
    })["catch"](function () {});
  }

  /* Send the waiting entries (the one rule of harvest-queue.js) and show what happened. */
  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    return Q.flush(user, {
      saved: function (e, data) {
        unreachable = false;
        say(fill(T.saved, {kg: one(data.weight_kg), jin: one(jinFromKg(data.weight_kg))}), false);
      },
      refused: function (e, reason) {
        unreachable = false;
        say(fill(T.failed, {reason: reason}), true);
        if (weight.value === "" && e.typed) {  /* give the refused entry back to correct it */
          weight.value = e.typed;
          form.querySelector('input[name="unit"][value="' + e.unit + '"]').checked = true;
          showConversion();
        }
      },
      login: function () { unreachable = false; say(T.login, true); },
      offline: function () { unreachable = true; say(T.queued, true); }
    }).then(function (result) {
      sending = false;
      if (result === "offline") syncLater();
      return Promise.all([renderQueue(), renderRefused(), showSent()]);
    }, function () {
      sending = false;
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kg = toKg(weight.value, unit());
    if (kg === null) { say(T.weight_missing, true); weight.focus(); return; }
    var now = new Date().toISOString();
    var body = {greenhouse: select.value, weight_kg: kg, grade: checked("grade"), harvested_at: now};
    var crates = form.elements.crates.value.trim();
    var note = form.elements.note.value.trim();
    if (crates) body.crates = whole(crates);
    if (form.elements.worker && form.elements.worker.value) body.worker = whole(form.elements.worker.value);
    if (note) body.note = note;
    var override = form.elements.interval_override;
    if (override && override.value.trim()) { body.interval_override = override.value.trim(); override.value = ""; }
    var entry = {id: uuid(), user: user, made: now + "#" + uuid(), body: body,
                 crop: select.options[select.selectedIndex].getAttribute("data-crop"), typed: weight.value, unit: unit()};
    weight.value = ""; form.elements.crates.value = ""; form.elements.note.value = "";
    showConversion();
    say(T.sending, false);
    Q.put(Q.QUEUE, entry).then(renderQueue).then(flush);
  });

  /* Entries an older version of this page kept in localStorage move to the shared queue. */
  function adoptOldQueue() {
    var moves = [];
    [["farm.harvest.queue.", Q.QUEUE], ["farm.harvest.refused.", Q.REFUSED]].forEach(function (kind) {
      var key = kind[0] + user, old;
      try { old = JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { old = []; }
      old.forEach(function (e, n) {
        moves.push(Q.put(kind[1], {id: e.id, user: user, made: (e.body.harvested_at || "") + "#" + n, body: e.body,
                                   crop: e.crop, typed: e.typed, unit: e.unit, reason: e.reason}));
      });
      if (old.length) moves.push(Promise.resolve().then(function () { localStorage.removeItem(key); }));
    });
    return Promise.all(moves);
  }

  /* The service worker: registered for the harvest page only; it is told which files the page needs, to keep
     them for opening with no signal. `data-offline-ready` says they are kept. */
  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(form.getAttribute("data-sw"), {scope: form.getAttribute("data-scope")})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (reg) {
        if (!navigator.onLine || !reg.active) return;
        var urls = [];
        Array.prototype.forEach.call(document.querySelectorAll('link[rel="stylesheet"], link[rel="manifest"], link[rel="icon"], script[src]'),
          function (el) { urls.push(el.href || el.src); });
        var channel = new MessageChannel();
        channel.port1.onmessage = function (ev) {
          if (ev.data && ev.data.type === "kept") document.documentElement.setAttribute("data-offline-ready", "1");
        };
        reg.active.postMessage({type: "shell", urls: urls}, [channel.port2]);
      })["catch"](function () {});
    navigator.serviceWorker.addEventListener("message", function (ev) {
      if (!ev.data || ev.data.type !== "sent") return;
      Promise.all([renderQueue(), showSent()]);
    });
  }

  document.getElementById("send-now").addEventListener("click", flush);
  window.addEventListener("online", function () { unreachable = false; showBanner(); flush(); });
  window.addEventListener("offline", showBanner);
  setInterval(function () { if (waitingCount) flush(); }, 15000);
  showConversion();
  showBanner();
  /* The session's token and the API's address, beside the queue: what the service worker sends it with. A copy
     of the page kept while offline carries the same session's token. */
  Promise.all([Q.setMeta("api", api), Q.setMeta("csrf:" + user, csrf), Q.setMeta("user", user), adoptOldQueue()])
    .then(function () { return Promise.all([renderQueue(), renderRefused()]); })
    .then(flush, function () { say(T.queued, true); });
  registerWorker();
})();
