// Package loadtest drives a running Parvis server through the Mastodon API
// with many accounts at once, and measures what it sustains: requests per
// second and latency percentiles for each kind of request, next to the
// ceiling of a trivial endpoint measured in the same run. "parvis bench" is
// its command line.
//
// The load test is bounded in time and in count, and sends traffic to
// loopback addresses only unless told otherwise.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds on a run, whatever the flags say.
const (
	MaxDuration    = time.Hour
	MaxConcurrency = 4096
	MaxRequests    = 100_000_000
)

// CeilingPath is the trivial endpoint whose throughput is the ceiling: it
// goes through the server's middleware and router and answers "OK" without
// touching the database.
const CeilingPath = "/api/v1/streaming/health"

// Config is one run.
type Config struct {
	// Target is the server's base URL, http://127.0.0.1:8080, or several
	// separated by commas (nodes of one server): each worker keeps to one.
	Target      string
	Tokens      []string // one access token per account (scopes read and write)
	Mix         Mix
	Duration    time.Duration // measured time
	Warmup      time.Duration // sent before, not measured
	Concurrency int           // requests in flight at once
	// Rate is the requests per second to send over all workers (open
	// loop: latency counts from when a request was due, so a server that
	// falls behind shows it); 0 sends the next request as soon as a worker
	// is free (closed loop).
	Rate        float64
	MaxRequests int64         // stop after this many (0: MaxRequests)
	Ceiling     time.Duration // how long the trivial endpoint is measured first; 0 skips it
	AllowRemote bool          // permit a target that is not on this machine
	Seed        uint64
	Client      *http.Client // nil: a client sized for Concurrency
}

// Stats are the figures of one operation.
type Stats struct {
	Op       string
	OK       int64            // 2xx answers
	Errors   map[string]int64 // by status code, or "transport" / "no post seen"
	PerSec   float64          // 2xx answers per second of measured time
	P50, P90 time.Duration
	P99, Max time.Duration
}

// ErrorCount is the number of failed requests.
func (s Stats) ErrorCount() int64 {
	var n int64
	for _, v := range s.Errors {
		n += v
	}
	return n
}

// Report is the outcome of a run.
type Report struct {
	Target      string
	Users       int
	Concurrency int
	Rate        float64
	Mix         string
	Elapsed     time.Duration // measured time actually spent
	Ops         []Stats       // in the order of the mix
	Total       Stats
	Ceiling     *Stats // the trivial endpoint, when measured
}

// CheckTarget refuses a target that is not an http(s) URL, or whose host
// is not on this machine (every address it resolves to is loopback) unless
// remote targets are allowed.
func CheckTarget(ctx context.Context, raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target %q is not an http(s) URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("--target %q: give the server's base URL, without user, query or fragment", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err = net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("--target: resolve %s: %w", host, err)
		}
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return nil, fmt.Errorf("--target %s resolves to %s, which is not on this machine; a load test only "+
				"targets loopback unless --allow-remote is given (and the server is yours)", host, a)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("--target: %s has no address", host)
	}
	return u, nil
}

// Run sends the mix, after measuring the ceiling.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Tokens) == 0 {
		return nil, errors.New("no access tokens: the load test needs accounts to act as")
	}
	if cfg.Mix.total == 0 {
		return nil, errors.New("empty mix")
	}
	if cfg.Duration <= 0 || cfg.Duration > MaxDuration || cfg.Warmup < 0 || cfg.Warmup > MaxDuration ||
		cfg.Ceiling < 0 || cfg.Ceiling > MaxDuration {
		return nil, fmt.Errorf("durations must be positive and at most %s", MaxDuration)
	}
	if cfg.Concurrency <= 0 || cfg.Concurrency > MaxConcurrency {
		return nil, fmt.Errorf("concurrency must be from 1 to %d", MaxConcurrency)
	}
	if cfg.Rate < 0 || cfg.Rate > 1e6 {
		return nil, errors.New("rate must be from 0 (as fast as answered) to 1000000 per second")
	}
	if cfg.MaxRequests <= 0 || cfg.MaxRequests > MaxRequests {
		cfg.MaxRequests = MaxRequests
	}
	var bases []string
	for _, t := range strings.Split(cfg.Target, ",") {
		base, err := CheckTarget(ctx, strings.TrimSpace(t), cfg.AllowRemote)
		if err != nil {
			return nil, err
		}
		bases = append(bases, base.String())
	}
	client := cfg.Client
	if client == nil {
		client = newClient(cfg.Concurrency)
		defer client.CloseIdleConnections()
	}
	d := &driver{cfg: cfg, bases: bases, client: client, recent: newRing(512)}
	rep := &Report{Target: strings.Join(bases, ", "), Users: len(cfg.Tokens), Concurrency: cfg.Concurrency, Rate: cfg.Rate,
		Mix: cfg.Mix.String()}
	if cfg.Ceiling > 0 {
		ceil := d.run(ctx, phase{ceiling: true, measure: cfg.Ceiling, max: cfg.MaxRequests})
		s := ceil.stats[opCeiling].summary(string(opCeiling), ceil.elapsed)
		rep.Ceiling = &s
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.prime(ctx)
	res := d.run(ctx, phase{warmup: cfg.Warmup, measure: cfg.Duration, max: cfg.MaxRequests})
	rep.Elapsed = res.elapsed
	all := newRecorder()
	for _, op := range cfg.Mix.ops {
		r := res.stats[op]
		if r == nil {
			r = newRecorder()
		}
		rep.Ops = append(rep.Ops, r.summary(string(op), res.elapsed))
		all.merge(r)
	}
	rep.Total = all.summary("total", res.elapsed)
	return rep, ctx.Err()
}

