// Identifiers contributed in package.json; kept in one place so code and manifest cannot drift silently.
export const OPEN_DASHBOARD_COMMAND = 'ringside.openDashboard';
export const CONNECT_COMMAND = 'ringside.connect';
export const DISCONNECT_COMMAND = 'ringside.disconnect';
export const SET_API_KEY_COMMAND = 'ringside.setApiKey';
export const START_LOCAL_SERVER_COMMAND = 'ringside.startLocalServer';
export const STOP_LOCAL_SERVER_COMMAND = 'ringside.stopLocalServer';
export const SHOW_LOCAL_SERVER_LOG_COMMAND = 'ringside.showLocalServerLog';
export const OPEN_IN_BROWSER_COMMAND = 'ringside.openInBrowser';
/** Tree item click: the dashboard filtered to a site (and standard). Not in the palette. */
export const SHOW_IN_DASHBOARD_COMMAND = 'ringside.showInDashboard';
/** A Sites standard row's action: the dashboard on that site and standard, whose Staffing view then shows them. Not in the palette. */
export const SHOW_STAFFING_COMMAND = 'ringside.showStaffing';
/**
 * A Sites row's click: the dashboard filtered to the row the user selected. It takes no arguments on purpose: VS Code
 * keeps a tree item command's arguments only until the next redraw, and the live tree redraws every second, so a
 * click that crossed a redraw failed with "Actual command not found". The selection survives redraws (stable ids).
 */
export const SHOW_SELECTED_SITE_COMMAND = 'ringside.showSelectedSite';
export const REFRESH_TREE_COMMAND = 'ringside.refreshSites';
/** The status bar item's click: a quick pick of the worst site × standard items. */
export const SHOW_WORST_COMMAND = 'ringside.showWorst';
/** The Alerts view's inline actions: one incident, or every incident of a group (or of the view). */
export const ACKNOWLEDGE_ALERT_COMMAND = 'ringside.acknowledgeAlert';
export const ACKNOWLEDGE_ALERTS_COMMAND = 'ringside.acknowledgeAlerts';

export const CONFIG_SECTION = 'ringside';
export const SERVER_URL_SETTING = 'serverUrl';
export const NOTIFICATIONS_ENABLED_SETTING = 'notifications.enabled';
export const NOTIFICATIONS_MIN_SEVERITY_SETTING = 'notifications.minSeverity';
export const NOTIFICATIONS_QUIET_MINUTES_SETTING = 'notifications.quietMinutes';
export const NODE_PATH_SETTING = 'nodePath';
export const LOCAL_SERVER_PORT_SETTING = 'localServer.port';
export const LOCAL_SERVER_START_AT_ACTIVATION_SETTING = 'localServer.startAtActivation';
/** Deprecated: demo data is a choice when starting; a `true` here only makes "With demo data" the first choice. */
export const LOCAL_SERVER_DEMO_SETTING = 'localServer.demo';
export const OPEN_IN_BROWSER_TOKEN_SETTING = 'openInBrowser.includeKey';

export const DASHBOARD_VIEW_TYPE = 'ringside.dashboard';
export const REPORT_VIEW_TYPE = 'ringside.report';
export const SITES_VIEW_ID = 'ringside.sites';
export const ALERTS_VIEW_ID = 'ringside.alerts';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4870';
export const DEFAULT_LOCAL_SERVER_PORT = 4870;

/** Context keys the manifest's `when` clauses read (viewsWelcome, menus, walkthrough). */
export const CONTEXT_CONNECTION = 'ringside.connection';
export const CONTEXT_CONNECTED = 'ringside.connected';
export const CONTEXT_NEEDS_KEY = 'ringside.needsKey';
/** Which key problem (problems.ts keyProblemOf): 'needs-key', 'key-refused', 'forbidden', or '' when none. */
export const CONTEXT_KEY_PROBLEM = 'ringside.keyProblem';
export const CONTEXT_LOCAL_SERVER_RUNNING = 'ringside.localServerRunning';
export const CONTEXT_UNACKNOWLEDGED = 'ringside.hasUnacknowledgedAlerts';
