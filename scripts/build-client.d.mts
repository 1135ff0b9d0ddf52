/** Types for build-client.mjs (a plain Node script, imported by its test). */
export declare const STAMP_FILE: string;
export declare const BUILD_INPUTS: readonly string[];
export declare function clientSourceHash(root: string): string;
export declare function ensureClientBuilt(opts: {
  root: string;
  build?: (root: string) => void;
  force?: boolean;
  log?: (message: string) => void;
}): { built: boolean; hash: string };
