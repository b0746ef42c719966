// Go interop peer for gosync/etcd's interop test (test/etcd/interop/interop.test.ts).
//
// It drives Go's own clientv3/concurrency (Session, Mutex, Election) and contrib/recipes (Queue,
// PriorityQueue) from etcd 3.4.23 as Debian ships them (golang-etcd-server-dev), so the TypeScript
// primitives can be checked against the real Go implementation on one etcd: same lock prefix, same
// election, same queues. Built offline in GOPATH mode:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o peer peer.go
//
// Protocol: one JSON command per line on stdin, JSON events on stdout (one per line), each carrying
// the command's "id". Every command answers with "ok" (or "error") once it has taken effect;
// long-running commands (lock loops, campaigns, observers, dequeues) run in their own goroutine and
// report further events. Times are CLOCK_MONOTONIC nanoseconds, the clock Node's
// process.hrtime.bigint() reads, so intervals of both sides can be compared.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/concurrency"
	recipe "go.etcd.io/etcd/contrib/recipes"
	"golang.org/x/sys/unix"
)

type command struct {
	ID       string `json:"id"`
	Op       string `json:"op"`
	Session  string `json:"session"`
	TTL      int    `json:"ttl"`
	Prefix   string `json:"prefix"`
	Counter  string `json:"counter"`
	N        int    `json:"n"`
	Value    string `json:"value"`
	Priority int    `json:"priority"`
}

type event map[string]interface{}

var (
	outMu sync.Mutex
	out   = bufio.NewWriter(os.Stdout)
)

func emit(id, ev string, fields event) {
	if fields == nil {
		fields = event{}
	}
	fields["id"] = id
	fields["ev"] = ev
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	outMu.Lock()
	defer outMu.Unlock()
	out.Write(b)
	out.WriteByte('\n')
	out.Flush()
}

func fail(id string, err error) { emit(id, "error", event{"error": err.Error()}) }

// mono is CLOCK_MONOTONIC in nanoseconds, as a decimal string (it may exceed 2^53).
func mono() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return strconv.FormatInt(ts.Nano(), 10)
}

type peer struct {
	cli       *clientv3.Client
	mu        sync.Mutex
	sessions  map[string]*concurrency.Session
	elections map[string]*concurrency.Election
}

func (p *peer) session(name string) (*concurrency.Session, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s, ok := p.sessions[name]
	if !ok {
		return nil, fmt.Errorf("no session %q", name)
	}
	return s, nil
}

// election returns the session's Election on prefix (one per session, created on first use).
func (p *peer) election(name, prefix string) (*concurrency.Election, error) {
	s, err := p.session(name)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	k := name + "\x00" + prefix
	e, ok := p.elections[k]
	if !ok {
		e = concurrency.NewElection(s, prefix)
		p.elections[k] = e
	}
	return e, nil
}

// lockLoop takes the mutex n times; under the lock it increments the counter key with a plain
// read-modify-write (a Get, then a Put fenced only by IsOwner, which guards against acting on a lost
// lock but not against another holder: only mutual exclusion keeps the count exact) and reports the
// interval it held the lock with its fencing token (the create revision of its lock key).
func (p *peer) lockLoop(c command, s *concurrency.Session) {
	ctx := context.Background()
	m := concurrency.NewMutex(s, c.Prefix)
	for i := 0; i < c.N; i++ {
		if err := m.Lock(ctx); err != nil {
			fail(c.ID, err)
			return
		}
		start := mono()
		own, err := p.cli.Get(ctx, m.Key())
		if err != nil {
			fail(c.ID, err)
			return
		}
		if len(own.Kvs) != 1 {
			fail(c.ID, fmt.Errorf("lock key %s missing after Lock", m.Key()))
			return
		}
		token := own.Kvs[0].CreateRevision
		r, err := p.cli.Get(ctx, c.Counter)
		if err != nil {
			fail(c.ID, err)
			return
		}
		n := 0
		if len(r.Kvs) == 1 {
			if n, err = strconv.Atoi(string(r.Kvs[0].Value)); err != nil {
				fail(c.ID, err)
				return
			}
		}
		t, err := p.cli.Txn(ctx).If(m.IsOwner()).Then(clientv3.OpPut(c.Counter, strconv.Itoa(n+1))).Commit()
		if err != nil {
			fail(c.ID, err)
			return
		}
		if !t.Succeeded {
			fail(c.ID, fmt.Errorf("lost the lock %s while holding it", m.Key()))
			return
		}
		end := mono()
		emit(c.ID, "held", event{"token": strconv.FormatInt(token, 10), "start": start, "end": end, "read": n})
		if err := m.Unlock(ctx); err != nil {
			fail(c.ID, err)
			return
		}
	}
	emit(c.ID, "done", nil)
}

