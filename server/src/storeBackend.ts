// Which store Ringside runs on: the embedded SQLite database (a server database backend would be chosen here).
export { sqliteBackend as storeBackend } from './store/sqlite';
