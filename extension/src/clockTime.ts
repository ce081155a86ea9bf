// One way the extension names a moment of today in its notifications, status bar and views.

/** "14:05" in the extension host's zone. */
export function clockTime(time: string | number): string {
  const d = new Date(time);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
