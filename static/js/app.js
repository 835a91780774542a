// knowtrans: small progressive enhancements; every page works without them.
"use strict";

// Forms with data-confirm ask before they submit (destructive or irreversible actions).
document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
