package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"sync"
	"time"
)

// newRequest builds the next request for a worker; n counts that worker's
// requests, so a workload can walk through a list of ids.
type newRequest func(worker, n int) (*http.Request, error)

// result is what one load level measured.
type result struct {
	Concurrency int
	Requests    int             // answered 200
	Sent        int             // every request sent, warmup and cut-off ones too
	Failures    int             // errors and other statuses
	FirstError  string          // the first failure, to explain it
	Elapsed     time.Duration   // measured window
	Latencies   []time.Duration // of the 200 answers, sorted
	Samples     []sample        // the 200 answers in the order they came, with their request ids
}

// sample is one measured answer. ID is the X-Request-Id the load generator
// sent, which the console passes on to OneLogin with every call it makes
// for the request, so the fake's side can be matched to it.
type sample struct {
	ID      string
	Latency time.Duration
}

// RPS is answered requests per second.
func (r result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile is the nearest-rank percentile p (0-100) of the latencies.
func (r result) Percentile(p float64) time.Duration {
	return percentile(r.Latencies, p)
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1 // ceil(p/100*n) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// newLoadClient is an HTTP client that keeps one connection per worker and
// keeps cookies, as a browser keeps the console's session cookie.
func newLoadClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = concurrency + 1
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: t, Jar: jar, Timeout: 30 * time.Second}
}

// load runs a closed loop: concurrency workers each send a request, read
// the whole answer and send the next, first for warmup (not measured),
// then for d. A request still running at the end is let finish but not
// measured, so that every request sent is complete (and its upstream calls
// counted) when load returns. It stops early when ctx ends.
func load(ctx context.Context, hc *http.Client, concurrency int, warmup, d time.Duration, idPrefix string, mk newRequest) result {
	var (
		mu  sync.Mutex
		res = result{Concurrency: concurrency}
	)
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(d)

	var wg sync.WaitGroup
	for w := range concurrency {
		wg.Go(func() {
			var lat []time.Duration
			var samples []sample
			ok, failed, sent := 0, 0, 0
			firstErr := ""
			for n := 0; ctx.Err() == nil && time.Now().Before(end); n++ {
				req, err := mk(w, n)
				if err != nil {
					firstErr = err.Error()
					failed++
					break
				}
				id := fmt.Sprintf("%s-%d-%d", idPrefix, w, n)
				req.Header.Set("X-Request-Id", id)
				t0 := time.Now()
				status, err := send(ctx, hc, req)
				t1 := time.Now()
				sent++
				if t0.Before(measureFrom) || t1.After(end) {
					continue // warming up, or ended after the window
				}
				if err != nil || status != http.StatusOK {
					failed++
					if firstErr == "" {
						firstErr = fmt.Sprintf("%s %s: status %d, %v", req.Method, req.URL.Path, status, err)
					}
					continue
				}
				ok++
				lat = append(lat, t1.Sub(t0))
				samples = append(samples, sample{id, t1.Sub(t0)})
			}
			mu.Lock()
			res.Requests += ok
			res.Failures += failed
			res.Sent += sent
			res.Latencies = append(res.Latencies, lat...)
			res.Samples = append(res.Samples, samples...)
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = d
	if now := time.Now(); now.Before(end) { // stopped early
		res.Elapsed = max(now.Sub(measureFrom), 0)
	}
	slices.Sort(res.Latencies)
	return res
}

func send(ctx context.Context, hc *http.Client, req *http.Request) (int, error) {
	resp, err := hc.Do(req.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return resp.StatusCode, err
	}
	return resp.StatusCode, nil
}
