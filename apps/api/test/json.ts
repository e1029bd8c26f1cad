/**
 * JSON as a server sent it (a tRPC answer, a request a fake server recorded). Tests read into it and assert
 * on what they read with `expect`, so a wrong path fails there; typing it would restate every output.
 */
// biome-ignore lint/suspicious/noExplicitAny: JSON off the wire, checked by the assertions that read it
export type Json = any;
