// gosync/etcd — Go's distributed concurrency primitives (clientv3/concurrency and contrib/recipes) on
// etcd v3, speaking the same key layouts and transactions as Go so TypeScript and Go services can
// share one lock or one election. Two backends behind one interface: `connect()` (a real etcd, via
// the optional `etcd3` package, loaded on first use) and `embedded()` (in-process, same semantics).
// May import (ARCHITECTURE.md): the core layers; never debug, testing or threads.

export type {
  Backend,
  Compare,
  CompareResult,
  DeleteRequest,
  DeleteResponse,
  KeyValue,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  Op,
  OpResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
  SortOrder,
  SortTarget,
  TxnRequest,
  TxnResponse,
  Value,
  Watch,
  WatchEvent,
  WatchRequest,
  WatchResponse,
} from "./backend.js";
export { Barrier } from "./barrier.js";
export { prefixEnd, text } from "./bytes.js";
export { type ConnectOptions, connect } from "./connect.js";
export { DoubleBarrier } from "./double-barrier.js";
export { Election } from "./election.js";
export { type EmbeddedOptions, embedded } from "./embedded.js";
export { EtcdError, type EtcdErrorCode } from "./errors.js";
export { Mutex } from "./mutex.js";
export { PriorityQueue } from "./priority-queue.js";
export { Queue } from "./queue.js";
export { RWMutex } from "./rwmutex.js";
export { Session, type SessionOptions } from "./session.js";
export { type Isolation, type StmOptions, type StmResult, type StmTx, stm } from "./stm.js";
