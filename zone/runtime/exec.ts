import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import {
  ExecEventSchema,
  ExecInputSchema,
  type ExecStart,
} from "../../proto/gen/protect/idm/v1/idm_pb.ts";
import type { IdmStream } from "../../lib/idm/mod.ts";

/** Quotes one word for sh -c (script(1) runs its command through the shell). */
const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/**
 * Runs a process inside a running workload (`runc exec`, or crun's) and connects it to
 * an IDM stream: stdin from the host, output and the exit code back. (runc's
 * --console-socket is not an option: Deno cannot receive file descriptors.)
 */
export async function runExec(
  runtime: string,
  stateDir: string,
  start: ExecStart,
  stream: IdmStream,
): Promise<void> {
  const send = (event: MessageInitShape<typeof ExecEventSchema>) =>
    stream.write(toBinary(ExecEventSchema, create(ExecEventSchema, event)));
  if (start.args.length === 0) {
    await send({ exited: true, exitCode: 125, error: "exec needs a command" });
    return await stream.close();
  }
  const runcArgs = ["--root", stateDir, "exec", ...(start.tty ? ["--tty"] : [])];
  for (const e of start.env) runcArgs.push("--env", e);
  if (start.workingDirectory) runcArgs.push("--cwd", start.workingDirectory);
  runcArgs.push(start.workloadId, ...start.args);
  // With a tty: foreground `runc exec --tty` allocates the container's pty
  // and relays it, but it needs a terminal of its own to relay to; script(1)
  // gives it one over our pipes.
  const [command, args] = start.tty
    ? ["script", [
      "-q",
      "-f",
      "-e",
      "-c",
      [runtime, ...runcArgs].map(shellQuote).join(" "),
      "/dev/null",
    ]]
    : [runtime, runcArgs];
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
  } catch (e) {
    await send({
      exited: true,
      exitCode: 125,
      error: `cannot start ${command}: ${(e as Error).message}`,
    });
    return await stream.close();
  }
  const stdin = child.stdin.getWriter();
  (async () => {
    for await (const data of stream) {
      const input = fromBinary(ExecInputSchema, data);
      if (input.stdin.length) await stdin.write(input.stdin);
      if (input.stdinClosed) break;
    }
    await stdin.close();
  })().catch(() => stdin.close().catch(() => {}));
  const pump = async (from: ReadableStream<Uint8Array>, field: "stdout" | "stderr") => {
    for await (const chunk of from) await send({ [field]: chunk });
  };
  await Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]);
  const status = await child.status;
  await send({ exited: true, exitCode: status.code });
  await stream.close();
}
