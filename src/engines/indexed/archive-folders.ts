import { type ArchiveLayout, dayFolders, detectLayout, type ReadOptions, SETTLED_MS, statFolder } from '../local/log-files.js';

/** What a question reads from: the archive's layout, and in a trail layout the day folders of its window there are. */
export interface QuestionFolders {
  layout: ArchiveLayout;
  dayFolders: readonly string[];
}

/** Windows whose folders are kept; a question's window is usually one of a few (the last days, a day). */
const KEPT_WINDOWS = 16;

/** A folder's mtime when it was read, or null: it did not exist. */
type Stamp = number | null;

/**
 * The layout and day folders of a window, found again (detectLayout, dayFolders: a chain of
 * readdirs) only when a folder they were found from changed: every folder read then is stat'ed,
 * all at once, and must have the mtime it had, or still not exist. They are kept only when every
 * folder's mtime was older than SETTLED_MS when the walk began, so a trail, region or day folder
 * that appears after start is still found. Never kept when symbolic links are followed: a link's
 * target can appear without any folder read changing.
 */
export class ArchiveFolders {
  private readonly found = new Map<string, { folders: QuestionFolders; stamps: Map<string, Stamp> }>();

  constructor(
    private readonly logsDir: string,
    private readonly readOptions: ReadOptions,
  ) {}

  async of(days: { from: string; to: string }): Promise<QuestionFolders> {
    const window = `${days.from}-${days.to}`;
    const kept = this.found.get(window);
    if (kept && (await unchanged(kept.stamps))) return kept.folders;
    this.found.delete(window);
    // Wall-clock time, compared with the folders' mtimes.
    const walkedAt = Date.now();
    const listed: string[] = [];
    const layout = await detectLayout(this.logsDir, this.readOptions, listed);
    const folders: QuestionFolders = {
      layout,
      dayFolders:
        layout.kind === 'trail'
          ? (
              await Promise.all(layout.regionDirs.map((regionDir) => dayFolders(regionDir, days, this.readOptions, listed)))
            ).flat()
          : [],
    };
    if (this.readOptions.followSymlinks) return folders;
    const stamps = new Map(await Promise.all([...new Set(listed)].map(async (dir) => [dir, await stampOf(dir)] as const)));
    if ([...stamps.values()].every((mtimeMs) => mtimeMs === null || walkedAt - mtimeMs > SETTLED_MS)) {
      if (this.found.size >= KEPT_WINDOWS) this.found.delete(this.found.keys().next().value as string);
      this.found.set(window, { folders, stamps });
    }
    return folders;
  }
}

async function stampOf(dir: string): Promise<Stamp> {
  return (await statFolder(dir))?.mtimeMs ?? null;
}

async function unchanged(stamps: ReadonlyMap<string, Stamp>): Promise<boolean> {
  const now = await Promise.all([...stamps].map(async ([dir, mtimeMs]) => (await stampOf(dir)) === mtimeMs));
  return now.every(Boolean);
}
