// Identifiers contributed in package.json; kept in one place so code and manifest cannot drift silently.
export const OPEN_DASHBOARD_COMMAND = 'ringside.openDashboard';
export const CONNECT_COMMAND = 'ringside.connect';
export const DISCONNECT_COMMAND = 'ringside.disconnect';
export const SET_API_KEY_COMMAND = 'ringside.setApiKey';
export const START_LOCAL_SERVER_COMMAND = 'ringside.startLocalServer';
export const STOP_LOCAL_SERVER_COMMAND = 'ringside.stopLocalServer';
export const OPEN_IN_BROWSER_COMMAND = 'ringside.openInBrowser';
/** Tree item click: the dashboard filtered to a site (and standard). Not in the palette. */
export const SHOW_IN_DASHBOARD_COMMAND = 'ringside.showInDashboard';
export const REFRESH_TREE_COMMAND = 'ringside.refreshSites';

export const CONFIG_SECTION = 'ringside';
export const SERVER_URL_SETTING = 'serverUrl';
export const NOTIFICATIONS_ENABLED_SETTING = 'notifications.enabled';
export const NOTIFICATIONS_MIN_SEVERITY_SETTING = 'notifications.minSeverity';
export const NOTIFICATIONS_QUIET_MINUTES_SETTING = 'notifications.quietMinutes';
export const NODE_PATH_SETTING = 'nodePath';
export const LOCAL_SERVER_PORT_SETTING = 'localServer.port';
export const LOCAL_SERVER_DEMO_SETTING = 'localServer.demo';
export const OPEN_IN_BROWSER_TOKEN_SETTING = 'openInBrowser.includeKey';

export const DASHBOARD_VIEW_TYPE = 'ringside.dashboard';
export const SITES_VIEW_ID = 'ringside.sites';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4870';
