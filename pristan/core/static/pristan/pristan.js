// The little script Pristan needs besides htmx; kept in a file so the Content-Security-Policy can forbid inline scripts.
// No control submits its form on change: a select that navigates when an arrow key moves through
// it changes the page under a keyboard user's fingers (WCAG 3.2.2). Forms have their buttons.

// The case list's "select all cases on this page" also ticks each row's box, so that what is
// selected can be seen (the server takes the whole page from this box alone, script or none).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  for (const row of document.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) {
    row.checked = box.checked;
  }
});
