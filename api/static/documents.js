/* The trace page's certificates: the lot's documents and its supplier's, the kinds it
   still lacks, an upload form, and the release of a lot held for a missing certificate. */
"use strict";

(() => {
  const { api, upload, problemLines, esc, when, flash, t, num } = WMS;
  const $ = (id) => document.getElementById(id);
  const card = $("documents-card");
  if (!card) return;
  const KINDS = { organic: t("organic certificate"), origin: t("certificate of origin"),
                  inspection: t("quarantine / inspection certificate"), pesticide_residue: t("pesticide-residue test") };
  let lot = null;

  function kind(k) { return KINDS[k] || k; }

  function render(data) {
    const missing = data.missing || [];
    $("documents-required").innerHTML = data.required?.length
      ? `<p>${esc(t("Required: {kinds}", { kinds: data.required.map(kind).join(", ") }))}${missing.length
        ? ` <span class="badge bad" id="documents-missing">${esc(t("missing: {kinds}", { kinds: missing.map(kind).join(", ") }))}</span>`
        : ` <span class="badge good">${esc(t("complete"))}</span>`}</p>` : "";
    const docs = data.documents || [];
    $("documents-list").innerHTML = docs.length
      ? `<div class="table-wrap"><table class="stack-sm" id="documents-table"><thead><tr><th>${esc(t("Kind"))}</th><th>${esc(t("Issuer"))}</th><th>${esc(t("Number"))}</th><th>${esc(t("Valid"))}</th><th>${esc(t("Result"))}</th><th>${esc(t("File"))}</th></tr></thead><tbody>${
        docs.map((d) => `<tr>
          <td data-label="${esc(t("Kind"))}">${esc(kind(d.kind))}${d.supplier ? ` <span class="muted small">${esc(t("supplier {code}", { code: d.supplier }))}</span>` : ""}</td>
          <td data-label="${esc(t("Issuer"))}">${esc(d.issuer)}</td><td data-label="${esc(t("Number"))}">${esc(d.number)}</td>
          <td data-label="${esc(t("Valid"))}">${esc(d.valid_from)} – ${esc(d.valid_to || t("no end"))}</td>
          <td data-label="${esc(t("Result"))}">${d.kind === "pesticide_residue"
            ? `${esc(d.analyte)} ${esc(num(d.result))} / ${esc(num(d.limit))} ${esc(d.unit)} <span class="badge ${d.passed ? "good" : "bad"}">${esc(d.passed ? t("pass") : t("fail"))}</span>` : "—"}</td>
          <td data-label="${esc(t("File"))}"><a href="/documents/${d.id}/file" download="${esc(d.filename)}" data-document="${d.id}">${esc(d.filename)}</a> <span class="muted small">${esc(when(d.uploaded_at))}</span></td></tr>`).join("")}</tbody></table></div>`
      : `<p class="muted">${esc(t("No certificate or lab result for this lot or its supplier."))}</p>`;
    card.hidden = false;
  }

  async function load(facts) {
    lot = facts;
    const r = await api("GET", `/api/lots/${facts.id}/documents`);
    if (!r.ok) { card.hidden = true; return; }
    render(r.data);
    $("documents-release").hidden = !(facts.status === "hold" && (facts.status_reason || "").startsWith("certificate missing") && !r.data.missing.length);
  }

  const residue = () => document.querySelectorAll("[data-residue]").forEach((el) => {
    el.hidden = $("document-form").kind.value !== "pesticide_residue";
  });
  $("document-form").kind.addEventListener("change", residue);

  $("document-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const form = e.target;
    const data = new FormData();
    for (const name of ["kind", "issuer", "number", "valid_from", "valid_to", "file"]) {
      const el = form.elements[name];
      if (name === "file") data.append("file", el.files[0]);
      else if (el.value) data.append(name, el.value.trim());
    }
    if (form.kind.value === "pesticide_residue") {
      for (const name of ["analyte", "result", "limit", "unit"]) if (form.elements[name].value) data.append(name, form.elements[name].value.trim());
    }
    const url = form.to_supplier.checked && lot.supplier
      ? `/api/suppliers/${encodeURIComponent(lot.supplier.code)}/documents` : `/api/lots/${lot.id}/documents`;
    $("document-submit").disabled = true;
    const r = await upload(url, data);
    $("document-submit").disabled = false;
    if (!r.ok) { flash($("documents-flash"), "bad", t("The document was not uploaded"), problemLines(r.data)); return; }
    flash($("documents-flash"), "good", t("Uploaded {name}", { name: r.data.filename }), []);
    form.reset();
    residue();
    await load(lot);
  });

  $("documents-release").addEventListener("click", async () => {
    const r = await api("POST", `/api/lots/${lot.id}/release`, { reason: t("certificate uploaded") });
    if (!r.ok) { flash($("documents-flash"), "bad", t("The lot was not released"), problemLines(r.data)); return; }
    flash($("documents-flash"), "good", t("The lot is released: its stock went back to storage."), []);
    $("documents-release").hidden = true;
  });

  document.addEventListener("wms:lot-opened", (e) => load(e.detail));
})();
