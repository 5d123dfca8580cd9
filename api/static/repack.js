/* The repack form of the scanning station: one input lot and one output product, recorded
   with a fresh Idempotency-Key; the answer shows the new lot, its expiry and the yield. */
"use strict";

(() => {
  const form = document.getElementById("repack-form");
  if (!form) return;
  const out = document.getElementById("repack-result");
  const { api, newKey, problemLines, esc, t, num } = WMS;

  function show(kind, title, lines) {
    out.className = `result ${kind}`;
    out.innerHTML = `<div class="result-title">${esc(title)}</div>` +
      (lines.length ? `<ul class="result-detail">${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "");
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    const input = { lot_id: Number(f.lot_id.value), quantity: Number(f.in_quantity.value) };
    if (f.weight_kg.value.trim()) input.weight_kg = Number(f.weight_kg.value);
    const output = { sku: f.sku.value.trim(), quantity: Number(f.out_quantity.value) };
    if (f.lot_code.value.trim()) output.lot_code = f.lot_code.value.trim();
    const body = { location: f.location.value.trim(), inputs: [input], outputs: [output],
                   loss_reason: f.loss_reason.value.trim() };
    show("idle", t("Recording…"), []);
    const done = await api("POST", "/api/repacks", body, { key: newKey() });
    if (!done.ok) {
      show("error", t("Repack refused"), problemLines(done.data));
      return;
    }
    const r = done.data;
    show("ok", t("Repack {ref} recorded", { ref: r.ref }),
         [t("{kg_in} kg in, {kg_out} kg out: {pct} % yield",
            { kg_in: num(r.input_kg), kg_out: num(r.output_kg), pct: num(r.yield_pct) }),
          ...r.outputs.map((o) => t("lot {lot} of {sku}: {n}, expires {day}",
                                    { lot: o.lot_code, sku: o.sku, n: num(o.quantity),
                                      day: o.expiry_date || "—" }))]);
  });
})();
