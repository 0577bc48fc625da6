// SECPLA: confirmation for forms marked data-confirm (no inline scripts: CSP).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
