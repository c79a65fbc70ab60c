/* Appointment Hub: a "Book online" button for a store's own website.
 *
 *   <script src="https://<hub>/embed.js" data-store="<slug>" async></script>
 *
 * Optional attributes: data-accent="#rrggbb" (else the store's colour), data-service="<id>"
 * (open that service directly), data-label="..." (the button's text).
 * The button opens the booking wizard over the page (role=dialog, aria-modal); the close button
 * or Escape closes it and gives focus back to the button. Messages from the wizard
 * ("appointment-hub:booked", "appointment-hub:close", "appointment-hub:resize") reach this page
 * as postMessage events from the hub's origin; "booked" is also dispatched on the button as a
 * DOM event "appointment-hub:booked" (bubbling) with the same detail.
 */
(function () {
  "use strict";
  var LABELS = __LABELS__;
  var DEFAULT_ACCENT = __DEFAULT_ACCENT__;
  var HEX = /^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

  function scripts() {
    var found = [];
    if (document.currentScript && document.currentScript.getAttribute("data-store")) {
      found.push(document.currentScript);
    }
    var all = document.querySelectorAll("script[data-store]");
    for (var i = 0; i < all.length; i++) {
      if (/\/embed\.js(\?|$)/.test(all[i].src) && !all[i].getAttribute("data-hub-ready") && found.indexOf(all[i]) < 0) {
        found.push(all[i]);
      }
    }
    return found;
  }

  function originOf(url) {
    var a = document.createElement("a");
    a.href = url;
    return a.protocol + "//" + a.host.replace(/:(443|80)$/, "");
  }

  function widen(hex) {
    return hex.length === 4 ? "#" + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3] : hex;
  }

  function luminance(hex) {
    var out = 0, weights = [0.2126, 0.7152, 0.0722];
    for (var i = 0; i < 3; i++) {
      var c = parseInt(hex.substr(1 + 2 * i, 2), 16) / 255;
      out += weights[i] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return out;
  }

  function textOn(hex) {  // white or near-black, whichever contrasts more (WCAG)
    var l = luminance(hex);
    return 1.05 / (l + 0.05) >= (l + 0.05) / (luminance("#111111") + 0.05) ? "#ffffff" : "#111111";
  }

  function labelsFor() {
    var lang = (document.documentElement.getAttribute("lang") || "en").toLowerCase().slice(0, 2);
    return LABELS[lang] || LABELS.en;
  }

  function paint(button, accent) {
    button.style.background = accent;
    button.style.color = textOn(accent);
    button.style.borderColor = accent;
  }

  function setUp(script) {
    script.setAttribute("data-hub-ready", "1");
    var slug = script.getAttribute("data-store");
    var base = originOf(script.src);
    var own = script.getAttribute("data-accent");
    var text = labelsFor();
    if (own && !HEX.test(own)) {
      if (window.console) { console.warn("Appointment Hub: data-accent must be a colour like #0d7a6f; using the store's"); }
      own = null;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "appointment-hub-button";
    button.textContent = script.getAttribute("data-label") || text.button;
    button.setAttribute("aria-haspopup", "dialog");
    button.style.cssText = "font:inherit;font-weight:600;padding:0.7em 1.3em;border:2px solid;border-radius:8px;cursor:pointer;";
    paint(button, own ? widen(own) : DEFAULT_ACCENT);
    script.parentNode.insertBefore(button, script);

    if (!own && window.fetch) {  // the store's colour (public store details; CORS for listed sites)
      fetch(base + "/api/v1/stores/" + encodeURIComponent(slug)).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (store) {
        if (store && store.embed_accent_color && HEX.test(store.embed_accent_color)) {
          paint(button, store.embed_accent_color);
        }
      })["catch"](function () {});
    }

    var overlay = null;
    var frame = null;
    var lastFocus = null;
    var overflow = "";

    function close() {
      if (!overlay) { return; }
      overlay.parentNode.removeChild(overlay);
      overlay = frame = null;
      document.body.style.overflow = overflow;
      document.removeEventListener("keydown", onKey, true);
      document.removeEventListener("focusin", keepFocus, true);
      (lastFocus && lastFocus.focus ? lastFocus : button).focus();
    }

    function onKey(event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        close();
      }
    }

    function keepFocus(event) {  // focus stays inside the dialog while it is open
      if (overlay && !overlay.contains(event.target)) {
        overlay.querySelector("button").focus();
      }
    }

    function open() {
      if (overlay) { return; }
      lastFocus = button;
      var service = script.getAttribute("data-service");
      var src = base + "/embed/" + encodeURIComponent(slug) + (service ? "?service=" + encodeURIComponent(service) : "");
      overlay = document.createElement("div");
      overlay.className = "appointment-hub-overlay";
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", text.dialog);
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483000;background:rgba(0,0,0,0.55);" +
        "display:flex;align-items:center;justify-content:center;padding:2vh 2vw;";
      var panel = document.createElement("div");
      panel.style.cssText = "position:relative;background:#fff;border-radius:12px;width:100%;max-width:780px;" +
        "height:100%;max-height:900px;overflow:hidden;box-shadow:0 10px 40px rgba(0,0,0,0.35);";
      var shut = document.createElement("button");
      shut.type = "button";
      shut.className = "appointment-hub-close";
      shut.setAttribute("aria-label", text.close);
      shut.textContent = "\u00d7";
      shut.style.cssText = "position:absolute;top:8px;right:8px;z-index:1;width:40px;height:40px;border-radius:20px;" +
        "border:0;background:#fff;color:#111;font-size:26px;line-height:1;cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,0.3);";
      shut.onclick = close;
      frame = document.createElement("iframe");
      frame.src = src;
      frame.title = text.dialog;
      frame.style.cssText = "border:0;width:100%;height:100%;display:block;";
      panel.appendChild(shut);
      panel.appendChild(frame);
      overlay.appendChild(panel);
      overlay.addEventListener("click", function (event) { if (event.target === overlay) { close(); } });
      overflow = document.body.style.overflow;
      document.body.style.overflow = "hidden";
      document.body.appendChild(overlay);
      document.addEventListener("keydown", onKey, true);
      document.addEventListener("focusin", keepFocus, true);
      shut.focus();
    }

    button.addEventListener("click", open);
    window.addEventListener("message", function (event) {
      if (event.origin !== base || !frame || event.source !== frame.contentWindow) { return; }
      var data = event.data || {};
      if (data.type === "appointment-hub:close") {
        close();
      } else if (data.type === "appointment-hub:booked") {
        var detail = { store: data.store, booking: data.booking };
        var evt;
        if (typeof window.CustomEvent === "function") {
          evt = new CustomEvent("appointment-hub:booked", { bubbles: true, detail: detail });
        } else {
          evt = document.createEvent("CustomEvent");
          evt.initCustomEvent("appointment-hub:booked", true, false, detail);
        }
        button.dispatchEvent(evt);
      }
    });
  }

  var found = scripts();
  for (var i = 0; i < found.length; i++) { setUp(found[i]); }
})();
