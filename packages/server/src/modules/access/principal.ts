/** Who is calling: a logged-in user (access JWT) or an API key. Built at the edge, passed to services. */
export type Principal =
  | { kind: 'user'; userId: string; sessionId: string; isPlatformAdmin: boolean }
  | { kind: 'api_key'; keyId: string; tenantId: string; userId: string; scopes: readonly string[] };

/** The request facts services need for authorisation and the audit log. */
export interface RequestContext {
  principal: Principal | null;
  /** The tenant the caller picked (`X-Nexus-Tenant`), or the API key's tenant. */
  tenantId?: string;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

export function actorOf(principal: Principal | null): { type: string; id: string | null } {
  if (!principal) return { type: 'anonymous', id: null };
  return principal.kind === 'user'
    ? { type: 'user', id: principal.userId }
    : { type: 'api_key', id: principal.keyId };
}
