import assert from "node:assert/strict";
import { resolveImageUser } from "./image_user.ts";

const passwd = `root:x:0:0:root:/root:/bin/sh
# a comment
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
app:x:1000:1000::/home/app:/bin/sh
broken line
`;
const group = `root:x:0:
www-data:x:33:
app:x:1000:
shared:x:50000:app,www-data
web:x:1004:
`;

Deno.test("image user: names and numbers resolve as Docker resolves them", () => {
  const r = (spec: string) => resolveImageUser(spec, passwd, group);
  assert.deepEqual(r(""), { uid: 0, gid: 0, additionalGids: [] });
  assert.deepEqual(r("www-data"), { uid: 33, gid: 33, additionalGids: [50000] });
  assert.deepEqual(r("www-data:1004"), { uid: 33, gid: 1004, additionalGids: [] });
  assert.deepEqual(r("www-data:web"), { uid: 33, gid: 1004, additionalGids: [] });
  assert.deepEqual(
    r("1000"),
    { uid: 1000, gid: 1000, additionalGids: [50000] },
    "groups from /etc/group",
  );
  assert.deepEqual(
    r("1002"),
    { uid: 1002, gid: 0, additionalGids: [] },
    "an unlisted uid gets gid 0",
  );
  assert.deepEqual(r("1002:7"), { uid: 1002, gid: 7, additionalGids: [] });
  assert.deepEqual(resolveImageUser("7", "", ""), { uid: 7, gid: 0, additionalGids: [] });
});

Deno.test("image user: unknown names and bad forms are refused with the reason", () => {
  const r = (spec: string) => () => resolveImageUser(spec, passwd, group);
  assert.throws(r("nobody"), /user "nobody" is not in the image's \/etc\/passwd/);
  assert.throws(r("app:nogroup"), /group "nogroup" is not in the image's \/etc\/group/);
  assert.throws(r("4294967296"), /uid 4294967296 is out of range/);
  assert.throws(r("1:2:3"), /is not user\[:group\]/);
  assert.throws(r(":5"), /is not user\[:group\]/);
});
