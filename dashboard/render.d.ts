// Types of render.js for the TypeScript tests (the browser loads the plain JavaScript).
import type { DashboardStateJson } from '../src/management/dashboard-json.js';

export type DashboardState = DashboardStateJson;
export type Bootstrap = NonNullable<DashboardStateJson['bootstrap']> & Record<string, any>;
export type Sbr = NonNullable<DashboardStateJson['splitBrainResolver']>;
export interface Known {
  readonly statuses: Readonly<Record<string, string>>;
  readonly unreachable: readonly string[];
  readonly leader: string | null;
  readonly roleLeaders: Readonly<Record<string, string | null>>;
}
export interface Entry {
  readonly kind: 'good' | 'warn' | 'bad' | 'info';
  readonly text: string;
}

export function escapeHtml(value: unknown): string;
export function shortNode(node: string): string;
export function systemOf(node: string): string;
export function formatDuration(ms: number): string;
export function statusBadge(status: string): string;
export function renderMembers(state: DashboardState): string;
export function renderReachability(state: DashboardState): string;
export function renderBootstrap(bootstrap: Bootstrap | null, sinceMs?: number): string;
export function stableMarginCountdown(
  bootstrap: Bootstrap | null,
  sinceMs?: number,
): { stableForMs: number; marginMs: number; remainingMs: number } | undefined;
export function renderSbr(sbr: Sbr | null, sinceMs?: number): string;
export function knownFromState(state: DashboardState): Known;
export function applyEvent(known: Known, type: string, data: unknown): { known: Known; entry: Entry | null };
export const EVENT_TYPES: readonly string[];
export function renderEvents(entries: readonly { time: string; kind: string; text: string }[]): string;
export function renderSummary(state: DashboardState): string;
