// SQLite keeps text as UTF-8. A JavaScript string with an unpaired surrogate has no UTF-8 form: better-sqlite3
// writes the surrogate's three-byte pattern anyway, and those bytes read back as three U+FFFD. Whoever hashes
// the string it binds (the batch writer) would then hash other text than the file holds. The API refuses such
// text (protocol/text.ts); should one reach the store anyway, it becomes U+FFFD here, before it is bound or
// hashed, so the chain and the file agree.
export function storableText<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' && !text.isWellFormed() ? text.toWellFormed() : text) as T;
}
