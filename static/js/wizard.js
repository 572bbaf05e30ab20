/* The provider's wizard: sends the sample with upload progress, then shows the check
   in progress; keeps the chosen file for the confirmation step so it is chosen once.
   Without this script the same pages work as plain forms. */
(function () {
  "use strict";
  var keptFile = null;

  function status(form, text, percent) {
    var box = form.querySelector(".wizard-progress");
    var bar = box.querySelector("progress");
    var line = box.querySelector(".wizard-status");
    box.hidden = false;
    if (percent === null) { bar.removeAttribute("value"); } else { bar.value = percent; }
    line.textContent = text;
  }

  function keepFile(form) {
    var input = form.querySelector("input[type=file]");
    if (!input) { return; }
    if (input.files && input.files.length) { keptFile = input.files[0]; return; }
    if (!keptFile || typeof DataTransfer === "undefined") { return; }
    var transfer = new DataTransfer();
    transfer.items.add(keptFile);
    input.files = transfer.files;
    var refile = form.querySelector(".wizard-refile");
    var note = form.querySelector(".wizard-kept");
    if (refile && note) {
      refile.hidden = true;
      note.textContent = (note.dataset.prefix || "") + " " + keptFile.name;
      note.hidden = false;
    }
  }

  function bind(root) {
    var form = root.querySelector("form.wizard-form");
    if (!form) { return; }
    keepFile(form);
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || !input.files.length || !window.FormData) { return; }
      event.preventDefault();
      keptFile = input.files[0];
      var line = form.querySelector(".wizard-status");
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Wizard", "1");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          status(form, line.dataset.uploading + " " + percent + " %", percent);
        }
      });
      xhr.upload.addEventListener("load", function () {
        status(form, line.dataset.checking, null);
      });
      xhr.addEventListener("error", function () {
        status(form, line.dataset.failed, 0);
        buttons.forEach(function (b) { b.disabled = false; });
      });
      xhr.addEventListener("load", function () {
        var next = xhr.getResponseHeader("X-Wizard-Location");
        if (next) { window.location.assign(next); return; }
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.getElementById("wizard");
        var current = document.getElementById("wizard");
        if (!fresh || !current) { document.documentElement.innerHTML = xhr.responseText; return; }
        current.replaceWith(fresh);
        bind(fresh);
        var heading = fresh.querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      });
      status(form, line.dataset.uploading + " 0 %", 0);
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("wizard");
    if (root) { bind(root); }
  });
})();