func (p *peer) handle(c command) {
	ctx := context.Background()
	switch c.Op {
	case "session":
		s, err := concurrency.NewSession(p.cli, concurrency.WithTTL(c.TTL))
		if err != nil {
			fail(c.ID, err)
			return
		}
		p.mu.Lock()
		p.sessions[c.Session] = s
		p.mu.Unlock()
		emit(c.ID, "ok", event{"lease": fmt.Sprintf("%x", s.Lease())})
	case "close":
		s, err := p.session(c.Session)
		if err != nil {
			fail(c.ID, err)
			return
		}
		if err := s.Close(); err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", nil)
	case "lock":
		s, err := p.session(c.Session)
		if err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", nil)
		go p.lockLoop(c, s)
	case "campaign":
		e, err := p.election(c.Session, c.Prefix)
		if err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", nil)
		go func() {
			if err := e.Campaign(ctx, c.Value); err != nil {
				fail(c.ID, err)
				return
			}
			emit(c.ID, "elected", event{"t": mono(), "key": e.Key(), "rev": strconv.FormatInt(e.Rev(), 10)})
		}()
	case "resign":
		e, err := p.election(c.Session, c.Prefix)
		if err != nil {
			fail(c.ID, err)
			return
		}
		t := mono() // the last moment this side acts as leader
		if err := e.Resign(ctx); err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", event{"t": t})
	case "leader":
		e, err := p.election(c.Session, c.Prefix)
		if err != nil {
			fail(c.ID, err)
			return
		}
		r, err := e.Leader(ctx)
		if err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", event{"value": string(r.Kvs[0].Value), "key": string(r.Kvs[0].Key)})
	case "observe":
		e, err := p.election(c.Session, c.Prefix)
		if err != nil {
			fail(c.ID, err)
			return
		}
		ch := e.Observe(ctx)
		emit(c.ID, "ok", nil)
		go func() {
			for r := range ch {
				kv := r.Kvs[0]
				emit(c.ID, "leader", event{
					"value": string(kv.Value),
					"key":   string(kv.Key),
					"rev":   strconv.FormatInt(kv.CreateRevision, 10),
				})
			}
		}()
	case "enqueue":
		if err := recipe.NewQueue(p.cli, c.Prefix).Enqueue(c.Value); err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", nil)
	case "dequeue":
		emit(c.ID, "ok", nil)
		go func() {
			v, err := recipe.NewQueue(p.cli, c.Prefix).Dequeue()
			if err != nil {
				fail(c.ID, err)
				return
			}
			emit(c.ID, "item", event{"value": v})
		}()
	case "pq-enqueue":
		if c.Priority < 0 || c.Priority > 65535 {
			fail(c.ID, fmt.Errorf("priority %d out of range", c.Priority))
			return
		}
		if err := recipe.NewPriorityQueue(p.cli, c.Prefix).Enqueue(c.Value, uint16(c.Priority)); err != nil {
			fail(c.ID, err)
			return
		}
		emit(c.ID, "ok", nil)
	case "pq-dequeue":
		emit(c.ID, "ok", nil)
		go func() {
			v, err := recipe.NewPriorityQueue(p.cli, c.Prefix).Dequeue()
			if err != nil {
				fail(c.ID, err)
				return
			}
			emit(c.ID, "item", event{"value": v})
		}()
	case "exit":
		emit(c.ID, "ok", nil)
		os.Exit(0)
	default:
		fail(c.ID, fmt.Errorf("unknown op %q", c.Op))
	}
}

func main() {
	endpoints := flag.String("endpoints", "", "comma-separated etcd client URLs")
	flag.Parse()
	if *endpoints == "" {
		fmt.Fprintln(os.Stderr, "peer: -endpoints is required")
		os.Exit(2)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(*endpoints, ","),
		DialTimeout: 5 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer: connect:", err)
		os.Exit(1)
	}
	p := &peer{
		cli:       cli,
		sessions:  map[string]*concurrency.Session{},
		elections: map[string]*concurrency.Election{},
	}
	emit("", "ready", event{"pid": os.Getpid()})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var c command
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fail("", fmt.Errorf("bad command %q: %v", in.Text(), err))
			continue
		}
		// Commands run in order; a command's own goroutine carries anything that blocks.
		p.handle(c)
	}
	// stdin closed: the test is over (or died); leave without closing sessions, like a crash.
	os.Exit(0)
}
