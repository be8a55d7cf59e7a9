/** Component ids are file stems: safe as file names and stable across reloads. */
export function sanitiseId(stem: string): string {
  const id = stem.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[-_]+/, '').slice(0, 100);
  return id;
}

export function assertValidId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(id)) {
    throw new Error(
      `invalid component id '${id}': use letters, digits, '-' and '_' (at most 100 characters, starting with a letter or digit)`,
    );
  }
}
