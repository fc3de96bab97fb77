// OneLogin Helpdesk: the little behaviour htmx does not give. Loaded as a
// file because the Content-Security-Policy forbids inline script; every
// hook is a data- attribute, so templates carry no JavaScript.
//
//   /                      focuses the search box (or opens search)
//   button[data-copy=sel]  copies the text of the element sel
//   [data-autofocus]       receives focus after an htmx swap puts it on the page
//   input[data-select-all=name]  ticks or unticks every checkbox of that
//                          name in its form (the server reads "all" without JS)
"use strict";

(function () {
  // "/" jumps to search, unless the person is typing somewhere.
  function typingIn(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    var box = document.querySelector("[data-search-box]");
    e.preventDefault();
    if (box) {
      box.focus();
      box.select();
    } else {
      window.location.assign("/users");
    }
  });

  // Copy buttons for one-time secrets. The value is read from the page at
  // the moment of the click and handed to the clipboard, nowhere else.
  function textOf(el) {
    if ("value" in el && typeof el.value === "string" && el.tagName !== "BUTTON") return el.value;
    return el.textContent.trim();
  }

  function selectText(el) {
    if (typeof el.select === "function") {
      el.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function announce(button, message) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = message;
    button.classList.add("copied");
    window.setTimeout(function () {
      button.textContent = label;
      button.classList.remove("copied");
    }, 2000);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-copy]") : null;
    if (!button) return;
    e.preventDefault();
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = textOf(source);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(button, "Copied"); },
        function () { selectText(source); announce(button, "Press Ctrl+C to copy"); }
      );
    } else {
      // No clipboard API (plain http): select it so Ctrl+C copies it.
      selectText(source);
      announce(button, "Selected: press Ctrl+C");
    }
  });

  // "All shown" ticks every row; unticking a row unticks "All shown", so
  // the form never says all while naming fewer.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || box.type !== "checkbox" || !box.form) return;
    var name = box.getAttribute("data-select-all");
    if (name) {
      var rows = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
      for (var i = 0; i < rows.length; i++) rows[i].checked = box.checked;
      return;
    }
    if (box.checked) return;
    var all = box.form.querySelector('input[data-select-all="' + box.name + '"]');
    if (all) all.checked = false;
  });

  // After htmx replaces part of the page, keyboard focus would fall back to
  // the top of the document; move it to the element the answer marked.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-autofocus]");
    if (!target) return;
    target.removeAttribute("data-autofocus");
    if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  });
})();
