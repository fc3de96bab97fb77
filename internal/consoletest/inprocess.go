package consoletest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// InProcess is a RoundTripper that serves every request with h in the
// calling goroutine, without a socket, as if it came from 127.0.0.1. Tests
// in a testing/synctest bubble use it for HTTP: a socket would keep the
// bubble's virtual clock from moving. A handler that aborts (as the fake
// tenant does to drop a connection) is a transport error, and so is a
// request whose caller gave up while the handler ran.
func InProcess(h http.Handler) http.RoundTripper { return inProcess{h} }

type inProcess struct{ h http.Handler }

// errAborted is what a client sees when the handler drops the "connection".
var errAborted = errors.New("consoletest: the handler aborted the request")

func (p inProcess) RoundTrip(req *http.Request) (res *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close() // a RoundTripper closes the body, even on errors
	}
	in := req.Clone(req.Context())
	in.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:50000"
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	if in.Body == nil {
		in.Body = http.NoBody
	}
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			res, err = nil, errAborted
		}
	}()
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, in)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	res = rec.Result()
	res.Request = req
	return res, nil
}
