/**
 * What a browser sees instead of a JSON error: a page that says what happened and what the
 * person can do. API clients (no `text/html` in Accept) keep the JSON answers; callers choose
 * these pages per request with `acceptsHtml` (responses.ts).
 */
import type { Principal } from "../ports/principal.js";
import { renderMessagePage, type PageAction } from "./pages.js";

/** Who is signed in, in words: a person's address, or an API key's name. */
function describe(principal: Principal): string {
  return principal.type === "user" ? principal.email : `the API key "${principal.name}"`;
}

/** Sign out, or sign out and sign in again as someone else (back to `returnPath` afterwards). */
function accountActions(basePath: string, returnPath: string): PageAction[] {
  return [
    { action: `${basePath}/sign-out`, label: "Sign in as someone else", fields: { return: returnPath } },
    { action: `${basePath}/sign-out`, label: "Sign out" },
  ];
}

export interface ForbiddenPage {
  principal: Principal;
  basePath: string;
  /** The page that was refused (already a safe same-origin path). */
  returnPath: string;
  headOnly?: boolean;
}

/** 403: signed in, but this account may not open the page. */
export function forbiddenPage(page: ForbiddenPage): Response {
  const actions = page.principal.type === "user" ? accountActions(page.basePath, page.returnPath) : [];
  return renderMessagePage({
    title: "You don't have access to this page",
    message: `You're signed in as ${describe(page.principal)}, which does not give access to this page. Ask an administrator for access, or sign in with another account.`,
    status: 403,
    actions,
    links: [{ href: "/", text: "Go to the home page" }],
    headOnly: page.headOnly === true,
  });
}

/** `GET {base}/sign-in` for someone already signed in: continue where they were going, or sign out first. */
export function signedInPage(page: ForbiddenPage): Response {
  return renderMessagePage({
    title: "You're already signed in",
    message: `You're signed in as ${describe(page.principal)}.`,
    status: 200,
    tone: "info",
    links: [{ href: page.returnPath, text: "Continue" }],
    actions: accountActions(page.basePath, page.returnPath),
    headOnly: page.headOnly === true,
  });
}

export type UnavailableReason = "origin_unavailable" | "origin_timeout" | "service_unavailable";

const UNAVAILABLE: Record<UnavailableReason, { status: number; title: string; message: string }> = {
  origin_unavailable: {
    status: 502,
    title: "The application is not answering",
    message: "The sign-in part works, but the application behind it could not be reached. Please try again in a moment.",
  },
  origin_timeout: {
    status: 504,
    title: "The application took too long",
    message: "The application behind the sign-in did not answer in time. Please try again in a moment.",
  },
  service_unavailable: {
    status: 503,
    title: "Temporarily unavailable",
    message: "Sign-in is temporarily unavailable, so nothing could be checked or changed. Please try again in a moment.",
  },
};

/** 502 / 504 (the origin) or 503 (a store or the audit sink): retry later, nothing happened. */
export function unavailablePage(reason: UnavailableReason, options: { retryAfter?: string; headOnly?: boolean } = {}): Response {
  const { status, title, message } = UNAVAILABLE[reason];
  return renderMessagePage({
    title,
    message,
    status,
    links: [],
    headers: { "retry-after": options.retryAfter ?? "5" },
    headOnly: options.headOnly === true,
  });
}
