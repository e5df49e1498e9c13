// The connection badge, shown in the popup's header and on the toolbar icon: Connected,
// or Error when LinkedIn signed the user out or the last sync failed (so a failing sync
// is visible without opening the popup).

const LINKEDIN_SIGNED_OUT = new Set(["no_session", "session_expired"]);
// Waiting for LinkedIn's retry-after is not an error: the next sync will try again.
const NOT_A_FAILURE = new Set(["rate_limited"]);
const ERROR_COLOR = "#d92d20";

// status: {paired, linkedin, lastResult} (as the "status" message answers it).
export function badgeFor(status) {
  if (!status || !status.paired) return { state: "unpaired", text: "", toolbar: "", title: "PingCRM: not paired" };
  if (LINKEDIN_SIGNED_OUT.has(status.linkedin)) {
    return { state: "error", text: "LinkedIn signed out", toolbar: "!", title: "PingCRM: sign in to LinkedIn again" };
  }
  const last = status.lastResult;
  if (last && last.ok === false && !NOT_A_FAILURE.has(last.kind)) {
    const why = last.error ? `: ${last.error}` : "";
    return { state: "error", text: "Sync failed", toolbar: "!", title: `PingCRM: the last sync failed${why}` };
  }
  return { state: "connected", text: "Connected", toolbar: "", title: "PingCRM: connected" };
}

// Show a badge on the toolbar icon (chrome.action); never throws.
export async function showOnToolbar(action, badge) {
  if (!action) return;
  try {
    await action.setBadgeText({ text: badge.toolbar });
    if (badge.toolbar) await action.setBadgeBackgroundColor({ color: ERROR_COLOR });
    await action.setTitle({ title: badge.title });
  } catch {
    // The toolbar is cosmetic: a closed window or an old Chrome must not fail a sync.
  }
}
