/* Inside the /embed/<slug> page: tell the page that frames it what happened, and only when that
 * page's origin is one of the store's listed sites (data-origins of #hub-embed, written by the
 * server). postMessage gets that exact origin as its target, never "*": the browser delivers
 * nothing if the frame has since been navigated elsewhere. Messages carry no personal data:
 * the booking's id, start and service.
 */
(function () {
  "use strict";
  if (window.parent === window) { return; }

  function info() { return document.getElementById("hub-embed"); }

  function framingOrigin() {
    if (window.location.ancestorOrigins && window.location.ancestorOrigins.length) {
      return window.location.ancestorOrigins[0];
    }
    try {
      return document.referrer ? new URL(document.referrer).origin : "";
    } catch (e) {
      return "";
    }
  }

  function target() {
    var el = info();
    if (!el) { return ""; }
    var listed = (el.getAttribute("data-origins") || "").split(" ");
    var origin = framingOrigin();
    return origin && listed.indexOf(origin) >= 0 ? origin : "";
  }

  function post(message) {  // true when sent (the origins arrive with the store, after the first checks)
    var origin = target();
    if (origin) { window.parent.postMessage(message, origin); }
    return !!origin;
  }

  var reported = "";
  var lastHeight = 0;

  function check() {
    var el = info();
    if (!el) { return; }
    var id = el.getAttribute("data-booking-id") || "";
    if (id && id !== reported && post({
        type: "appointment-hub:booked",
        store: el.getAttribute("data-store") || "",
        booking: {
          id: id,
          start: el.getAttribute("data-booking-start") || "",
          service: el.getAttribute("data-booking-service") || ""
        }
      })) {
      reported = id;
    }
    var height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== lastHeight && post({ type: "appointment-hub:resize", height: height })) {
      lastHeight = height;
    }
  }

  var pending = false;
  function soon() {  // one check per burst of DOM changes
    if (!pending) {
      pending = true;
      setTimeout(function () { pending = false; check(); }, 60);
    }
  }

  new MutationObserver(soon).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true
  });
  window.addEventListener("resize", soon);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { post({ type: "appointment-hub:close" }); }
  });
  check();
})();
