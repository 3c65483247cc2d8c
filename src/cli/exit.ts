/**
 * Exit codes of the CLI (a leaf module: the commands and the entry point both import it).
 * 0 success; 1 a verified claim failed (or an internal bug); 2 user error; 3 numerical failure.
 */
export const EXIT = { ok: 0, failed: 1, user: 2, numerical: 3 } as const;
