import assert from "node:assert/strict";
import { InvalidArgumentError } from "../../lib/errors/mod.ts";
import { checkZoneShares } from "./zone_shares.ts";

Deno.test("zone shares: existing directories inside a root, by name and resolved, once", () => {
  const root = Deno.makeTempDirSync();
  const other = Deno.makeTempDirSync();
  Deno.mkdirSync(`${root}/pod/vol`, { recursive: true });
  Deno.writeTextFileSync(`${root}/file`, "");
  Deno.symlinkSync(other, `${root}/escape`);
  Deno.symlinkSync(`${root}/pod`, `${root}/alias`);
  const refused = (path: string, message: RegExp) =>
    assert.throws(
      () => checkZoneShares([{ hostPath: path }] as never, [root]),
      (e) => e instanceof InvalidArgumentError && message.test(e.message),
    );
  checkZoneShares([{ hostPath: `${root}/pod` }, { hostPath: `${root}/pod/vol` }] as never, [root]);
  refused(other, /spec.shares\[0\].host_path: .* is not inside a share root/);
  refused(`${root}/escape`, /is not inside a share root/);
  refused(`${root}/pod/../file`, /must be an absolute, normalised path/);
  refused("pod", /must be an absolute, normalised path/);
  refused(`${root}/missing`, /No such file/);
  refused(`${root}/file`, /not a directory/);
  assert.throws(
    () =>
      checkZoneShares([{ hostPath: `${root}/pod` }, { hostPath: `${root}/alias` }] as never, [
        root,
      ]),
    /spec.shares\[1\].host_path: .* is shared twice/,
  );
  assert.throws(
    () => checkZoneShares(Array(9).fill({ hostPath: `${root}/pod` }), [root]),
    /spec.shares: at most 8/,
  );
  Deno.removeSync(root, { recursive: true });
  Deno.removeSync(other, { recursive: true });
});
