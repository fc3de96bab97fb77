package onelogintest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Server is a Tenant served over HTTP on 127.0.0.1, plus any handlers
// mounted next to it (for example an OIDC provider under /oidc/2/).
type Server struct {
	URL          string // base URL, e.g. http://127.0.0.1:41234
	ClientID     string
	ClientSecret string
	Tenant       *Tenant

	srv    *httptest.Server
	mu     sync.RWMutex
	mounts []mount
}

type mount struct {
	pattern string
	h       http.Handler
}

// NewServer seeds a tenant and serves it on a free port of 127.0.0.1.
func NewServer(opts Options) *Server {
	s := newServer(opts)
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// NewServerOn serves a new tenant on l (for the demo mode, which picks its
// own address). URL is derived from l's address.
func NewServerOn(l net.Listener, opts Options) *Server {
	s := newServer(opts)
	s.srv = httptest.NewUnstartedServer(s)
	s.srv.Listener.Close()
	s.srv.Listener = l
	s.srv.Start()
	s.URL = s.srv.URL
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
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}
