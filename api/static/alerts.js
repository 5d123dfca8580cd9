/* Cold-chain alerts: acknowledge with a comment, resolve a held lot by releasing or
   scrapping it, or close a place's alert. Each is one API call; the page then reloads so
   the list shows the alert's new state as the server recorded it. */
"use strict";

(() => {
  const { api, problemLines, flash, t } = WMS;
  const VERB = { acknowledge: t("Acknowledged"), release: t("Lot released"), scrap: t("Lot scrapped"), close: t("Closed") };
  const CONFIRM = {
    scrap: t("Scrap every unit of this lot still in stock? This writes the lot off and cannot be undone."),
    release: t("Release this lot back to available stock?"),
  };

  document.querySelectorAll("[data-alert]").forEach((item) => {
    const id = item.dataset.alert;
    const box = item.querySelector(".flash");
    const comment = item.querySelector('input[name="comment"]');
    item.querySelectorAll("[data-do]").forEach((btn) => btn.addEventListener("click", async () => {
      const what = btn.dataset.do;
      if (!comment.value.trim()) {
        flash(box, "bad", t("Write a comment first"), [t("Say what you saw and what you did about it.")]);
        comment.focus();
        return;
      }
      if (CONFIRM[what] && !window.confirm(CONFIRM[what])) return;
      item.querySelectorAll("button").forEach((b) => (b.disabled = true));
      const url = what === "acknowledge" ? `/api/alerts/${id}/acknowledge` : `/api/alerts/${id}/resolve`;
      const body = what === "acknowledge" ? { comment: comment.value.trim() } : { action: what, comment: comment.value.trim() };
      const r = await api("POST", url, body);
      if (r.ok) {
        flash(box, "good", VERB[what], []);
        setTimeout(() => window.location.reload(), 600);
      } else {
        flash(box, "bad", t("Not done"), problemLines(r.data));
        item.querySelectorAll("button").forEach((b) => (b.disabled = false));
      }
    }));
  });
})();
