// The lease contract lease-majority relies on (Pekko's coordination Lease): at most one owner at
// a time, acquired and released asynchronously, with a cheap local check of ownership.
export interface Lease {
  readonly name: string;
  readonly owner: string;
  /** True when this owner now holds the lease. `onLost` fires if it is later lost (e.g. heartbeat failed). */
  acquire(onLost?: (reason: Error | undefined) => void): Promise<boolean>;
  /** True when released (or it was not held). */
  release(): Promise<boolean>;
  /** Local view: this owner believes it holds the lease. */
  checkLease(): boolean;
}
