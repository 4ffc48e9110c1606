/** OCI image references, parsed and normalised the way Docker does. */
export * from "./reference.ts";
