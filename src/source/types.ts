import type { ListedBlob, RemoteSourceReader } from '../azure/remote-source.js';
import type { Layout } from '../rules/layout-model.js';
import type { Finding } from '../rules/finding.js';

export type { ListedBlob };

/** One file of the payload, as the scan found it and as it will be named remotely. */
export interface PayloadFile {
  kind: 'bacpac' | 'storage';
  /** Absolute path on disk. */
  absolutePath: string;
  /** Path shown to the user: relative to the migration folder (or the override folder), forward slashes. */
  displayPath: string;
  /** Path relative to the storage root as found on disk (forward slashes); the file name for the bacpac. */
  sourceName: string;
  /** Blob name in the target container: `db.bacpac`, or `<container>/<path>` (lowercased with `--lowercase`). */
  blobName: string;
  /** Top-level storage folder (mapped), or null for the bacpac. */
  container: string | null;
  size: number;
  mtimeMs: number;
  /** Device and inode from the scan's lstat: the file opened later must be this one. */
  dev: number;
  ino: number;
}

/** Where the two parts of a migration come from. */
export interface PayloadSource extends RemotePayload {
  /** The migration folder, if one was given. Holds `db.bacpac` and `storage/` by convention. */
  dir?: string;
  /** Overrides `<dir>/db.bacpac`. The blob is always named `db.bacpac`. */
  bacpac?: string;
  /** Overrides `<dir>/storage`. Must have the `<container>/<path…>` shape. */
  storage?: string;
  /** Lowercase every storage name on the way (files on disk are never renamed). */
  lowercase?: boolean;
  /**
   * An Xperience project folder: the storage files are those under each project folder its layout serves,
   * plus `$StorageAssets/<container>/…`; names lowercased as Xperience does. The layout comes from
   * `layoutFile`, else the project's mapping code.
   */
  project?: string;
  /** A layout file (`{ "containers": { "default": ["assets/"] } }`): storage files are checked against it; with `project`, it decides the mapping. */
  layoutFile?: string;
  /** Check storage files against the template-default layout (`default` ← `assets/`) when no layout is named. */
  checkLayout?: boolean;
  /** A layout already resolved (library callers); wins over `layoutFile` and `project`. */
  layout?: Layout;
  /** Normalise every storage name to Unicode NFC on the way (files on disk are never renamed). */
  nfc?: boolean;
  /** Upload Thumbs.db, desktop.ini, .DS_Store and ._* files too (left out, with a warning, by default). */
  includeSystemFiles?: boolean;
  /**
   * Names at the top of the migration folder to leave out on purpose (`--ignore NAME`, exact names): anything
   * there but db.bacpac, storage/, the state folder and operating-system clutter is otherwise an error (UNEXPECTED_ENTRY).
   */
  ignore?: string[];
  /** Only the database is meant to be sent: a missing storage part is no error (MISSING_PART otherwise), and <dir>/storage is left out. */
  databaseOnly?: boolean;
  /** Only the storage files are meant to be sent: a missing db.bacpac is no error (MISSING_PART otherwise), and <dir>/db.bacpac is left out. */
  storageOnly?: boolean;
  /** Absolute paths of the files the command itself reads or writes (a SAS URL file, the state folder): not part of the payload where they sit. */
  commandFiles?: string[];
}

/** A blob of a remote source, mapped to its restore name: copied by the storage service, never through this machine. */
export interface RemoteFile extends ListedBlob {
  kind: 'remote';
  /** Which `--storage-from` it comes from (index in the order given). */
  source: number;
  /** Shown to the user: `<account>/<container>/<source name>`. */
  displayPath: string;
  /** Blob name in the storage container, after --map and --lowercase. */
  blobName: string;
  /** Top-level folder of the blob name (the Xperience container). */
  container: string;
  /** The opened source it comes from: the service copies the blob through its read URL; verify --hash downloads it. */
  reader: RemoteSourceReader;
}

/** Where the two parts of a migration come from, plus containers already in Azure (see README "Media already in Azure"). */
export interface RemotePayload {
  /** Container URLs (optionally with a prefix path and a SAS) to copy from, server side. */
  storageFrom?: string[];
  /** `SRC_PREFIX=DST_PREFIX` mappings for their blob names; the longest prefix wins. */
  map?: string[];
  /**
   * Storage endpoint suffixes (`core.example.net`: hosts `<account>.blob.core.example.net`) trusted with an Entra ID
   * token besides Azure's public, US Government and China clouds (Azure Stack Hub, a private cloud).
   */
  storageEndpointSuffix?: string[];
}

/**
 * One entry of a payload, whatever kind of source it comes from, named as it goes into the restore containers
 * (the layout already applied): a local file the engine reads (`bacpac`, `storage`), or a blob of a remote
 * container the storage service copies (`remote`).
 */
export type SourceEntry = PayloadFile | RemoteFile;

/**
 * What a source yields, in a deterministic order: its entries and what the rules said about them; a remote
 * source ends with how its names met --map: blobs no prefix covers, prefixes that start no blob.
 */
export type SourceEvent<Entry extends SourceEntry = SourceEntry> = { type: 'file'; file: Entry } | { type: 'finding'; finding: Finding } | MapUsage;

/** How one remote source's listing met the --map prefixes. */
export interface MapUsage {
  type: 'unmapped';
  /** The source's place in the order given. */
  source: number;
  /** Blobs no --map covers (skipped). */
  count: number;
  /** The --map source prefixes that start none of its blobs, each with the case-insensitive near match found, if any. */
  unmatched: Array<{ from: string; to: string; near: string | null }>;
}

/** What every kind of source is handed for one pass over it. */
export interface PassContext {
  signal?: AbortSignal;
  /** A path as the user sees it (relative to the working directory when below it). */
  show: (absolute: string) => string;
}

/**
 * One part of a payload: a migration folder (with --bacpac and --storage), a project folder read through its
 * layout, or a remote container. Each pass walks or lists it again, streamed; nothing is held per file.
 */
export interface Source {
  readonly kind: 'folder' | 'project' | 'remote';
  events(context: PassContext): AsyncIterable<SourceEvent>;
}
