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

// A form that moves a case shows only the fields of the stage chosen (cases.forms.StageForm marks
// each with `data-stage`). Without this script every field shows and the server ignores those of
// other stages; with it, the others are hidden and disabled, so they are neither seen nor sent.
function showStageFields(choice) {
  for (const input of choice.form.querySelectorAll("[data-stage]")) {
    const wanted = input.dataset.stage === choice.value;
    input.disabled = !wanted;
    (input.closest(".field") || input).hidden = !wanted;
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-stage-choice]")) showStageFields(event.target);
});
for (const choice of document.querySelectorAll("select[data-stage-choice]")) showStageFields(choice);

// The case list's "select all cases on this page" also ticks each row's box, so that what is
// selected can be seen (the server takes the whole page from this box alone, script or none).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  for (const row of document.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) {
    row.checked = box.checked;
  }
});

// A table wider than the screen scrolls inside its own box (.table-scroll). A keyboard user must be
// able to reach that box to scroll it (WCAG 2.1.1), so a box that scrolls takes a place in the Tab
// order and one that does not stays out of it (Chromium also makes scrollers focusable without scripts).
function focusableScrollers() {
  for (const box of document.querySelectorAll(".table-scroll")) {
    if (box.scrollWidth > box.clientWidth) box.tabIndex = 0;
    else box.removeAttribute("tabindex");
  }
}
document.addEventListener("DOMContentLoaded", focusableScrollers);
document.addEventListener("htmx:afterSettle", focusableScrollers);
window.addEventListener("resize", focusableScrollers);