// opCeiling is the trivial endpoint, measured apart from the mix.
const opCeiling Op = "ceiling"

func newClient(concurrency int) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        concurrency * 2,
		MaxIdleConnsPerHost: concurrency * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		// A page of statuses is tens of kilobytes: read in 4 KB pieces (the
		// default) it cost ten system calls, and the load tool shares the
		// server's cores.
		ReadBufferSize: 64 << 10,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type driver struct {
	cfg    Config
	bases  []string
	client *http.Client
	recent *ring
	posted atomic.Int64
}

type phase struct {
	ceiling bool
	warmup  time.Duration
	measure time.Duration
	max     int64
}

type phaseResult struct {
	stats   map[Op]*recorder
	elapsed time.Duration
}

// run sends requests for the phase with cfg.Concurrency workers; each
// keeps its own recorders, merged at the end.
func (d *driver) run(ctx context.Context, ph phase) phaseResult {
	start := time.Now()
	measureFrom := start.Add(ph.warmup)
	end := measureFrom.Add(ph.measure)
	ctx, cancel := context.WithDeadline(ctx, end.Add(5*time.Second))
	defer cancel()
	var seq atomic.Int64
	var interval time.Duration
	if d.cfg.Rate > 0 && !ph.ceiling {
		interval = time.Duration(float64(time.Second) / d.cfg.Rate)
	}
	results := make([]map[Op]*recorder, d.cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range d.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(d.cfg.Seed, uint64(w)+1))
			mine := map[Op]*recorder{}
			results[w] = mine
			buf := make([]byte, 0, 64<<10)
			for n := 0; ; n++ {
				k := seq.Add(1) - 1
				if k >= ph.max {
					return
				}
				due := time.Now()
				if interval > 0 {
					due = start.Add(time.Duration(k) * interval)
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
					}
				}
				if !due.Before(end) || ctx.Err() != nil {
					return
				}
				op := opCeiling
				if !ph.ceiling {
					op = d.cfg.Mix.pick(rng.IntN(d.cfg.Mix.total))
				}
				token := d.cfg.Tokens[rng.IntN(len(d.cfg.Tokens))]
				var status string
				status, buf = d.do(ctx, d.bases[w%len(d.bases)], op, token, rng, n, buf)
				if due.Before(measureFrom) {
					continue
				}
				rec := mine[op]
				if rec == nil {
					rec = newRecorder()
					mine[op] = rec
				}
				rec.add(status, time.Since(due))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	if elapsed > ph.measure {
		elapsed = ph.measure
	}
	merged := map[Op]*recorder{}
	for _, m := range results {
		for op, r := range m {
			if merged[op] == nil {
				merged[op] = newRecorder()
			}
			merged[op].merge(r)
		}
	}
	return phaseResult{stats: merged, elapsed: elapsed}
}

