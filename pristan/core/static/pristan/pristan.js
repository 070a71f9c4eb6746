// The little script Pristan needs besides htmx; kept in a file so the Content-Security-Policy can forbid inline scripts.
// No control submits its form on change: a select that navigates when an arrow key moves through
// it changes the page under a keyboard user's fingers (WCAG 3.2.2). Forms have their buttons.
