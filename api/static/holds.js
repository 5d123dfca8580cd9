/* Held lots: release a lot, release its reservations, scrap units where they are (with a
   witness), or bring units back from a truck or pickup point. Each is one API call; the
   page then reloads to show the ledger as it now stands. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash } = WMS;

  document.querySelectorAll("[data-lot]").forEach((item) => {
    const lot = Number(item.dataset.lot);
    const code = item.dataset.code;
    const box = item.querySelector(".flash");
    const busy = (on) => item.querySelectorAll("button").forEach((b) => (b.disabled = on));

    async function send(title, method, url, body, key) {
      busy(true);
      const r = await api(method, url, body, key ? { key } : {});
      if (r.ok) {
        flash(box, "good", title, []);
        setTimeout(() => window.location.reload(), 700);
      } else {
        flash(box, "bad", "Not done", problemLines(r.data));
        busy(false);
      }
    }

    item.querySelector('[data-do="release"]')?.addEventListener("click", () => {
      const reason = item.querySelector('[name="release_reason"]').value.trim();
      if (!reason) { flash(box, "bad", "Say why the lot may go back to stock", []); return; }
      if (!window.confirm(`Release lot ${code} back to available stock?`)) return;
      send(`Lot ${code} released`, "POST", `/api/lots/${lot}/release`, { reason });
    });

    item.querySelector('[data-do="reservations"]')?.addEventListener("click", () => {
      if (!window.confirm(`Release the reservations on lot ${code}? Its orders go back on backorder and can be allocated from other stock.`)) return;
      send(`Reservations on lot ${code} released`, "POST", `/api/lots/${lot}/reservations/release`);
    });

    item.querySelectorAll("[data-place]").forEach((row) => {
      const place = row.dataset.place;
      const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
      const quantity = () => Number(value("quantity"));

      row.querySelector('[data-do="scrap"]').addEventListener("click", () => {
        const wrong = [];
        if (!quantity()) wrong.push("Enter how many units to scrap.");
        if (!value("reason")) wrong.push("Say why the units are scrapped.");
        if (!value("witnessed_by")) wrong.push("Name who saw the units written off.");
        if (wrong.length) { flash(box, "bad", "Not scrapped", wrong); return; }
        if (!window.confirm(`Scrap ${quantity()} units of lot ${code} at ${place}? This cannot be undone.`)) return;
        send(`${quantity()} units scrapped at ${place}`, "POST", `/api/lots/${lot}/scrap`,
          { location: place, quantity: quantity(), reason: value("reason"), witnessed_by: value("witnessed_by") }, newKey());
      });

      row.querySelector('[data-do="return"]')?.addEventListener("click", () => {
        if (!quantity()) { flash(box, "bad", "Enter how many units come back", []); return; }
        send(`${quantity()} units brought back from ${place} to quarantine`, "POST", "/api/returns",
          { lot_id: lot, quantity: quantity(), from: place, reason: value("reason") }, newKey());
      });
    });
  });
})();
