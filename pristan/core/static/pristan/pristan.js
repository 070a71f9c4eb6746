// The little script Pristan needs besides htmx; kept in a file so the Content-Security-Policy can forbid inline scripts.
// No control submits its form on change: a select that navigates when an arrow key moves through
// it changes the page under a keyboard user's fingers (WCAG 3.2.2). Forms have their buttons.

// After a submit with errors, start where the problem is said: the error summary at the top of the
// form (its `autofocus` does this where scripts do not run; this also covers content htmx swaps in).
function focusErrorSummary(root) {
  const summary = root.querySelector("[data-error-summary]");
  if (summary) summary.focus();
}
document.addEventListener("DOMContentLoaded", () => focusErrorSummary(document));
document.addEventListener("htmx:afterSwap", (event) => focusErrorSummary(event.target));
