/** The protect release these sources build. */
export const PROTECT_VERSION = "0.1.0";
