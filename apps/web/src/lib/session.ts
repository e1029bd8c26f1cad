import { useQuery } from "@tanstack/react-query";
import type { Capability } from "@tally/shared";
import { type RouterOutputs, useTRPC } from "./trpc.ts";

export type Me = RouterOutputs["system"]["me"];

/** The signed-in user (or API key) and their capabilities; undefined while loading or signed out. */
export function useMe(): Me | undefined {
  const trpc = useTRPC();
  return useQuery({ ...trpc.system.me.queryOptions(), staleTime: 60_000 }).data;
}

/** Whether `me` may do this (false while the role loads). */
export function can(me: Me | undefined, capability: Capability): boolean {
  return me?.capabilities.includes(capability) ?? false;
}

/** Whether the signed-in role may do this: the UI hides what it may not (the server refuses it anyway). */
export function useCan(capability: Capability): boolean {
  return can(useMe(), capability);
}
