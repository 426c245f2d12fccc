// SPDX-License-Identifier: GPL-2.0
//
// etcdload: a put load generator for etcd, the etcd half of `make bench`.
//
// It talks to etcd through etcd's own clientv3 over several gRPC
// connections (spread round-robin over the endpoints), so the client side
// does not serialise what etcd can do in parallel.  Two modes:
//
//	closed: --clients goroutines, each issuing Put after Put for --duration.
//	open:   requests scheduled at fixed intervals (--rate per second in
//	        total) and served by up to --clients in flight; latency counts
//	        from each request's scheduled time, so a stalled server shows
//	        up as latency instead of as fewer requests (no coordinated
//	        omission).
//
// One JSON object goes to stdout.  CPU time is the whole machine's busy
// time from /proc/stat over the run (etcd members and this client alike)
// divided by the completed operations.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"
)

// clkTck is sysconf(_SC_CLK_TCK): 100 on every Linux architecture we run
// on, and the Go runtime offers no portable way to ask without cgo.
const clkTck = 100

type config struct {
	endpoints []string
	clients   int
	conns     int
	size      int
	duration  time.Duration
	mode      string
	rate      float64
	timeout   time.Duration
	dial      time.Duration
	drain     time.Duration
	prefix    string
}

type result struct {
	System     string       `json:"system"`
	Clients    int          `json:"clients"`
	Conns      int          `json:"conns"`
	Size       int          `json:"size"`
	Mode       string       `json:"mode"`
	RateTarget float64      `json:"rate_target"`
	Ops        int64        `json:"ops"`
	Seconds    float64      `json:"seconds"`
	OpsPerS    float64      `json:"ops_per_s"`
	MBPerS     float64      `json:"mb_per_s"`
	LatUs      latency      `json:"lat_us"`
	Errors     int64        `json:"errors"`
	Dropped    int64        `json:"dropped"`
	CPUSPerOp  float64      `json:"cpu_s_per_op"`
	CDFUs      [][2]float64 `json:"cdf_us"`
}

type latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "etcdload: "+format+"\n", a...)
	os.Exit(1)
}

func parseFlags() config {
	var c config
	var eps string
	flag.StringVar(&eps, "endpoints", "127.0.0.1:2379", "comma-separated etcd client endpoints")
	flag.IntVar(&c.clients, "clients", 1, "concurrent clients (closed) or maximum requests in flight (open)")
	flag.IntVar(&c.conns, "conns", 0, "gRPC connections (default min(clients, 16))")
	flag.IntVar(&c.size, "size", 64, "value size in bytes")
	flag.DurationVar(&c.duration, "duration", 5*time.Second, "measurement time")
	flag.StringVar(&c.mode, "mode", "closed", "closed or open")
	flag.Float64Var(&c.rate, "rate", 0, "open mode: target requests per second, all clients together")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout (a timed-out put counts as an error)")
	flag.DurationVar(&c.dial, "dial-timeout", 10*time.Second, "connection timeout")
	flag.DurationVar(&c.drain, "drain", 10*time.Second, "open mode: time past --duration to finish scheduled requests; the rest count as dropped")
	flag.StringVar(&c.prefix, "prefix", "", "key prefix (default: a fresh one per run, so runs never overwrite each other)")
	flag.Parse()
	if flag.NArg() != 0 {
		die("unexpected argument %q", flag.Arg(0))
	}
	for _, e := range strings.Split(eps, ",") {
		if e = strings.TrimSpace(e); e != "" {
			c.endpoints = append(c.endpoints, e)
		}
	}
	if len(c.endpoints) == 0 {
		die("--endpoints is empty")
	}
	if c.clients < 1 {
		die("--clients must be at least 1")
	}
	if c.conns == 0 {
		c.conns = c.clients
		if c.conns > 16 {
			c.conns = 16
		}
	}
	if c.conns < 1 {
		die("--conns must be at least 1")
	}
	if c.size < 0 {
		die("--size must not be negative")
	}
	if c.duration <= 0 {
		die("--duration must be positive")
	}
	switch c.mode {
	case "closed":
	case "open":
		if c.rate <= 0 {
			die("--mode open needs --rate > 0")
		}
	default:
		die("--mode must be closed or open, not %q", c.mode)
	}
	if c.prefix == "" {
		c.prefix = fmt.Sprintf("etcdload/%d", time.Now().UnixNano())
	}
	return c
}

// busyJiffies: user+nice+system+irq+softirq+steal of all CPUs.  guest and
// guest_nice are already inside user and nice, so they are not added.
func busyJiffies() (uint64, error) {
	b, err := ioutil.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line := strings.SplitN(string(b), "\n", 2)[0]
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, errors.New("unexpected first line of /proc/stat")
	}
	var sum uint64
	// cpu user nice system idle iowait irq softirq steal
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %v", err)
		}
		sum += v
	}
	return sum, nil
}

