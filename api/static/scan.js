/* The scanning station. A handheld scanner (or the camera) types the label into the barcode
   field and presses Enter: the scan gets its Idempotency-Key at once, is previewed (what the
   label says and what the scan would do), then recorded with that key. A refusal stays on
   screen in red in the person's words; the field that fixes it is opened and focused, and
   only a scan that may still succeed (no connection, a server error, a race) offers a retry.
   The same label again within a few seconds waits for a confirmation. While the session has
   ended, scans are kept on this device (scan_queue.js) and sent, in order and with their
   keys, once the person has signed in again. */
"use strict";

(() => {
  const form = document.getElementById("scan-form");
  const barcode = document.getElementById("barcode");
  const result = document.getElementById("result");
  const pendingBox = document.getElementById("pending");
  const pendingCode = document.getElementById("pending-code");
  const recent = document.getElementById("recent");
  const would = document.getElementById("would");
  const hints = document.getElementById("hints");
  const parsed = Object.fromEntries([...document.querySelectorAll("#parsed dd")].map((d) => [d.dataset.k, d]));
  const { api, newKey, problemLines, esc, t, label, num, productName, clock } = WMS;
  const queue = ScanQueue(form.dataset.user);
  const repeatWindowS = () => Number(form.dataset.repeatWindow || 10);
  const queueBox = document.getElementById("queue");
  const queueCount = document.getElementById("queue-count");
  const retryButton = document.getElementById("retry");
  const pendingText = document.getElementById("pending-text");
  let pending = null;
  let busy = false;
  let line = Promise.resolve();

  const action = () => form.querySelector('input[name="action"]:checked').value;

  function showFields() {
    const a = action();
    form.querySelectorAll("[data-for]").forEach((el) => {
      el.hidden = !el.dataset.for.split(" ").includes(a);
    });
  }

  function body(code) {
    const a = action();
    const out = { barcode: code, action: a };
    form.querySelectorAll("[data-for]").forEach((el) => {
      const input = el.querySelector("input");
      if (!el.hidden && input.value.trim()) {
        out[input.name] = input.type === "number" ? Number(input.value) : input.value.trim();
      }
    });
    for (const name of ["lot", "override_reason"]) {
      const v = form.elements[name].value.trim();
      if (v) out[name] = v;
    }
    const q = form.elements.quantity.value.trim();
    if (q !== "") out.quantity = Number(q);
    return out;
  }

  // The form's inputs by the names the API gives its fields.
  const INPUT_OF = { count: "quantity", net_weight_kg: "barcode", gtin: "barcode", sscc: "barcode",
                     expiry: "barcode", best_before: "barcode", serial: "barcode" };

  /* The field a problem names (its "field" member, or the first of its "errors"). */
  function problemField(data) {
    if (!data) return null;
    if (data.field) return data.field;
    let errs = data.errors;
    while (errs && typeof errs === "object" && !Array.isArray(errs)) {
      const k = Object.keys(errs)[0];
      if (k === undefined) return null;
      if (!["json", "query", "form"].includes(k)) return k;
      errs = errs[k];
    }
    return null;
  }

  /* Open what holds the field that fixes the scan and put the cursor there; null when no
     field of the form can fix it (a bad barcode, an unknown product). */
  function focusField(name) {
    const input = name && form.elements[INPUT_OF[name] || name];
    if (!input || input === barcode || !input.closest) return null;
    const holder = input.closest("[data-for]");
    if (holder && holder.hidden) return null;
    const folded = input.closest("details");
    if (folded) folded.open = true;
    input.focus();
    return input;
  }

  /* Worth sending again as it is: no answer, a server error, a race or a timeout. */
  const mayRetry = (res) => res.network || res.status >= 500 || [408, 409, 425, 429].includes(res.status);

  const signature = (p) => [p.action, p.barcode, p.location, p.from, p.to].map((v) => v || "").join("\u241f");

  function showQueue() {
    const n = queue.size();
    queueBox.hidden = n === 0;
    queueCount.textContent = num(n);
  }

  function setResult(kind, title, lines) {
    result.className = `result ${kind}`;
    result.innerHTML = `<div class="result-title">${esc(title)}</div>` +
      (lines.length ? `<ul class="result-detail">${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "");
  }

  /* A scan waiting on the person: to retry (may succeed as it is), to record once a field
     is filled in, or to confirm as a second unit of the same label. */
  function setPending(item, why = "fix") {
    pending = item;
    pendingBox.hidden = !item;
    pendingCode.textContent = item ? item.body.barcode : "";
    pendingBox.dataset.why = item ? why : "";
    pendingText.textContent = why === "repeat" ? t("Scanned again:") : t("Waiting to record");
    retryButton.textContent = why === "retry" ? t("Try again") : why === "repeat" ? t("Record again") : t("Record");
  }

  function showLabel(p) {
    const lot = p.lot || {};
    parsed.product.textContent = p.product ? productName(p.product) : "—";
    parsed.sku.textContent = p.product ? `${p.product.sku} · ${p.product.gtin}` : "—";
    parsed.lot.textContent = lot.lot_code ? `${lot.lot_code}${p.lot_exists === false ? ` (${t("new")})` : ""}${lot.status && lot.status !== "available" ? ` · ${label(lot.status)}` : ""}` : "—";
    parsed.expiry.textContent = lot.expiry_date || lot.best_before || "—";
    parsed.quantity.textContent = p.quantity === null || p.quantity === undefined ? "—" : num(p.quantity);
    parsed.weight.textContent = p.net_weight_kg ? t("{weight} kg", { weight: num(p.net_weight_kg) }) : "—";
    parsed.available.textContent = p.available === null || p.available === undefined ? "—" : num(p.available);
    would.textContent = p.would ? t("Would: {what}", { what: p.would }) : "";
    showHints(p.hints);
  }

  function showHints(list) {
    hints.innerHTML = (list || []).map((h) => `<li>${esc(h)}</li>`).join("");
  }

  function clearLabel() {
    Object.values(parsed).forEach((d) => (d.textContent = "—"));
    would.textContent = "";
    hints.innerHTML = "";
  }

  function logScan(kind, text, where) {
    recent.querySelector(".empty")?.remove();
    const li = document.createElement("li");
    li.className = kind;
    li.innerHTML = `<span class="when">${esc(clock(new Date()))}</span> ${text} <span class="where">${esc(where || "")}</span>`;
    recent.prepend(li);
    while (recent.children.length > 12) recent.lastElementChild.remove();
  }

  function refuse(item, res, fallbackTitle) {
    const lines = problemLines(res.data);
    ScanFeedback.signal("refused");
    logScan("bad", `<b>${esc(label(item.body.action))}</b> ${esc(t("refused"))}`, lines[0]);
    if (mayRetry(res)) {
      setResult("bad", res.network ? t("No connection — not confirmed") : fallbackTitle, lines);
      setPending(item, "retry");
      return;
    }
    setResult("bad", fallbackTitle, lines);
    // Fixed by filling in a field: the label waits for it. Otherwise scanning it again
    // cannot help: nothing waits, the next label is scanned.
    if (focusField(problemField(res.data))) setPending(item, "fix");
    else setPending(null);
  }

  function queued(item) {
    queue.push(item);
    queue.remember(signature(item.body), repeatWindowS());
    showQueue();
    setPending(null);
    setResult("queued", t("Kept on this device"), [t("Your session has ended: sign in again."),
      t("The scan is sent with the same key when you are signed in again: it will be recorded once.")]);
    logScan("queued", `<b>${esc(label(item.body.action))}</b> ${esc(item.body.barcode)}`, t("waiting to be sent"));
  }

  function recorded(item, r) {
    const moved = (r.moves || []).reduce((n, m) => n + m.quantity, 0);
    const places = (r.moves || []).map((m) => [m.from, m.to].filter(Boolean).join(" → ")).filter(Boolean);
    const said = t("{action} recorded", { action: label(r.action) });
    const lotText = r.lot_created ? t("lot {lot} (new lot)", { lot: r.lot.lot_code }) : t("lot {lot}", { lot: r.lot.lot_code });
    ScanFeedback.signal("ok");
    setResult("good", said.charAt(0).toUpperCase() + said.slice(1),
      [`${num(r.quantity ?? moved)} × ${r.product.sku} ${productName(r.product)}, ${lotText}`,
       ...(places.length ? [places[0]] : [])]);
    // Hints and warnings are for reading beside the result, never inside the green box.
    showHints([...(r.warnings || []), ...(r.hints || [])]);
    logScan("ok", `<b>${esc(label(r.action))}</b> ${esc(num(r.quantity ?? moved))} × ${esc(r.product.sku)} ${esc(productName(r.product))} <span class="muted">${esc(t("lot {lot}", { lot: r.lot.lot_code }))}</span>`, places[0]);
    queue.remember(signature(item.body), repeatWindowS());
  }

  /* Preview, then record one scan with the key it got when it was scanned. */
  async function send(item) {
    if (WMS.sessionHasEnded() || queue.size()) return queued(item);
    setResult("working", t("Reading the label…"), []);
    const pre = await api("POST", "/api/scans/preview", item.body);
    if (pre.sessionEnded) return queued(item);
    if (!pre.ok) {
      clearLabel();
      return refuse(item, pre, pre.network ? t("No connection") : t("Not recorded"));
    }
    showLabel(pre.data);
    if (pre.data.refused) {
      ScanFeedback.signal("refused");
      setResult("bad", t("Not recorded"), [pre.data.refused]);
      logScan("bad", `<b>${esc(label(item.body.action))}</b> ${esc(pre.data.product.sku)} ${esc(t("refused"))}`, pre.data.refused);
      setPending(focusField(pre.data.refused_field) ? item : null, "fix");
      return;
    }
    const done = await api("POST", "/api/scans", item.body, {
      key: item.key, onRetry: (n) => setResult("working", t("Connection lost — retrying ({n})…", { n }), [t("The scan is sent with the same key: it will be recorded once.")]),
    });
    if (done.sessionEnded) return queued(item);
    if (!done.ok) return refuse(item, done, t("Not recorded"));
    recorded(item, done.data);
    setPending(null);
    form.elements.quantity.value = "";
    form.elements.lot.value = "";
    // Every delivery is measured anew: a probe reading never carries over.
    form.elements.probe_temp_c.value = "";
  }

  function run(job) {
    line = line.then(async () => {
      busy = true;
      try { await job(); } finally {
        busy = false;
        if (!form.querySelector("details[open] :focus, .places :focus")) barcode.focus();
      }
    });
    return line;
  }

  /* A label as scanned: its key now, then the repeated-label check, then the server. */
  function scanned(code) {
    if (!code) return;
    const item = { key: newKey(), body: body(code), at: Date.now() };
    const ago = queue.seenAgo(signature(item.body), repeatWindowS());
    if (ago !== null) {
      ScanFeedback.signal("refused");
      setResult("warn", t("Same label again?"), [t("This label was scanned {s} s ago for the same action and place. Record it again only if it is another unit.", { s: num(ago) })]);
      setPending(item, "repeat");
      return;
    }
    run(() => send(item));
  }

  /* What was kept while signed out, in scanning order, each with its own key. */
  async function replay() {
    const items = queue.items();
    if (!items.length || WMS.sessionHasEnded()) return;
    setResult("working", t("Sending the scans kept on this device…"), []);
    for (const item of items) {
      const done = await api("POST", "/api/scans", item.body, { key: item.key, retries: 2 });
      if (done.sessionEnded || (!done.ok && mayRetry(done))) {
        setResult("bad", t("Not everything was sent"), problemLines(done.data));
        showQueue();
        return;
      }
      queue.drop(item.key);
      showQueue();
      if (done.ok) recorded(item, done.data);
      else {
        ScanFeedback.signal("refused");
        logScan("bad", `<b>${esc(label(item.body.action))}</b> ${esc(item.body.barcode)} ${esc(t("refused"))}`, problemLines(done.data)[0]);
      }
    }
    setResult("idle", t("Scans kept on this device were sent"), [t("Scan the next label.")]);
  }

  barcode.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const code = barcode.value.trim();
    barcode.value = "";
    scanned(code);
  });

  // Enter in any other field means "done typing": record the waiting label, or go back
  // to the barcode field for the next one.
  form.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.target === barcode) return;
    e.preventDefault();
    if (pending) confirmPending(); else barcode.focus();
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  form.querySelectorAll('input[name="action"]').forEach((r) => r.addEventListener("change", () => { showFields(); barcode.focus(); }));
  /* A waiting scan sent now: with the form as it is now (a field was filled in), under
     its own key; a repeated label confirmed is another unit, so it keeps the key it got. */
  function confirmPending() {
    if (!pending || busy) return;
    const item = pendingBox.dataset.why === "fix" ? { ...pending, body: body(pending.body.barcode) } : pending;
    setPending(null);
    run(() => send(item));
  }
  retryButton.addEventListener("click", confirmPending);
  document.getElementById("discard").addEventListener("click", () => {
    setPending(null); clearLabel(); setResult("idle", t("Ready"), [t("Scan the next label.")]); barcode.focus();
  });

  // The scanner types wherever the focus is: take it back whenever nothing else holds it.
  barcode.addEventListener("blur", () => setTimeout(() => {
    const a = document.activeElement;
    if (!a || a === document.body) barcode.focus();
  }, 150));
  document.addEventListener("click", (e) => {
    if (!e.target.closest("input, select, textarea, summary, a")) barcode.focus();
  });

  document.addEventListener("wms:session-ended", showQueue);
  document.getElementById("send-queue")?.addEventListener("click", () => run(replay));
  ScanFeedback.bindSwitch(document.getElementById("mute"));

  const cameraButton = document.getElementById("camera");
  const video = document.getElementById("camera-view");
  ScanCamera.available().then((yes) => { cameraButton.hidden = !yes; });
  cameraButton.addEventListener("click", () => {
    if (!video.hidden) { ScanCamera.stop(video); video.hidden = true; return; }
    video.hidden = false;
    ScanCamera.start(video, cameraButton.dataset.library, (code) => {
      video.hidden = true;
      // The fields as the camera read them, written as the scanner's separator would be.
      barcode.value = code.replaceAll("\x1d", form.dataset.separator);
      scanned(code);
      barcode.value = "";
    }, () => {
      video.hidden = true;
      setResult("bad", t("The camera could not be used"), [t("Allow the camera for this site, or scan with the handheld scanner.")]);
    });
  });

  showFields();
  showQueue();
  barcode.focus();
  run(replay);
})();
