/* Shared by every page: calling the JSON API with the signed-in session, and the small
   helpers the pages draw with. Plain JavaScript, no build step, nothing from the internet. */
"use strict";

const WMS = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  // crypto.randomUUID only exists on secure origins; a warehouse LAN is often plain http.
  function newKey() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
        return { ok: resp.ok, status: resp.status, data, network: false,
                 pages: resp.headers.get("X-Pagination") };
      } catch (err) {
        if (opts.onRetry && i + 1 < attempts) opts.onRetry(i + 1);
        if (i + 1 < attempts) await sleep(600 * 2 ** i);
      }
    }
    return { ok: false, status: 0, network: true,
             data: { title: "No connection", detail: "The server could not be reached. Check the network and try again." } };
  }

  /* A file upload (multipart form) to the API; resolves like api(), never throws. */
  async function upload(url, formData) {
    try {
      const resp = await fetch(url, {
        method: "POST", credentials: "same-origin", body: formData,
        headers: { "X-CSRF-Token": csrf, Accept: "application/json" },
      });
      const type = resp.headers.get("Content-Type") || "";
      return { ok: resp.ok, status: resp.status, network: false,
               data: type.includes("json") ? await resp.json() : null };
    } catch (err) {
      return { ok: false, status: 0, network: true,
               data: { title: "No connection", detail: "The server could not be reached. Check the network and try again." } };
    }
  }

  /* A problem document as lines a person can act on: the detail, then each field's
     messages. Nested locations ("json" → field) are flattened. */
  function problemLines(data) {
    if (!data) return ["Unexpected answer from the server."];
    const out = [];
    if (data.detail && !String(data.detail).startsWith("the request has invalid fields")) out.push(data.detail);
    const walk = (errs, path) => {
      if (Array.isArray(errs)) {
        errs.forEach((e) => {
          if (typeof e === "object" && e !== null) return walk(e, path);
          // The detail often repeats the first field message: say it once.
          if (out.some((line) => line.includes(String(e)))) return;
          out.push(path ? `${path}: ${e}` : String(e));
        });
      } else if (errs && typeof errs === "object") {
        for (const [k, v] of Object.entries(errs)) {
          const name = ["json", "query", "form", "_schema"].includes(k) ? path : (path ? `${path}.${k}` : k);
          walk(v, name);
        }
      }
    };
    walk(data.errors, "");
    if (!out.length) out.push(data.title || "The request was refused.");
    return out;
  }

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function flash(el, kind, title, lines) {
    el.className = `flash ${kind}`;
    el.hidden = false;
    el.innerHTML = `<b>${esc(title)}</b>` + (lines && lines.length ? `<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : "");
  }

  // Distinct, colour-blind-friendlier hues for routes; they repeat after twelve.
  const PALETTE = ["#0e7490", "#c2410c", "#7c3aed", "#15803d", "#be123c", "#a16207",
                   "#1d4ed8", "#0f766e", "#9d174d", "#4d7c0f", "#6d28d9", "#b45309"];

  return { csrf, api, upload, newKey, problemLines, esc, when, flash, sleep, PALETTE };
})();
