/** Every case: zones and daemons outlive a single test, so no sanitizers. */
export const opts = { sanitizeOps: false, sanitizeResources: false };
