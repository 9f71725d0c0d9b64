import { fixedClock } from "../../src/core/context.js";
import { memoryCounterStore, memorySingleUseStore } from "../../src/adapters/memory/index.js";
import { describeAtomicStores } from "../../src/testing/index.js";

describeAtomicStores("memory", async () => {
  const clock = fixedClock("2026-03-01T00:00:00Z");
  return {
    counters: memoryCounterStore({ clock }),
    singleUse: memorySingleUseStore({ clock }),
    advance: async (ms) => clock.advance(ms),
  };
});
