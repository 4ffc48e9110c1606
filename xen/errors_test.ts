import assert from "node:assert/strict";
import { Libxl, ToolLogger, XenCtrl, XenError, XenStore, XenUnavailableError } from "./mod.ts";

Deno.test("a missing Xen library is a typed XenUnavailableError naming it, raised on first use", () => {
  const xs = new XenStore("libxenstore-not-installed.so.4"); // constructing opens nothing
  assert.throws(() => xs.read("/local"), (e: unknown) => {
    assert.ok(e instanceof XenUnavailableError);
    assert.match((e as Error).message, /cannot load libxenstore-not-installed\.so\.4/);
    return true;
  });
  const xl = new Libxl(() => ({}) as ToolLogger, "libxenlight-not-installed.so");
  assert.throws(() => xl.listDomains(), XenUnavailableError);
  assert.throws(() => new XenCtrl("libxenctrl-not-installed.so").physinfo(), XenUnavailableError);
});

Deno.test("XenError names the call, the subject and the errno or libxl code", () => {
  assert.equal(
    new XenError("xs_read", "/local/domain/7", 13).message,
    "xs_read(/local/domain/7) failed: EACCES (13)",
  );
  assert.equal(
    new XenError("libxl_domain_create_new", "zone", -3).message,
    "libxl_domain_create_new(zone) failed: libxl ERROR_FAIL (-3)",
  );
});
