/** Runs `cleanup` (synchronous) when the process ends; the returned function unregisters it. */
export declare function onProcessExit(cleanup: () => void): () => void;

/** A new empty folder in the system temp folder, mode 0700, named `<prefix>XXXXXX`. */
export declare function makeTempDir(prefix: string): string;

/** Removes a folder made by makeTempDir (and anything in it); nothing happens when it is already gone. */
export declare function removeTempDir(dir: string | undefined): void;
