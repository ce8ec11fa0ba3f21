/* The worker's harvest page: save through the JSON API; when there is no connection keep the entry in
   localStorage and send it later. Each entry carries its own UUID as Idempotency-Key, so a save that
   reached the server but whose answer was lost is stored once when it is sent again. No framework. */
(function () {
  "use strict";
  var form = document.getElementById("harvest-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("harvest-text").textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var api = form.getAttribute("data-api");
  var tz = form.getAttribute("data-tz");
  var storeKey = "farm.harvest.queue." + form.getAttribute("data-user");
  var statusEl = document.getElementById("form-status");
  var queueCard = document.getElementById("queue-card");
  var queueList = document.getElementById("queue");
  var entries = document.getElementById("entries");
  var weight = document.getElementById("f-weight");
  var sending = false;

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
  function one(n) { return (Math.round(n * 10) / 10).toFixed(1); }
  function unit() { return form.querySelector('input[name="unit"]:checked').value; }
  function checked(name) { var el = form.querySelector('input[name="' + name + '"]:checked'); return el ? el.value : ""; }
  function say(text, bad) { statusEl.textContent = text; statusEl.className = "form-status" + (bad ? " error" : " ok"); }
  function load() { try { return JSON.parse(localStorage.getItem(storeKey) || "[]"); } catch (e) { return []; } }
  function store(q) { localStorage.setItem(storeKey, JSON.stringify(q)); renderQueue(q); }
  function time(iso) {
    try { return new Intl.DateTimeFormat("zh-CN", {timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false}).format(new Date(iso)); }
    catch (e) { return iso.slice(11, 16); }
  }
  /* kg as text with at most 3 decimals, from what was typed in kg or jin (1 kg = 2 jin) */
  function toKg(text, u) {
    var n = parseFloat(String(text).replace(",", "."));
    if (!isFinite(n)) return null;
    return u === "jin" ? (n / 2).toFixed(3) : n.toFixed(3);
  }

  function showConversion() {
    var out = document.getElementById("conversion");
    var n = parseFloat(weight.value.replace(",", "."));
    if (!isFinite(n) || n <= 0) { out.textContent = ""; return; }
    out.textContent = unit() === "jin" ? fill(T.equals, {value: one(n / 2), unit: T.kg})
                                       : fill(T.equals, {value: one(n * 2), unit: T.jin});
  }
  weight.addEventListener("input", showConversion);
  Array.prototype.forEach.call(form.querySelectorAll('input[name="unit"]'), function (r) {
    r.addEventListener("change", function () { document.cookie = "harvest_unit=" + unit() + ";path=/;max-age=31536000;samesite=lax"; showConversion(); });
  });
  var select = document.getElementById("f-greenhouse");
  select.addEventListener("change", function () {
    document.getElementById("crop-name").textContent = select.options[select.selectedIndex].getAttribute("data-crop");
  });

  function renderQueue(q) {
    queueList.textContent = "";
    q.forEach(function (e) {
      var li = document.createElement("li");
      li.className = "entry waiting";
      li.textContent = time(e.body.harvested_at) + "  " + e.body.greenhouse + " · " + (T.grades[e.body.grade] || e.body.grade) +
        " · " + one(parseFloat(e.body.weight_kg)) + " " + T.kg + " (" + one(parseFloat(e.body.weight_kg) * 2) + " " + T.jin + ") · " + T.waiting;
      queueList.appendChild(li);
    });
    queueCard.hidden = q.length === 0;
  }

  function addEntry(h) {
    var empty = entries.querySelector(".empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.className = "entry new";
    li.setAttribute("data-id", h.id);
    var crop = h.crop_name || h.crop;
    li.innerHTML = '<span class="time"></span><span class="what"></span><span class="weight"></span>';
    li.children[0].textContent = time(h.harvested_at);
    li.children[1].textContent = h.greenhouse + " · " + crop + " · " + (T.grades[h.grade] || h.grade);
    li.children[2].textContent = one(h.weight_kg) + " " + T.kg + " (" + one(h.weight_jin) + " " + T.jin + ")";
    var fix = document.createElement("a");
    fix.className = "fix";
    fix.href = T.edit_url.replace("/0/", "/" + h.id + "/");
    fix.textContent = T.correct;
    li.appendChild(fix);
    entries.insertBefore(li, entries.firstChild);
    var total = document.getElementById("total-kg");
    var kg = parseFloat(total.getAttribute("data-kg")) + h.weight_kg;
    total.setAttribute("data-kg", kg);
    total.textContent = one(kg);
    document.getElementById("total-jin").textContent = one(kg * 2);
    var count = document.getElementById("total-count");
    count.textContent = String(parseInt(count.textContent, 10) + 1);
  }

  /* Send the waiting entries in order. A network failure stops and leaves them queued; a refusal by the
     server (4xx other than a lost login) drops that entry and says why. */
  function flush() {
    if (sending) return Promise.resolve();
    var q = load();
    if (!q.length) return Promise.resolve();
    sending = true;
    var e = q[0];
    return fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Idempotency-Key": e.id, "Accept": "application/json"},
      body: JSON.stringify(e.body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        sending = false;
        if (r.status === 200 || r.status === 201) {
          store(load().filter(function (x) { return x.id !== e.id; }));
          if (!entries.querySelector('[data-id="' + data.id + '"]')) { data.crop_name = e.crop; addEntry(data); }
          say(fill(T.saved, {kg: one(data.weight_kg), jin: one(data.weight_jin)}), false);
          return flush();
        }
        if (r.status === 401 || r.status === 400 && data.error && data.error.code === "csrf") { say(T.login, true); return; }
        if (r.status >= 400 && r.status < 500) {
          store(load().filter(function (x) { return x.id !== e.id; }));
          var err = data.error || {};
          var why = err.fields ? Object.keys(err.fields).map(function (k) { return err.fields[k]; }).join(" ") : "";
          say(fill(T.failed, {reason: why || err.message || r.status}), true);
          if (weight.value === "" && e.typed) {  /* give the refused entry back to correct it */
            weight.value = e.typed;
            form.querySelector('input[name="unit"][value="' + e.unit + '"]').checked = true;
            showConversion();
          }
          return flush();
        }
        say(T.queued, true);  /* a server error: keep it and try again later */
      });
    }, function () {
      sending = false;
      say(T.queued, true);
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kg = toKg(weight.value, unit());
    if (kg === null) { say(T.weight_missing, true); weight.focus(); return; }
    var body = {greenhouse: select.value, weight_kg: kg, grade: checked("grade"), harvested_at: new Date().toISOString()};
    var crates = form.elements.crates.value.trim();
    var note = form.elements.note.value.trim();
    if (crates) body.crates = crates;
    if (form.elements.worker && form.elements.worker.value) body.worker = form.elements.worker.value;
    if (note) body.note = note;
    var q = load();
    q.push({id: uuid(), body: body, crop: select.options[select.selectedIndex].getAttribute("data-crop"),
            typed: weight.value, unit: unit()});
    store(q);
    weight.value = ""; form.elements.crates.value = ""; form.elements.note.value = "";
    showConversion();
    say(T.sending, false);
    flush();
  });

  document.getElementById("send-now").addEventListener("click", flush);
  window.addEventListener("online", flush);
  setInterval(function () { if (load().length) flush(); }, 15000);
  renderQueue(load());
  showConversion();
  flush();
})();
