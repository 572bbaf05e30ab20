// A <select data-autosubmit> submits its form when changed (language, organisation, sort,
// member role). A file rather than inline onchange="" handlers, which the
// Content-Security-Policy refuses.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
