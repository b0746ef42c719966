// Go's own etcd client (clientv3/concurrency of etcd 3.4.23, as Debian ships it) running the
// workloads of bench/etcd.mjs, so the table compares gosync/etcd and etcd3 with Go in one run on
// one machine. Built offline in GOPATH mode by bench/etcd.mjs:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o etcdbench etcdbench.go
//
// Usage: etcdbench -endpoint URL -prefix P -workload seq|election|contend|stm
// Then one command per line on stdin: "round N" runs one round — N operations for the sequential
// workloads (seq, election), N milliseconds for the others — and prints one JSON line
// {"value": ..., "p90": ..., "note": ...}; "close" (or EOF) releases everything and exits.
// Figures: seq/election, the median latency of one operation in ms (p90 beside it); contend, all
// acquisitions per second of 10 sessions on one client; stm, committed bank transfers per second.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/concurrency"
)

type figure struct {
	Value float64 `json:"value"`
	P90   float64 `json:"p90,omitempty"`
	Note  string  `json:"note,omitempty"`
}

type workload interface {
	round(n int) (figure, error)
	close()
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "etcdbench: "+format+"\n", args...)
	os.Exit(1)
}

func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(q * float64(len(s)))
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// latencies runs op n times and reports the median and p90 latency in ms.
func latencies(n int, op func() error) (figure, error) {
	lat := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		if err := op(); err != nil {
			return figure{}, err
		}
		lat = append(lat, ms(time.Since(t)))
	}
	return figure{Value: quantile(lat, 0.5), P90: quantile(lat, 0.9)}, nil
}

// ---- seq: one session, Mutex Lock + Unlock back to back -------------------------------------------

type seq struct {
	s *concurrency.Session
	m *concurrency.Mutex
}

func (w *seq) round(n int) (figure, error) {
	ctx := context.Background()
	return latencies(n, func() error {
		if err := w.m.Lock(ctx); err != nil {
			return err
		}
		return w.m.Unlock(ctx)
	})
}

func (w *seq) close() { w.s.Close() }

// ---- election: one session, Campaign + Resign back to back ----------------------------------------

type election struct {
	s *concurrency.Session
	e *concurrency.Election
}

func (w *election) round(n int) (figure, error) {
	ctx := context.Background()
	return latencies(n, func() error {
		if err := w.e.Campaign(ctx, "go"); err != nil {
			return err
		}
		return w.e.Resign(ctx)
	})
}

func (w *election) close() { w.s.Close() }

// ---- contend: 10 sessions on one client, each Lock + Unlock in a loop -----------------------------

type contend struct {
	ss []*concurrency.Session
	ms []*concurrency.Mutex
}

func (w *contend) round(n int) (figure, error) {
	var ops int64
	var firstErr atomic.Value
	stop := time.Now().Add(time.Duration(n) * time.Millisecond)
	t0 := time.Now()
	var wg sync.WaitGroup
	for _, m := range w.ms {
		wg.Add(1)
		go func(m *concurrency.Mutex) {
			defer wg.Done()
			ctx := context.Background()
			for time.Now().Before(stop) {
				if err := m.Lock(ctx); err != nil {
					firstErr.Store(err)
					return
				}
				if err := m.Unlock(ctx); err != nil {
					firstErr.Store(err)
					return
				}
				atomic.AddInt64(&ops, 1)
			}
		}(m)
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return figure{}, err
	}
	return figure{Value: float64(ops) * 1000 / ms(time.Since(t0))}, nil
}

func (w *contend) close() {
	for _, s := range w.ss {
		s.Close()
	}
}

// ---- stm: the bank, 10 accounts, 4 workers of SerializableSnapshot transfers ----------------------

type bank struct {
	cli    *clientv3.Client
	prefix string
	rounds int
}

const (
	accounts = 10
	workers  = 4
	start    = 1000
)

func (w *bank) round(n int) (figure, error) {
	ctx := context.Background()
	w.rounds++
	p := fmt.Sprintf("%s/bank-%d", w.prefix, w.rounds)
	for i := 0; i < accounts; i++ {
		if _, err := w.cli.Put(ctx, fmt.Sprintf("%s/%d", p, i), strconv.Itoa(start)); err != nil {
			return figure{}, err
		}
	}
	var commits, attempts int64
	var firstErr atomic.Value
	stop := time.Now().Add(time.Duration(n) * time.Millisecond)
	t0 := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(time.Now().UnixNano()))
			for time.Now().Before(stop) {
				from := r.Intn(accounts)
				to := (from + 1 + r.Intn(accounts-1)) % accounts
				amount := 1 + r.Intn(10)
				fk, tk := fmt.Sprintf("%s/%d", p, from), fmt.Sprintf("%s/%d", p, to)
				_, err := concurrency.NewSTM(w.cli, func(s concurrency.STM) error {
					atomic.AddInt64(&attempts, 1)
					a, _ := strconv.Atoi(s.Get(fk))
					b, _ := strconv.Atoi(s.Get(tk))
					x := amount
					if a < x {
						x = a
					}
					s.Put(fk, strconv.Itoa(a-x))
					s.Put(tk, strconv.Itoa(b+x))
					return nil
				})
				if err != nil {
					firstErr.Store(err)
					return
				}
				atomic.AddInt64(&commits, 1)
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return figure{}, err
	}
	rate := float64(commits) * 1000 / ms(time.Since(t0))
	all, err := w.cli.Get(ctx, p+"/", clientv3.WithPrefix())
	if err != nil {
		return figure{}, err
	}
	total := 0
	for _, kv := range all.Kvs {
		v, _ := strconv.Atoi(string(kv.Value))
		total += v
	}
	if total != accounts*start {
		return figure{}, fmt.Errorf("bank total %d != %d", total, accounts*start)
	}
	return figure{Value: rate, Note: fmt.Sprintf("%.2f attempts per commit", float64(attempts)/float64(commits))}, nil
}

func (w *bank) close() {}

func main() {
	endpoint := flag.String("endpoint", "", "etcd client URL")
	prefix := flag.String("prefix", "/gosync-bench/go", "key prefix")
	kind := flag.String("workload", "", "seq | election | contend | stm")
	flag.Parse()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{*endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		fail("connect: %v", err)
	}
	defer cli.Close()
	var w workload
	switch *kind {
	case "seq", "election":
		s, err := concurrency.NewSession(cli)
		if err != nil {
			fail("session: %v", err)
		}
		if *kind == "seq" {
			w = &seq{s: s, m: concurrency.NewMutex(s, *prefix)}
		} else {
			w = &election{s: s, e: concurrency.NewElection(s, *prefix)}
		}
	case "contend":
		c := &contend{}
		for i := 0; i < 10; i++ {
			s, err := concurrency.NewSession(cli)
			if err != nil {
				fail("session: %v", err)
			}
			c.ss = append(c.ss, s)
			c.ms = append(c.ms, concurrency.NewMutex(s, *prefix))
		}
		w = c
	case "stm":
		w = &bank{cli: cli, prefix: *prefix}
	default:
		fail("unknown workload %q", *kind)
	}
	defer w.close()
	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		if f[0] == "close" {
			return
		}
		if f[0] != "round" || len(f) != 2 {
			fail("bad command %q", in.Text())
		}
		n, err := strconv.Atoi(f[1])
		if err != nil {
			fail("bad round size %q", f[1])
		}
		fig, err := w.round(n)
		if err != nil {
			fail("%s round: %v", *kind, err)
		}
		if err := out.Encode(fig); err != nil {
			fail("write: %v", err)
		}
	}
}
