// The print button of the printable service page; without JavaScript the browser's own Print command works.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-portal-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
