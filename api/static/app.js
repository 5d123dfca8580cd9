/* Shared by every page: calling the JSON API with the signed-in session, and the small
   helpers the pages draw with. Plain JavaScript, no build step, nothing from the internet.
   Words come from the server's message catalogue: the page carries the translations of
   every message of these scripts (api/i18n.py finds them the way pybabel extract does). */
"use strict";

const WMS = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const catalogue = JSON.parse(document.getElementById("i18n-strings")?.textContent || "{}");
  const strings = catalogue.strings || {}, codes = catalogue.codes || {};
  const lang = document.querySelector('meta[name="wms-lang"]')?.content || "en";
  const locale = lang === "zh" ? "zh-Hans-CN" : "en";
  const zoneMeta = document.querySelector('meta[name="wms-zone"]');
  const zone = zoneMeta?.content || undefined;
  const zoneLabel = zoneMeta?.dataset.label || "";

  /* A message in the reader's language; {name} placeholders are filled after translating,
     so a translation may put them where its grammar wants them. */
  function t(msgid, values) {
    const text = strings[msgid] || msgid;
    return values ? text.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m)) : text;
  }
  // A stored code word (a status, a temperature class) as the reader says it.
  const label = (code) => codes[code] || String(code ?? "").replaceAll("_", " ");
  const num = (n, opts) => (n === null || n === undefined || n === "" || isNaN(Number(n)) ? String(n ?? "—") : new Intl.NumberFormat(locale, opts).format(Number(n)));
  const productName = (p) => (p ? (lang === "zh" && p.name_zh ? p.name_zh : p.name_en || p.name) : "");

  // crypto.randomUUID only exists on secure origins; a warehouse LAN is often plain http.
  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  /* A page's session ended (signed out elsewhere, expired, cookie gone): say so once, in
     words, with the way back to sign in and then to this very page. Pages listen for
     "wms:session-ended" to keep what they could not send (the scanning station queues). */
  let sessionEnded = false;
  function signInUrl() {
    return `/signin?next=${encodeURIComponent(location.pathname + location.search)}`;
  }
  function endSession() {
    if (sessionEnded) return;
    sessionEnded = true;
    const box = document.createElement("div");
    box.className = "session-ended";
    box.setAttribute("role", "alert");
    box.innerHTML = `<b>${esc(t("Your session has ended: sign in again."))}</b> ` +
      `<a class="button primary" href="${esc(signInUrl())}">${esc(t("Sign in"))}</a>`;
    document.querySelector("main")?.prepend(box);
    document.dispatchEvent(new CustomEvent("wms:session-ended"));
  }
  function answered(status, data) {
    if (status !== 401) return data;
    endSession();
    return { title: t("Your session has ended: sign in again."), detail: t("Your session has ended: sign in again."), status };
  }

  /* One API call. Resolves to {ok, status, data, network}; never throws. With an
     idempotency key, a dropped connection is retried with the same key, so the server
     records the write once however many attempts reach it. */
  async function api(method, url, body, opts = {}) {
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (opts.key) headers["Idempotency-Key"] = opts.key;
    const attempts = opts.key ? (opts.retries ?? 4) : 1;
    for (let i = 0; i < attempts; i++) {
      try {
        const resp = await fetch(url, {
          method, headers, credentials: "same-origin",
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        let data = null;
        const type = resp.headers.get("Content-Type") || "";
        if (type.includes("json")) data = await resp.json();
        return { ok: resp.ok, status: resp.status, data: answered(resp.status, data), network: false,
                 sessionEnded: resp.status === 401, pages: resp.headers.get("X-Pagination") };
      } catch (err) {
        if (opts.onRetry && i + 1 < attempts) opts.onRetry(i + 1);
        if (i + 1 < attempts) await sleep(600 * 2 ** i);
      }
    }
    return { ok: false, status: 0, network: true,
             data: { title: t("No connection"), detail: t("The server could not be reached. Check the network and try again.") } };
  }

  // The fields people fill in, named as the page names them.
  const FIELDS = {
    barcode: t("Barcode"), location: t("Location"), from: t("From"), to: t("To"), lot: t("Lot"),
    quantity: t("Quantity"), count: t("Quantity"), expiry: t("Expiry"), order: t("Order"),
    reason: t("Reason"), supplier: t("Supplier"), comment: t("Comment"),
    net_weight_kg: t("Net weight"),
  };
  /* A file upload (multipart form) to the API; resolves like api(), never throws. */
  async function upload(url, formData) {
    try {
      const resp = await fetch(url, {
        method: "POST", credentials: "same-origin", body: formData,
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      });
      const type = resp.headers.get("Content-Type") || "";
      const data = type.includes("json") ? await resp.json() : null;
      return { ok: resp.ok, status: resp.status, network: false, sessionEnded: resp.status === 401,
               data: answered(resp.status, data) };
    } catch (err) {
      return { ok: false, status: 0, network: true,
               data: { title: t("No connection"), detail: t("The server could not be reached. Check the network and try again.") } };
    }
  }

  /* A problem document as lines a person can act on: the detail, then each field's
     messages. Nested locations ("json" → field) are flattened. */
  function problemLines(data) {
    if (!data) return [t("Unexpected answer from the server.")];
    const out = [];
    // The detail of a validation problem only lists the fields; their messages follow.
    if (data.detail && !(data.status === 422 && data.errors)) out.push(data.detail);
    const walk = (errs, path) => {
      if (Array.isArray(errs)) {
        errs.forEach((e) => {
          if (typeof e === "object" && e !== null) return walk(e, path);
          // The detail often repeats the first field message: say it once.
          if (out.some((line) => line.includes(String(e)))) return;
          out.push(path ? `${FIELDS[path] || path}: ${e}` : String(e));
        });
      } else if (errs && typeof errs === "object") {
        for (const [k, v] of Object.entries(errs)) {
          const name = ["json", "query", "form", "_schema"].includes(k) ? path : (path ? `${path}.${k}` : k);
          walk(v, name);
        }
      }
    };
    walk(data.errors, "");
    if (!out.length) out.push(data.title || t("The request was refused."));
    return out;
  }

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  /* Times on the warehouse's clock, with its zone named, whatever the phone is set to. */
  const fmt = (opts) => new Intl.DateTimeFormat(locale, { timeZone: zone, hourCycle: "h23", ...opts });
  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? iso : `${fmt({ month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(d)} ${zoneLabel}`;
  }
  function clock(d, seconds = true) {
    return `${fmt({ hour: "2-digit", minute: "2-digit", ...(seconds ? { second: "2-digit" } : {}) }).format(d)} ${zoneLabel}`;
  }
  const day = (d) => fmt({ month: "short", day: "numeric" }).format(d);
  const hourMinute = (d) => fmt({ hour: "2-digit", minute: "2-digit" }).format(d);
  /* A length of time as people say it ("27 min", "1 h 05 min", "3 d 4 h"); the same
     rule as durations.spoken on the server. */
  function duration(minutes) {
    if (minutes === null || minutes === undefined || isNaN(Number(minutes))) return "—";
    const m = Math.max(0, Math.round(Number(minutes)));
    if (m < 60) return t("{m} min", { m });
    if (m < 48 * 60) return t("{h} h {mm} min", { h: Math.floor(m / 60), mm: String(m % 60).padStart(2, "0") });
    return t("{d} d {h} h", { d: Math.floor(m / 1440), h: Math.floor((m % 1440) / 60) });
  }

  function flash(el, kind, title, lines) {
    el.className = `flash ${kind}`;
    el.hidden = false;
    el.innerHTML = `<b>${esc(title)}</b>` + (lines && lines.length ? `<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "");
  }

  // Distinct, colour-blind-friendlier hues for routes; they repeat after twelve.
  const PALETTE = ["#0e7490", "#c2410c", "#7c3aed", "#15803d", "#be123c", "#a16207",
                   "#1d4ed8", "#0f766e", "#9d174d", "#4d7c0f", "#6d28d9", "#b45309"];

  return { csrf, api, upload, newKey, problemLines, esc, when, clock, day, hourMinute, flash,
           sleep, PALETTE, t, label, num, productName, lang, zoneLabel, zone, duration,
           signInUrl, sessionHasEnded: () => sessionEnded };
})();
