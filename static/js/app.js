/* pasardesa: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // The language switch applies as soon as a language is picked; its button stays for
  // browsers without JavaScript.
  document.addEventListener("change", function (event) {
    var select = event.target;
    var form = select.form;
    if (!form || !form.hasAttribute("data-autosubmit")) {
      return;
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  });

  // On a slow connection a second tap on a submit button sends the form twice; ignore
  // repeats for a few seconds. Buttons are not disabled, so their name and value still go.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (event.defaultPrevented) {
        return;
      }
      var now = Date.now();
      var last = Number(form.getAttribute("data-sent-at") || 0);
      if (now - last < 5000) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent-at", String(now));
      form.setAttribute("aria-busy", "true");
    },
    false
  );

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent-at]").forEach(function (form) {
      form.removeAttribute("data-sent-at");
      form.removeAttribute("aria-busy");
    });
  });
})();
