/* The scanning station. A handheld scanner types the label into the barcode field and
   presses Enter: the scan is previewed at once (what the label says and what the scan
   would do), then recorded with a fresh Idempotency-Key. Anything missing or refused
   stays on screen in red with the server's words, and the barcode waits to be retried. */
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
  let pending = null;
  let busy = false;

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

  function setResult(kind, title, lines) {
    result.className = `result ${kind}`;
    result.innerHTML = `<div class="result-title">${esc(title)}</div>` +
      (lines.length ? `<ul class="result-detail">${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "");
  }

  function setPending(code) {
    pending = code;
    pendingBox.hidden = !code;
    pendingCode.textContent = code || "";
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
    hints.innerHTML = (p.hints || []).map((h) => `<li>${esc(h)}</li>`).join("");
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

  async function submit(code) {
    if (busy || !code) return;
    busy = true;
    setPending(code);
    setResult("working", t("Reading the label…"), []);
    try {
      const payload = body(code);
      const pre = await api("POST", "/api/scans/preview", payload);
      if (!pre.ok) {
        clearLabel();
        setResult("bad", pre.network ? t("No connection") : t("Not recorded"), problemLines(pre.data));
        logScan("bad", `<b>${esc(label(payload.action))}</b> ${esc(t("refused"))}`, problemLines(pre.data)[0]);
        return;
      }
      showLabel(pre.data);
      if (pre.data.refused) {
        setResult("bad", t("Not recorded"), [pre.data.refused, ...(pre.data.hints || [])]);
        logScan("bad", `<b>${esc(label(payload.action))}</b> ${esc(pre.data.product.sku)} ${esc(t("refused"))}`, pre.data.refused);
        return;
      }
      const key = newKey();
      const done = await api("POST", "/api/scans", payload, {
        key, onRetry: (n) => setResult("working", t("Connection lost — retrying ({n})…", { n }), [t("The scan is sent with the same key: it will be recorded once.")]),
      });
      if (!done.ok) {
        setResult("bad", done.network ? t("No connection — not confirmed") : t("Not recorded"), problemLines(done.data));
        logScan("bad", `<b>${esc(label(payload.action))}</b> ${esc(pre.data.product.sku)} ${esc(t("refused"))}`, problemLines(done.data)[0]);
        return;
      }
      const r = done.data;
      const moved = (r.moves || []).reduce((n, m) => n + m.quantity, 0);
      const places = (r.moves || []).map((m) => [m.from, m.to].filter(Boolean).join(" → ")).filter(Boolean);
      const recorded = t("{action} recorded", { action: label(r.action) });
      const lotText = r.lot_created ? t("lot {lot} (new lot)", { lot: r.lot.lot_code }) : t("lot {lot}", { lot: r.lot.lot_code });
      setResult("good", recorded.charAt(0).toUpperCase() + recorded.slice(1),
        [`${num(r.quantity ?? moved)} × ${r.product.sku} ${productName(r.product)}, ${lotText}`,
         ...(places.length ? [places[0]] : []), ...(r.hints || [])]);
      logScan("ok", `<b>${esc(label(r.action))}</b> ${esc(num(r.quantity ?? moved))} × ${esc(r.product.sku)} ${esc(productName(r.product))} <span class="muted">${esc(t("lot {lot}", { lot: r.lot.lot_code }))}</span>`, places[0]);
      setPending(null);
      form.elements.quantity.value = "";
      form.elements.lot.value = "";
      // Every delivery is measured anew: a probe reading never carries over.
      form.elements.probe_temp_c.value = "";
    } finally {
      busy = false;
      barcode.focus();
    }
  }

  barcode.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const code = barcode.value.trim();
    barcode.value = "";
    submit(code);
  });

  // Enter in any other field means "done typing": record the waiting label, or go back
  // to the barcode field for the next one.
  form.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || e.target === barcode) return;
    e.preventDefault();
    if (pending) submit(pending); else barcode.focus();
  });
  form.addEventListener("submit", (e) => e.preventDefault());
  form.querySelectorAll('input[name="action"]').forEach((r) => r.addEventListener("change", () => { showFields(); barcode.focus(); }));
  document.getElementById("retry").addEventListener("click", () => submit(pending));
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

  showFields();
  barcode.focus();
})();
