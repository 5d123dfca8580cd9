/* The purchasing page's order form: lines added and removed in the page, the order placed
   (and sent) through the API, then its page opened. */
"use strict";

(() => {
  const { api, problemLines, flash, t } = WMS;
  const form = document.getElementById("po-form");
  if (!form) return;
  const body = document.querySelector("#po-form-lines tbody");
  const row = document.getElementById("po-line-row");

  function addLine() {
    const tr = row.content.firstElementChild.cloneNode(true);
    tr.querySelector("[data-remove]").addEventListener("click", () => {
      if (body.children.length > 1) tr.remove();
    });
    body.appendChild(tr);
    return tr;
  }

  function lines() {
    return [...body.querySelectorAll("tr")].map((tr) => {
      const v = (name) => tr.querySelector(`[name=${name}]`).value.trim();
      const line = { sku: v("sku").toUpperCase(), quantity: Number(v("quantity")),
                     unit_price: Number(v("unit_price")), currency: v("currency").toUpperCase() || "CNY" };
      for (const k of ["origin", "harvest_date", "certifications"]) if (v(k)) line[k] = v(k);
      return line;
    });
  }

  document.getElementById("po-add-line").addEventListener("click", () => addLine().querySelector("[name=sku]").focus());
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const out = document.getElementById("po-flash");
    const order = { supplier: form.supplier.value, warehouse: form.warehouse.value,
                    expected_date: form.expected_date.value,
                    window_start: `${form.window_start.value}:00`, window_end: `${form.window_end.value}:00`,
                    note: form.note.value.trim(), lines: lines() };
    const button = document.getElementById("po-submit");
    button.disabled = true;
    const made = await api("POST", "/api/purchase-orders", order);
    if (!made.ok) { button.disabled = false; flash(out, "bad", t("The order was not placed"), problemLines(made.data)); return; }
    if (form.send.checked) {
      const sent = await api("POST", `/api/purchase-orders/${encodeURIComponent(made.data.ref)}/send`);
      if (!sent.ok) { button.disabled = false; flash(out, "bad", t("Order {ref} was placed but not sent", { ref: made.data.ref }), problemLines(sent.data)); return; }
    }
    window.location.href = `/purchasing/${encodeURIComponent(made.data.ref)}`;
  });
  addLine();
})();
