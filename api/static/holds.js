/* Held lots: release a lot, release its reservations, scrap units where they are (with a
   witness), or bring units back from a truck or pickup point. Each is one API call; the
   page then reloads to show the ledger as it now stands. */
"use strict";

(() => {
  const { api, newKey, problemLines, flash, t, num } = WMS;

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
        flash(box, "bad", t("Not done"), problemLines(r.data));
        busy(false);
      }
    }

    item.querySelector('[data-do="release"]')?.addEventListener("click", () => {
      const reason = item.querySelector('[name="release_reason"]').value.trim();
      if (!reason) { flash(box, "bad", t("Say why the lot may go back to stock"), []); return; }
      if (!window.confirm(t("Release lot {code} back to available stock?", { code }))) return;
      send(t("Lot {code} released", { code }), "POST", `/api/lots/${lot}/release`, { reason });
    });

    item.querySelector('[data-do="reservations"]')?.addEventListener("click", () => {
      if (!window.confirm(t("Release the reservations on lot {code}? Its orders go back on backorder and can be allocated from other stock.", { code }))) return;
      send(t("Reservations on lot {code} released", { code }), "POST", `/api/lots/${lot}/reservations/release`);
    });

    item.querySelectorAll("[data-place]").forEach((row) => {
      const place = row.dataset.place;
      const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
      const quantity = () => Number(value("quantity"));

      row.querySelector('[data-do="scrap"]').addEventListener("click", () => {
        const wrong = [];
        if (!quantity()) wrong.push(t("Enter how many units to scrap."));
        if (!value("reason")) wrong.push(t("Say why the units are scrapped."));
        if (!value("witnessed_by")) wrong.push(t("Name who saw the units written off."));
        if (wrong.length) { flash(box, "bad", t("Not scrapped"), wrong); return; }
        if (!window.confirm(t("Scrap {n} units of lot {code} at {place}? This cannot be undone.", { n: num(quantity()), code, place }))) return;
        send(t("{n} units scrapped at {place}", { n: num(quantity()), place }), "POST", `/api/lots/${lot}/scrap`,
          { location: place, quantity: quantity(), reason: value("reason"), witnessed_by: value("witnessed_by") }, newKey());
      });

      row.querySelector('[data-do="return"]')?.addEventListener("click", () => {
        if (!quantity()) { flash(box, "bad", t("Enter how many units come back"), []); return; }
        send(t("{n} units brought back from {place} to quarantine", { n: num(quantity()), place }), "POST", "/api/returns",
          { lot_id: lot, quantity: quantity(), from: place, reason: value("reason") }, newKey());
      });
    });
  });
})();
