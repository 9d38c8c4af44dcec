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

// The trace page's span tree, as a WAI-ARIA tree: arrows move between rows, Right and Left expand
// and collapse, Enter selects, Home and End go to the first and last row. Rows are virtualised, so
// Home and End scroll first and focus the row that is then drawn.
window.agentPortal.treeKeys = (tree) => {
  if (!tree || tree.dataset.keys) {
    return;
  }
  tree.dataset.keys = "on";
  const rows = () => [...tree.querySelectorAll("[role=treeitem]")];
  const focus = (row) => {
    if (row) {
      row.focus();
      row.scrollIntoView({ block: "nearest" });
    }
  };
  tree.addEventListener("keydown", (e) => {
    const row = e.target.closest("[role=treeitem]");
    if (!row) {
      return;
    }
    const all = rows();
    const at = all.indexOf(row);
    switch (e.key) {
      case "ArrowDown": focus(all[at + 1]); break;
      case "ArrowUp": focus(all[at - 1]); break;
      case "ArrowRight":
        if (row.getAttribute("aria-expanded") === "false") { row.querySelector(".toggle")?.click(); } else { focus(all[at + 1]); }
        break;
      case "ArrowLeft":
        if (row.getAttribute("aria-expanded") === "true") { row.querySelector(".toggle")?.click(); }
        break;
      case "Enter":
      case " ":
        row.click();
        break;
      case "Home":
        tree.scrollTop = 0;
        setTimeout(() => focus(rows()[0]), 150);
        break;
      case "End":
        tree.scrollTop = tree.scrollHeight;
        setTimeout(() => { const now = rows(); focus(now[now.length - 1]); }, 150);
        break;
      default:
        return;
    }
    e.preventDefault();
  });
};

// Drag across the trace's time axis to zoom into that part; the page is told the two ends as fractions.
window.agentPortal.axisZoom = (axis, page) => {
  if (!axis || axis.dataset.zoom) {
    return;
  }
  axis.dataset.zoom = "on";
  const selection = axis.querySelector(".axis-selection");
  const at = (e) => {
    const box = axis.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
  };
  let start = null;
  axis.addEventListener("pointerdown", (e) => {
    start = at(e);
    axis.setPointerCapture(e.pointerId);
    selection.style.left = `${start * 100}%`;
    selection.style.width = "0";
    selection.style.display = "block";
  });
  axis.addEventListener("pointermove", (e) => {
    if (start === null) {
      return;
    }
    const now = at(e);
    selection.style.left = `${Math.min(start, now) * 100}%`;
    selection.style.width = `${Math.abs(now - start) * 100}%`;
  });
  axis.addEventListener("pointerup", (e) => {
    if (start === null) {
      return;
    }
    const from = start;
    const to = at(e);
    start = null;
    selection.style.display = "none";
    if (Math.abs(to - from) > 0.005) {
      page.invokeMethodAsync("ZoomAsync", from, to);
    }
  });
};

// Scrolls the virtualised span list to a row by its index, so a match found by next/previous is seen.
window.agentPortal.showRow = (tree, index, rowHeight) => {
  if (tree) {
    const top = index * rowHeight;
    if (top < tree.scrollTop || top > tree.scrollTop + tree.clientHeight - rowHeight) {
      tree.scrollTop = Math.max(0, top - tree.clientHeight / 2);
    }
  }
};
