// sitegen default theme: typeset math with KaTeX and wire the copy buttons.
// No inline script anywhere, so a strict Content-Security-Policy holds.
(function () {
  "use strict";

  function typesetMath(root) {
    if (typeof katex === "undefined") return;
    root.querySelectorAll(".math").forEach(function (element) {
      if (element.dataset.typeset) return;
      var tex = element.textContent;
      try {
        katex.render(tex, element, {
          displayMode: element.classList.contains("display") || element.classList.contains("block"),
          throwOnError: false,
        });
        element.dataset.typeset = "1";
        element.setAttribute("title", tex);
      } catch (error) {
        element.textContent = tex;
      }
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "offscreen";
      document.body.appendChild(area);
      area.select();
      var copied = document.execCommand("copy");
      document.body.removeChild(area);
      copied ? resolve() : reject(new Error("copy refused"));
    });
  }

  function wireCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.dataset.copy);
      var status = button.parentElement.querySelector(".copied");
      button.addEventListener("click", function () {
        copyText(source.textContent).then(function () {
          if (status) status.textContent = "Copied";
        }, function () {
          if (status) status.textContent = "Select the text and copy it";
        });
      });
    });
  }

  window.sitegen = { typesetMath: typesetMath };
  document.addEventListener("DOMContentLoaded", function () {
    typesetMath(document);
    wireCopyButtons();
  });
})();