func connect(c config) []*clientv3.Client {
	// Quiet: gRPC's reconnect chatter would otherwise interleave with the
	// JSON on stdout's neighbour.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(ioutil.Discard, ioutil.Discard, os.Stderr))
	lc := zap.NewProductionConfig()
	lc.Level = zap.NewAtomicLevelAt(zap.ErrorLevel)
	conns := make([]*clientv3.Client, c.conns)
	for i := range conns {
		// One endpoint per connection, round-robin, as a real fleet of
		// clients would spread over the members; followers forward to the
		// leader.
		ep := c.endpoints[i%len(c.endpoints)]
		cli, err := clientv3.New(clientv3.Config{
			Endpoints:   []string{ep},
			DialTimeout: c.dial,
			LogConfig:   &lc,
		})
		if err != nil {
			die("cannot connect to %s: %v", ep, err)
		}
		conns[i] = cli
	}
	// A first put on every connection: fails early on a cluster without a
	// leader, and keeps connection set-up out of the measurement.
	for i, cli := range conns {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		_, err := cli.Put(ctx, fmt.Sprintf("%s/warm/%d", c.prefix, i), "x")
		cancel()
		if err != nil {
			die("first put through %s failed: %v", c.endpoints[i%len(c.endpoints)], err)
		}
	}
	return conns
}

type worker struct {
	lat  []time.Duration
	errs int64
}

func (w *worker) put(cli *clientv3.Client, c config, key, val string, since time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	_, err := cli.Put(ctx, key, val)
	cancel()
	if err != nil {
		w.errs++
		return
	}
	w.lat = append(w.lat, time.Since(since))
}

// closedLoop: each client puts back to back until the deadline.
func closedLoop(c config, conns []*clientv3.Client, val string, ws []worker) time.Duration {
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(c.duration)
	for i := range ws {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &ws[i]
			cli := conns[i%len(conns)]
			for n := 0; ; n++ {
				t := time.Now()
				if !t.Before(deadline) {
					return
				}
				w.put(cli, c, fmt.Sprintf("%s/%d/%d", c.prefix, i, n), val, t)
			}
		}(i)
	}
	wg.Wait()
	return time.Since(start)
}

// openLoop: request k is due at start + k/rate whatever happened to the
// earlier ones; up to --clients serve the queue of due requests.
func openLoop(c config, conns []*clientv3.Client, val string, ws []worker) (time.Duration, int64) {
	total := int64(c.duration.Seconds() * c.rate)
	if total < 1 {
		total = 1
	}
	interval := time.Duration(float64(time.Second) / c.rate)
	due := make(chan int64, 1<<16)
	var dropped int64
	start := time.Now()
	giveUp := start.Add(c.duration + c.drain)
	go func() {
		for k := int64(0); k < total; k++ {
			t := start.Add(time.Duration(k) * interval)
			if d := time.Until(t); d > 0 {
				time.Sleep(d)
			}
			due <- k
		}
		close(due)
	}()
	var wg sync.WaitGroup
	for i := range ws {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			w := &ws[i]
			cli := conns[i%len(conns)]
			for k := range due {
				if time.Now().After(giveUp) {
					atomic.AddInt64(&dropped, 1)
					continue
				}
				sched := start.Add(time.Duration(k) * interval)
				w.put(cli, c, fmt.Sprintf("%s/o/%d", c.prefix, k), val, sched)
			}
		}(i)
	}
	wg.Wait()
	return time.Since(start), dropped
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return float64(sorted[i].Nanoseconds()) / 1e3
}

func main() {
	c := parseFlags()
	conns := connect(c)
	defer func() {
		for _, cli := range conns {
			cli.Close()
		}
	}()

	buf := make([]byte, c.size)
	r := rand.New(rand.NewSource(1))
	for i := range buf {
		buf[i] = byte('a' + r.Intn(26))
	}
	val := string(buf)

	ws := make([]worker, c.clients)
	j0, err := busyJiffies()
	if err != nil {
		die("%v", err)
	}
	var elapsed time.Duration
	var dropped int64
	if c.mode == "closed" {
		elapsed = closedLoop(c, conns, val, ws)
	} else {
		elapsed, dropped = openLoop(c, conns, val, ws)
	}
	j1, err := busyJiffies()
	if err != nil {
		die("%v", err)
	}

	var all []time.Duration
	var errs int64
	for _, w := range ws {
		all = append(all, w.lat...)
		errs += w.errs
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	ops := int64(len(all))
	secs := elapsed.Seconds()
	res := result{
		System:     "etcd",
		Clients:    c.clients,
		Conns:      c.conns,
		Size:       c.size,
		Mode:       c.mode,
		RateTarget: c.rate,
		Ops:        ops,
		Seconds:    secs,
		OpsPerS:    float64(ops) / secs,
		MBPerS:     float64(ops) * float64(c.size) / secs / 1e6,
		LatUs: latency{
			P50:  percentile(all, 0.50),
			P99:  percentile(all, 0.99),
			P999: percentile(all, 0.999),
			Max:  percentile(all, 1),
		},
		Errors:  errs,
		Dropped: dropped,
	}
	// The same points as vsr-load's, for the latency CDF plots.
	for _, p := range []float64{1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.99, 100} {
		res.CDFUs = append(res.CDFUs, [2]float64{p, percentile(all, p/100)})
	}
	if ops > 0 {
		res.CPUSPerOp = float64(j1-j0) / clkTck / float64(ops)
	}
	out, err := json.Marshal(res)
	if err != nil {
		die("%v", err)
	}
	fmt.Println(string(out))
	if ops == 0 {
		die("no put succeeded (%d errors)", errs)
	}
}
