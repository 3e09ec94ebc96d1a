// Page cursors are row ids (plugin-prisma's `cursor: 'id'`). Prisma starts a page by reading the
// cursor row's sort values with no condition of ours, so a cursor naming a row of another
// workspace, or one outside the viewer's scope, would place the page by that row's hidden values
// (its amount, where its name sorts). Lists therefore page from a cursor only after finding its
// row among those the viewer may see; otherwise the page is empty, exactly as for an id that does
// not exist, so a cursor tells nothing about a row the viewer cannot see.

/**
 * Whether a page may start at the cursor: true without one, otherwise whether `find` (a lookup
 * of the id among the viewer's rows) finds it.
 */
export async function cursorSeen(cursor: { id?: string } | undefined, find: (id: string) => Promise<unknown>): Promise<boolean> {
  if (!cursor) return true;
  if (typeof cursor.id !== 'string') return false;
  return (await find(cursor.id)) != null;
}
