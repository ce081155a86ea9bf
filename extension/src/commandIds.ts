// Identifiers contributed in package.json; kept in one place so code and manifest cannot drift silently.
export const OPEN_DASHBOARD_COMMAND = 'ringside.openDashboard';
export const CONNECT_COMMAND = 'ringside.connect';
export const SERVER_URL_SETTING = 'serverUrl';
export const CONFIG_SECTION = 'ringside';
export const DASHBOARD_VIEW_TYPE = 'ringside.dashboard';
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:4870';
