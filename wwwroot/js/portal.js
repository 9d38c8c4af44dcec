window.agentPortal = {
  // Called by the layout after its first interactive render: until then, clicks on the
  // prerendered page do nothing, and styles (and end-to-end tests) can tell the difference.
  markInteractive: () => {
    document.documentElement.dataset.interactive = "true";
  },

  // Keeps the light/dark choice for a year, so the server prerenders the next page in it.
  saveTheme: (name, value) => {
    document.cookie = `${name}=${value}; path=/; max-age=31536000; samesite=lax`;
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
