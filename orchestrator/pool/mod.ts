/** The warm pool: zones booted ahead of need, per configured shape, claimed by launches. */
export { parsePoolShapes, POOL_SHAPE, POOL_SHAPE_HASH, type PoolShape } from "./pool_shape.ts";
export { planPool, type PoolAction } from "./pool_plan.ts";
export { runWarmPool, type WarmPoolOptions } from "./warm_pool.ts";
