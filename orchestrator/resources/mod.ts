/** The DYNAMIC resource policy: memory and vCPU plans, and the loop that applies them. */
export { CpuPolicyState, planCpus } from "./cpu_policy.ts";
export { MemoryPolicyState, planMemory } from "./memory_policy.ts";
export { planTick, runResourceLoop } from "./resource_loop.ts";
