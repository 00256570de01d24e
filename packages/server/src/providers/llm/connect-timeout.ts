/**
 * A fetch that gives up when the upstream has not answered with response headers within `ms` (it cannot
 * be reached, or accepts the connection and says nothing). Both provider SDKs take a fetch, so one
 * wrapper gives every adapter the gateway's connect timeout; the body may then stream for as long as the
 * router's first-token and total timeouts allow.
 */
export function fetchWithConnectTimeout(base: typeof fetch, ms: number): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no response headers within ${ms} ms (connect timeout)`)),
      ms,
    );
    try {
      const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
      return await base(input, { ...init, signal });
    } finally {
      clearTimeout(timer);
    }
  };
}
