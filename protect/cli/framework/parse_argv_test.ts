import assert from "node:assert/strict";
import { type CommandSpec, helpText, parseArgv, UsageError } from "./mod.ts";

const run = () => {};
const root: CommandSpec = {
  name: "tool",
  summary: "a tool",
  options: [
    {
      long: "output",
      short: "o",
      value: "fmt",
      description: "format",
      choices: ["a", "b"],
      default: "a",
      env: "OUT",
    },
  ],
  commands: [{
    name: "zone",
    summary: "zones",
    commands: [{
      name: "launch",
      aliases: ["up"],
      summary: "launch",
      args: [{ name: "image", description: "image", optional: true, default: "x" }],
      options: [
        { long: "name", short: "n", value: "name", description: "name", required: true },
        { long: "tag", value: "t", description: "tag", repeatable: true },
        { long: "wait", short: "w", description: "wait" },
        {
          long: "cpus",
          value: "n",
          description: "cpus",
          parse: (t, flag) => {
            if (!/^\d+$/.test(t)) throw new UsageError(`${flag} bad`, "");
            return Number(t);
          },
        },
      ],
      run,
    }],
  }],
};
const noEnv = () => undefined;

Deno.test("subcommands, aliases, long/short/= forms, repeatables, globals anywhere", () => {
  const call = parseArgv(
    root,
    ["zone", "up", "-nweb", "--tag=a", "--tag", "b", "-w", "--cpus", "4", "-o", "b", "img"],
    noEnv,
  );
  assert.deepEqual(call.path, ["tool", "zone", "launch"]);
  assert.deepEqual(call.args, ["img"]);
  assert.deepEqual(call.options, {
    output: "b",
    name: "web",
    tag: ["a", "b"],
    wait: true,
    cpus: 4,
  });
});

Deno.test("defaults and environment fill absent flags; flags beat env", () => {
  assert.equal(parseArgv(root, ["zone", "launch", "-n", "a"], noEnv).options.output, "a");
  assert.equal(parseArgv(root, ["zone", "launch", "-n", "a"], () => "b").options.output, "b");
  assert.equal(
    parseArgv(root, ["-o", "a", "zone", "launch", "-n", "a"], () => "b").options.output,
    "a",
  );
  assert.deepEqual(parseArgv(root, ["zone", "launch", "-n", "a"], noEnv).args, ["x"]);
});

Deno.test("a variadic last argument takes the rest of the words", () => {
  const tree: CommandSpec = {
    name: "t",
    summary: "",
    commands: [{
      name: "run",
      summary: "",
      args: [{ name: "image", description: "" }, {
        name: "command",
        description: "",
        variadic: true,
      }],
      options: [{ long: "zone", value: "z", description: "" }],
      run,
    }],
  };
  const call = parseArgv(
    tree,
    ["run", "--zone", "a", "img", "--", "sh", "-c", "echo hi; exit 3"],
    noEnv,
  );
  assert.deepEqual(call.args, ["img", "sh", "-c", "echo hi; exit 3"]);
  assert.deepEqual(parseArgv(tree, ["run", "img"], noEnv).args, ["img"]);
});

Deno.test("`--` ends flags", () => {
  assert.deepEqual(parseArgv(root, ["zone", "launch", "-n", "a", "--", "-w"], noEnv).args, ["-w"]);
});

Deno.test("usage errors name the flag and the command", () => {
  const fails = (argv: string[], message: RegExp) =>
    assert.throws(() => parseArgv(root, argv, noEnv), (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(e.message, message);
      return true;
    });
  fails(["zone", "launch"], /--name is required/);
  fails(["zone", "launch", "-n", "a", "--bogus"], /unknown option --bogus/);
  fails(["zone", "launch", "-n"], /-n needs a value <name>/);
  fails(["zone", "launch", "-n", "a", "-o", "c"], /--output "c" is not one of a, b/);
  fails(["zone", "launch", "-n", "a", "--cpus", "x"], /--cpus bad/);
  fails(["zone", "launch", "-n", "a", "--wait=yes"], /--wait takes no value/);
  fails(["zone", "launch", "-n", "a", "i", "j"], /unexpected argument "j"/);
  fails(["zone", "nope"], /unknown command "nope"/);
});

Deno.test("help: a bare group or -h asks for help; help lists commands and options", () => {
  assert.equal(parseArgv(root, ["zone"], noEnv).help, true);
  const call = parseArgv(root, ["zone", "launch", "--help"], noEnv);
  assert.equal(call.help, true);
  const text = helpText(call.command, call.path, root.options!);
  assert.match(text, /^Usage: tool zone launch \[image\] \[options\]/);
  assert.match(text, /-n, --name <name>\s+name \(required\)/);
  assert.match(text, /Global options:\n\s+-o, --output <fmt>/);
  assert.match(helpText(root, ["tool"], root.options!), /Commands:\n\s+zone\s+zones/);
});
