// Drives the reconnect dialog from the states blazor.web.js reports. When the server no longer knows
// the circuit (it was restarted), the page reloads: the sign-in cookie survives, so the user lands on
// the same page, signed in.
const modal = document.getElementById("components-reconnect-modal");
modal.addEventListener("components-reconnect-state-changed", onStateChanged);
document.getElementById("components-reconnect-button").addEventListener("click", retry);
document.getElementById("components-resume-button").addEventListener("click", resume);
document.getElementById("components-reload-button").addEventListener("click", () => location.reload());

function onStateChanged(event) {
    const state = event.detail.state;
    if (state === "show" || state === "retrying" || state === "paused") {
        if (!modal.open) {
            modal.showModal();
        }
    } else if (state === "hide") {
        modal.close();
    } else if (state === "failed") {
        if (!modal.open) {
            modal.showModal();
        }
        document.addEventListener("visibilitychange", retryWhenVisible);
    } else if (state === "rejected") {
        location.reload();
    }
}

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    try {
        // true: reconnected; false: the server answered but no longer has the circuit.
        if (!await Blazor.reconnect()) {
            if (await Blazor.resumeCircuit()) {
                modal.close();
            } else {
                location.reload();
            }
        }
    } catch {
        // The server is still unreachable: try again when the tab is looked at.
        document.addEventListener("visibilitychange", retryWhenVisible);
    }
}

async function resume() {
    try {
        if (!await Blazor.resumeCircuit()) {
            location.reload();
        }
    } catch {
        modal.classList.replace("components-reconnect-paused", "components-reconnect-resume-failed");
    }
}

async function retryWhenVisible() {
    if (document.visibilityState === "visible") {
        await retry();
    }
}
