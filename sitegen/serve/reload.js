// sitegen serve: keeps the page in step with the files being edited.
// Served as /_sitegen/reload.js, never inline, so a strict Content-Security-Policy holds.
// Listens to /_sitegen/events (Server-Sent Events): "reload" reloads the page, "css" swaps
// stylesheets in place, "error" shows the build error over the page. What the page's
// Content-Security-Policy blocked (inline scripts and styles a theme added) is shown the
// same way: browsers otherwise say it only in their console. The overlay is made of text
// nodes only: file names, messages and page source are never parsed as HTML.
// `window.sitegenServe.listening` turns true once the server has answered (for tests).
(function () {
  "use strict";

  var generation = new URL(document.currentScript.src).searchParams.get("g");
  var overlay = null;
  var buildError = null;
  var policyError = null;
  var state = (window.sitegenServe = { listening: false });

  // A hidden tab lets go of its stream: browsers allow six connections to a host, and
  // every stream holds one. Shown again, it reconnects and reloads if the site changed.
  var events = null;

  function listen() {
    if (events) return;
    events = new EventSource("/_sitegen/events?path=" + encodeURIComponent(location.pathname));
    events.onmessage = function (event) {
      handle(JSON.parse(event.data));
    };
  }

  function pause() {
    if (!events) return;
    events.close();
    events = null;
    state.listening = false;
  }

  function handle(message) {
    if (message.type === "hello") {
      // The site changed between this page's request and now (or the server restarted).
      if (message.generation !== generation) return location.reload();
      state.listening = true;
      showError(message.error);
    } else if (message.type === "reload") {
      location.reload();
    } else if (message.type === "css") {
      generation = message.generation;
      message.stylesheets.forEach(swapStylesheet);
      showError(message.error);
    } else if (message.type === "error") {
      showError(message);
    }
  }

  function swapStylesheet(change) {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (link) {
      var path = new URL(link.href, location.href).pathname;
      if (path.slice(-change.old.length - 1) !== "/" + change.old) return;
      var fresh = link.cloneNode();
      fresh.href = path.slice(0, path.length - change.old.length) + change.new;
      fresh.addEventListener("load", function () { link.remove(); });
      fresh.addEventListener("error", function () { location.reload(); });
      link.after(fresh);
    });
  }

  // What the policy blocks, by directive, when it is code in the page itself.
  var INLINE = {
    "script-src-elem": "an inline <script>",
    "script-src-attr": "an event handler attribute (onclick=…)",
    "style-src-elem": "a <style> block",
    "style-src-attr": "a style= attribute",
  };

  // A ReportingObserver rather than `securitypolicyviolation` events: this script is
  // deferred, and `buffered` hands it what was blocked while the page was parsed.
  function watchPolicy() {
    if (typeof ReportingObserver !== "function") return;
    var reports = [];
    new ReportingObserver(function (fresh) {
      reports = reports.concat(fresh.map(function (report) { return report.body; }));
      pageLines().then(function (lines) { showBlocked(policyFailure(reports, lines)); });
    }, { types: ["csp-violation"], buffered: true }).observe();
  }

  // The page's source as served, to quote the blocked code (reports carry only its line).
  function pageLines() {
    return fetch(location.href, { cache: "no-store" })
      .then(function (response) { return response.text(); })
      .then(function (text) { return text.split("\n"); }, function () { return []; });
  }

  function policyFailure(reports, lines) {
    var found = reports.map(function (body) {
      var what = (body.blockedURL === "inline" && INLINE[body.effectiveDirective]) || body.blockedURL;
      var line = lines[body.lineNumber - 1] || "";
      var start = Math.max(0, body.columnNumber - 40);
      var code = line.slice(start, start + 100).trim();
      return "line " + body.lineNumber + " of the page: " + what + ", blocked by " + body.effectiveDirective +
        (code ? "\n    " + (start > 0 ? "…" : "") + code + (start + 100 < line.length ? "…" : "") : "");
    });
    return {
      title: "Blocked by the Content-Security-Policy",
      file: location.pathname,
      message: "The policy (" + reports[0].originalPolicy + ", as on the published site) " +
        "allows scripts and styles only from files. Blocked:\n\n" + found.join("\n") +
        "\n\nMove the code into a file in the theme's static/ folder and link it " +
        "(extra_js or extra_css in sitegen.yaml, or asset() in a template).",
    };
  }

  function showError(error) {
    buildError = error;
    draw(buildError || policyError);
  }

  function showBlocked(error) {
    policyError = error;
    draw(buildError || policyError);
  }

  function element(name, style, text) {
    var node = document.createElement(name);
    Object.assign(node.style, style);
    if (text) node.textContent = text;
    return node;
  }

  // The site path of the open page as the server names pages (`/archive/` -> `archive/index.html`).
  function shownPath() {
    var path = decodeURIComponent(location.pathname).replace(/^\/+/, "");
    return path === "" || path.slice(-1) === "/" ? path + "index.html" : path;
  }

  // Which page failed to render: this one, or another one (linked), which the open page
  // may not share the failing part with.
  function failedPage(page) {
    if (!page) return document.createTextNode("");
    var line = element("p", { margin: "0 0 0.75rem" });
    if (page === shownPath()) {
      line.textContent = "Rendering this page failed (" + page + ").";
      return line;
    }
    var link = element("a", { color: "#0b57d0", overflowWrap: "anywhere" }, "/" + page);
    link.href = "/" + encodeURI(page);
    line.append("Rendering another page failed, not the one open here: ", link, ".");
    return line;
  }

  function draw(error) {
    if (overlay) overlay.remove();
    overlay = null;
    if (!error) return;
    overlay = document.createElement("sitegen-error");
    var shade = element("div", {
      position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto", padding: "5vh 4vw",
      background: "rgba(20, 20, 20, 0.72)", font: "15px/1.5 system-ui, sans-serif",
    });
    var panel = element("div", {
      maxWidth: "60rem", margin: "0 auto", padding: "1.25rem 1.5rem", borderRadius: "8px",
      background: "#fff", color: "#1a1a1a", borderTop: "6px solid #c62828",
      boxShadow: "0 10px 40px rgba(0, 0, 0, 0.4)",
    });
    var where = error.file ? error.file + (error.line ? ":" + error.line : "") : "sitegen";
    var close = element("button", {
      float: "right", font: "inherit", border: "1px solid #999", borderRadius: "4px",
      background: "#f4f4f4", color: "#1a1a1a", padding: "0.1rem 0.6rem", cursor: "pointer",
    }, "Close");
    close.type = "button";
    close.addEventListener("click", function () { draw(null); });
    panel.append(
      close,
      element("h2", { margin: "0 0 0.5rem", fontSize: "1.2rem", color: "#c62828" }, error.title || "Build error"),
      element("p", {
        margin: "0 0 0.75rem", fontFamily: "ui-monospace, monospace", fontWeight: "600", overflowWrap: "anywhere",
      }, where),
      failedPage(error.page),
      element("pre", {
        margin: "0 0 0.75rem", padding: "0.75rem", whiteSpace: "pre-wrap", overflowWrap: "anywhere",
        background: "#fbeaea", borderRadius: "4px", font: "14px/1.45 ui-monospace, monospace",
      }, error.message),
      element("p", { margin: "0", color: "#555" }, "Fix the file and save: this page comes back by itself.")
    );
    panel.setAttribute("role", "alert");
    shade.append(panel);
    overlay.attachShadow({ mode: "open" }).append(shade);
    document.documentElement.append(overlay);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") pause();
    else listen();
  });
  if (document.visibilityState !== "hidden") listen();
  watchPolicy();
})();
