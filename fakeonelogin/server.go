package fakeonelogin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a Tenant served over HTTP on 127.0.0.1, plus any handlers
// mounted next to it (for example an OIDC provider under /oidc/2/).
type Server struct {
	URL          string // base URL, e.g. http://127.0.0.1:41234
	ClientID     string
	ClientSecret string
	Tenant       *Tenant

	srv    *http.Server
	mu     sync.RWMutex
	mounts []mount
}

type mount struct {
	pattern string
	h       http.Handler
}

// NewServer seeds a tenant and serves it on a free port of 127.0.0.1. It
// panics when no port is free, as there is nothing to serve the demo on.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("fakeonelogin: listen on 127.0.0.1: %v", err))
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.URL = "http://" + ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }() // ends with Close
	return s
}

func newServer(opts Options) *Server {
	t := NewTenant(opts)
	return &Server{Tenant: t, ClientID: t.opts.ClientID, ClientSecret: t.opts.ClientSecret}
}

// Mount serves h for requests matching pattern on the same host, ahead of
// the OneLogin API. A pattern ending in "/" matches that prefix; any other
// pattern matches that exact path. Mounted requests are recorded in Calls
// but see no latency, faults or rate limit. Safe to call while serving.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mounts = append(s.mounts, mount{pattern, h})
}

// ServeHTTP dispatches to a mounted handler or the tenant.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	var h http.Handler
	best := -1
	for _, m := range s.mounts {
		match := r.URL.Path == m.pattern ||
			(strings.HasSuffix(m.pattern, "/") && strings.HasPrefix(r.URL.Path, m.pattern))
		if match && len(m.pattern) > best { // longest pattern wins, like ServeMux
			h, best = m.h, len(m.pattern)
		}
	}
	s.mu.RUnlock()
	if h == nil {
		s.Tenant.ServeHTTP(w, r)
		return
	}
	call := s.Tenant.record(r, nil)
	sw := &statusWriter{ResponseWriter: w}
	defer func() { s.Tenant.setCallStatus(call, sw.code) }()
	h.ServeHTTP(sw, r)
}

// Close shuts the server down, dropping open connections.
func (s *Server) Close() { _ = s.srv.Close() }

// Transport returns a RoundTripper that serves requests for s.URL in this
// process, without a socket. A client in the same process as its fake (the
// console's demo mode) saves a loopback connection per concurrent call:
// its buffers, its goroutines on both ends, and the system calls. The
// handler sees what a served request shows (Host, RequestURI, a loopback
// RemoteAddr); latency, faults and the rate limit apply as on the wire, and
// a dropped connection (Tenant.DropNext) is an error, as it is there.
// Requests for any other host are refused.
func (s *Server) Transport() http.RoundTripper {
	u, _ := url.Parse(s.URL) // ours, always valid
	return &inProcess{s: s, host: u.Host}
}

type inProcess struct {
	s    *Server
	host string
}

// errDropped is what a client sees when the fake drops the "connection".
var errDropped = errors.New("fakeonelogin: connection dropped by the fake tenant")

func (t *inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close() // a RoundTripper closes the body, even on errors
	}
	if req.URL.Host != t.host {
		return nil, fmt.Errorf("fakeonelogin: in-process transport serves %s only, not %s", t.host, req.URL.Host)
	}
	in := req.Clone(req.Context())
	in.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	if in.Host == "" {
		in.Host = t.host
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := &recorder{header: http.Header{}}
	defer func() {
		// An aborted handler is a connection closed without an answer.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, errDropped
		}
	}()
	t.s.ServeHTTP(rec, in)
	if err := req.Context().Err(); err != nil {
		return nil, err // the caller gave up while the fake was "slow"
	}
	return rec.response(req), nil
}

// recorder keeps a handler's answer for a client in the same process.
type recorder struct {
	header http.Header
	sent   http.Header // the header as it was when the status was written
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code, r.sent = code, r.header.Clone()
	}
}

// Write sends the status and a sniffed Content-Type first when the handler
// did not, as net/http does.
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 && r.header.Get("Content-Type") == "" {
		r.header.Set("Content-Type", http.DetectContentType(b))
	}
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// response is the answer as the client reads it.
func (r *recorder) response(req *http.Request) *http.Response {
	r.WriteHeader(http.StatusOK)
	h := canonical(r.sent)
	res := &http.Response{
		Status: fmt.Sprintf("%d %s", r.code, http.StatusText(r.code)), StatusCode: r.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(r.body.Bytes())), ContentLength: -1, Request: req,
	}
	if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
		res.ContentLength = n
	}
	return res
}

// canonical is h as a client reads it off the wire: the tenant writes some
// names in lower case, as recorded from OneLogin (x-ratelimit-*), which
// http.Header.Get finds only once they are canonical.
func canonical(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], vs...)
	}
	return out
}
