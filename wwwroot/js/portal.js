window.agentPortal = {
  // Called by the layout after its first interactive render: until then, clicks on the
  // prerendered page do nothing, and styles (and end-to-end tests) can tell the difference.
  markInteractive: () => {
    document.documentElement.dataset.interactive = "true";
  },

  // Copies an id for the copy buttons. The Clipboard API needs a secure context (HTTPS or
  // localhost); a portal on plain HTTP elsewhere falls back to a selected text area.
  copyText: async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      return document.execCommand("copy");
    } finally {
      area.remove();
    }
  },
};

// blazor.web.js 9.0 only sets a class on a custom reconnect dialog when the server refuses the old
// circuit (for example after a restart). Reload then, as its built-in dialog would, so the page
// comes back on its own.
(() => {
  const dialog = document.getElementById("components-reconnect-modal");
  if (!dialog) {
    return;
  }
  new MutationObserver(() => {
    if (dialog.classList.contains("components-reconnect-rejected")) {
      location.reload();
    }
  }).observe(dialog, { attributes: true, attributeFilter: ["class"] });
})();
