/* Framed on another site, the browser may refuse the app its storage: with third-party cookies
 * blocked (Safari, Firefox's strict mode, Chrome's setting), merely reading window.localStorage
 * throws, and the page would fail before showing anything. Inside a frame only, a storage that
 * refuses is replaced by one kept in memory for this page: the wizard works, a sign-in made in it
 * lasts as long as the page. Outside frames, and where storage works, nothing changes. */
(function () {
  if (window.top === window) { return; }
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (i) { return Object.keys(items)[i] || null; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].getItem("hub-probe");
    } catch (e) {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
    }
  });
})();
