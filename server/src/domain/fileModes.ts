// Who may read what Ringside keeps on disk. The data folder holds every event, agent names and key hashes, and the
// secrets beside them (admin.key, audit.secret, audit-signing.json): what Ringside creates there, and a backup, is
// its owner's alone. What exists already keeps its mode: an operator may have opened a folder or a file on purpose
// (to a backup agent's group), and a server that changed it back at every start would undo that.

/** A folder Ringside creates for its data (or for a backup): the owner only. */
export const PRIVATE_FOLDER_MODE = 0o700;
/** A file Ringside creates there (the database, its lock, its secrets) and a backup: the owner reads and writes. */
export const PRIVATE_FILE_MODE = 0o600;

/** Whether a file's mode lets every user of the machine read it (the "others" bits; a group is the operator's choice). */
export const othersMayRead = (mode: number): boolean => (mode & 0o004) !== 0;
