import 'vue-router';

/** Where a view appears in the navigation. */
export interface NavEntry {
  /** Link text. */
  label: string;
  /** Which group of the navigation it sits in. */
  section: 'helpdesk' | 'admin' | 'settings';
  /** Position within its section (ascending). */
  order: number;
}

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title: the document title and what the route change announces. */
    title?: string;
    /** Present when the view is listed in the navigation. */
    nav?: NavEntry;
    /** The view the console opens on (`/`). One route sets it; without one, the tenant settings. */
    home?: boolean;
    /**
     * Security admins only (issue #12): an agent who opens it (a typed URL, a bookmark) is sent to
     * the role-forbidden view, which names what they asked for (`action`, e.g. "run coverage").
     * Main refuses the view's calls to an agent anyway.
     */
    adminOnly?: { action: string; about: string };
  }
}
