// How a ThreadPool's arguments and results cross threads: gosync/threads' share/attach, so shared
// primitives and contexts stay live on the other side.

/** Before postMessage: a structured-cloneable copy. */
export const share = (value: unknown): unknown => value;
/** After postMessage: the live value again. */
export const attach = <T>(value: unknown): T => value as T;