// do sends one request and returns "" for a 2xx answer, or what went
// wrong. buf is reused for bodies that are read.
func (d *driver) do(ctx context.Context, base string, op Op, token string, rng *rand.Rand, n int, buf []byte) (string, []byte) {
	var req *http.Request
	var err error
	harvest := false
	switch op {
	case opCeiling:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+CeilingPath, nil)
	case OpRead:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/timelines/home?limit=20", nil)
		harvest = n%8 == 0 || d.recent.empty()
	case OpPublic:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/timelines/public?local=true&limit=20", nil)
		harvest = n%8 == 0 || d.recent.empty()
	case OpNotifications:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/notifications?limit=20", nil)
	case OpAccount:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/accounts/verify_credentials", nil)
	case OpPost:
		form := url.Values{"status": {fmt.Sprintf("Load test post %d, sent by parvis bench. #parvisbench", d.posted.Add(1))},
			"visibility": {"public"}}
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/statuses", strings.NewReader(form.Encode()))
		if req != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	case OpLike, OpThread:
		id, ok := d.recent.pick(rng)
		if !ok {
			return "no post seen", buf
		}
		if op == OpLike {
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/statuses/"+id+"/favourite", nil)
		} else {
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/statuses/"+id+"/context", nil)
		}
	}
	if err != nil {
		return "transport", buf
	}
	if op != opCeiling {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return "transport", buf
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && (harvest || op == OpPost) {
		buf, err = readAll(resp.Body, buf[:0])
		if err != nil {
			return "transport", buf
		}
		d.harvest(op, buf)
	} else if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return "transport", buf
	}
	if !ok {
		return strconv.Itoa(resp.StatusCode), buf
	}
	return "", buf
}

func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(len(buf), 16<<10))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// harvest keeps the ids of posts seen, for likes and thread reads.
func (d *driver) harvest(op Op, body []byte) {
	depth := 1 // a list of statuses: their ids are one level down
	if op == OpPost {
		depth = 0 // one status
	}
	topLevelIDs(body, depth, d.recent.add)
}

// topLevelIDs calls add with the string "id" of every object depth arrays
// down in a JSON document (0: the document is the object). The load tool
// shares the server's cores: decoding whole pages with encoding/json took
// a sixth of its time, this pass a small part of that. Malformed input
// yields what was found before the fault.
func topLevelIDs(doc []byte, depth int, add func(string)) {
	level := 0 // objects and arrays open around i
	for i := 0; i < len(doc); i++ {
		switch c := doc[i]; c {
		case '{', '[':
			level++
		case '}', ']':
			level--
		case '"':
			end := stringEnd(doc, i)
			if end < 0 {
				return
			}
			// A key of an object at the wanted depth, followed by ':'.
			if level == depth+1 && string(doc[i+1:end]) == "id" {
				if j := skipSpace(doc, end+1); j < len(doc) && doc[j] == ':' {
					j = skipSpace(doc, j+1)
					if j < len(doc) && doc[j] == '"' {
						if vend := stringEnd(doc, j); vend > j+1 {
							add(string(doc[j+1 : vend]))
							end = vend
						}
					}
				}
			}
			i = end
		}
	}
}

// skipSpace returns the index of the first byte from i on that is not JSON
// white space.
func skipSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\n' || doc[i] == '\t' || doc[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index of the quote closing the string that opens
// at doc[start], or -1.
func stringEnd(doc []byte, start int) int {
	for i := start + 1; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// prime fills the ring of recent posts before the mix starts, from the
// public timeline, so the first likes have something to like.
func (d *driver) prime(ctx context.Context) {
	for i := 0; i < 3 && d.recent.empty() && i < len(d.cfg.Tokens); i++ {
		rng := rand.New(rand.NewPCG(d.cfg.Seed, 0))
		d.do(ctx, d.bases[0], OpPublic, d.cfg.Tokens[i], rng, 0, nil)
		d.do(ctx, d.bases[0], OpRead, d.cfg.Tokens[i], rng, 0, nil)
	}
}

// ring is a small shared set of recently seen post ids.
type ring struct {
	mu   sync.Mutex
	ids  []string
	next int
}

func newRing(n int) *ring { return &ring{ids: make([]string, 0, n)} }

func (r *ring) add(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) < cap(r.ids) {
		r.ids = append(r.ids, id)
		return
	}
	r.ids[r.next] = id
	r.next = (r.next + 1) % len(r.ids)
}

func (r *ring) pick(rng *rand.Rand) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ids) == 0 {
		return "", false
	}
	return r.ids[rng.IntN(len(r.ids))], true
}

func (r *ring) empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids) == 0
}
