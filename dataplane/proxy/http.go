package proxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/zonemesh/zonemesh/internal/defect"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// maxRetryBody is the largest request body buffered so a request can be retried.
const maxRetryBody = 64 << 10

var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (p *Proxy) httpHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := p.rt.Load()
		lr := rt.listeners[name]
		if lr == nil {
			http.Error(w, "listener removed", http.StatusServiceUnavailable)
			return
		}
		l := lr.cfg
		peer := peerURI(r)
		if l.RBAC != nil {
			if ok, _ := l.RBAC.Allowed(peer); !ok {
				http.Error(w, "RBAC: access denied", http.StatusForbidden)
				return
			}
		}
		// Seeded defect (requests-shed) for the mutation run only; constant false in production builds.
		if defect.Active(defect.RequestsShed) && p.rand(1_000_000) < 5_000 {
			http.Error(w, "shed", http.StatusServiceUnavailable)
			return
		}
		if f := l.Fault; f != nil {
			if f.DelayPPM > 0 && p.rand(1_000_000) < f.DelayPPM {
				t := time.NewTimer(f.Delay)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return
				}
			}
			if f.AbortPPM > 0 && p.rand(1_000_000) < f.AbortPPM {
				http.Error(w, "fault filter abort", f.AbortStatus)
				return
			}
		}
		// SANITIZE(_SET): a caller never forwards its own client-cert claims.
		r.Header.Del("X-Forwarded-Client-Cert")
		// Seeded defect (identity-dropped) for the mutation run only; constant false in production builds.
		if l.XFCC && peer != "" && !defect.Active(defect.IdentityDropped) {
			r.Header.Set("X-Forwarded-Client-Cert", xfcc(lr.self, r, peer))
		}
		vh := lr.routes.host(r.Host)
		if vh == nil {
			http.Error(w, "no virtual host for "+r.Host, http.StatusNotFound)
			return
		}
		route := match(vh, r)
		if route == nil {
			http.Error(w, "no route", http.StatusNotFound)
			return
		}
		cl := rt.clusters[p.clusterFor(route)]
		if cl == nil {
			http.Error(w, "unknown cluster", http.StatusServiceUnavailable)
			return
		}
		p.forward(w, r, route, cl)
	})
}

func peerURI(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 || len(r.TLS.PeerCertificates[0].URIs) == 0 {
		return ""
	}
	return r.TLS.PeerCertificates[0].URIs[0].String()
}

func xfcc(self string, r *http.Request, peer string) string {
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	v := "Hash=" + hex.EncodeToString(sum[:]) + ";URI=" + peer
	if self != "" {
		v = "By=" + self + ";" + v
	}
	return v
}

// forward sends r to the route's cluster with its timeout and retry policy.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, route *config.Route, cl *cluster) {
	cl.stats.rq.Add(1)
	ctx := r.Context()
	if route.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, route.Timeout)
		defer cancel()
	}
	retry := route.Retry
	attempts := 1
	if retry != nil {
		attempts += retry.NumRetries
	}
	var body []byte
	hasBody := r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
	if hasBody && attempts > 1 {
		if r.ContentLength > 0 && r.ContentLength <= maxRetryBody {
			b, err := io.ReadAll(io.LimitReader(r.Body, maxRetryBody+1))
			if err != nil {
				http.Error(w, "read request body", http.StatusBadRequest)
				return
			}
			body = b
		} else {
			attempts = 1 // a streamed body cannot be replayed
		}
	}
	scheme := "http"
	if cl.cfg.Load().TLS != nil {
		scheme = "https"
	}
	for try := 0; try < attempts; try++ {
		if try > 0 {
			cl.stats.retries.Add(1)
		}
		h := cl.pick()
		if h == nil {
			cl.stats.noHost.Add(1)
			cl.stats.rq5xx.Add(1)
			http.Error(w, "no healthy upstream", http.StatusServiceUnavailable)
			return
		}
		tctx, tcancel := ctx, context.CancelFunc(func() {})
		if retry != nil && retry.PerTryTimeout > 0 {
			tctx, tcancel = context.WithTimeout(ctx, retry.PerTryTimeout)
		}
		out := r.Clone(tctx)
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host = scheme, h.addr
		for _, k := range hopHeaders {
			out.Header.Del(k)
		}
		if body != nil {
			out.Body = io.NopCloser(bytes.NewReader(body))
		} else if !hasBody {
			out.Body = nil
		}
		resp, err := cl.tr.RoundTrip(out)
		last := try == attempts-1
		if err != nil {
			tcancel()
			timedOut := ctx.Err() != nil
			if !timedOut && r.Context().Err() == nil {
				cl.result(h, 0)
			}
			if timedOut {
				cl.stats.timeouts.Add(1)
				cl.stats.rq5xx.Add(1)
				http.Error(w, "upstream request timeout", http.StatusGatewayTimeout)
				return
			}
			perTry := errors.Is(tctx.Err(), context.DeadlineExceeded)
			if !last && retry != nil && (retry.OnConnectFailure || retry.On5xx || perTry && retry.PerTryTimeout > 0) {
				continue
			}
			cl.stats.connFail.Add(1)
			cl.stats.rq5xx.Add(1)
			if perTry {
				cl.stats.timeouts.Add(1)
				http.Error(w, "upstream request timeout", http.StatusGatewayTimeout)
				return
			}
			http.Error(w, "upstream connect error: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		cl.result(h, resp.StatusCode)
		if !last && retry != nil && retryable(retry, resp.StatusCode) {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			tcancel()
			continue
		}
		p.copyResponse(w, resp, cl)
		tcancel()
		return
	}
}

func retryable(p *config.RetryPolicy, status int) bool {
	if p.On5xx && status >= 500 {
		return true
	}
	return p.OnGatewayError && (status == 502 || status == 503 || status == 504)
}

func (p *Proxy) copyResponse(w http.ResponseWriter, resp *http.Response, cl *cluster) {
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		cl.stats.rq5xx.Add(1)
	case resp.StatusCode >= 400:
		cl.stats.rq4xx.Add(1)
	default:
		cl.stats.rq2xx.Add(1)
	}
	hdr := w.Header()
	for k, vs := range resp.Header {
		hdr[k] = vs
	}
	for _, k := range hopHeaders {
		hdr.Del(k)
	}
	w.WriteHeader(resp.StatusCode)
	bp := bufPool.Get().(*[]byte)
	io.CopyBuffer(w, resp.Body, *bp)
	bufPool.Put(bp)
	for k, vs := range resp.Trailer {
		hdr[http.TrailerPrefix+k] = vs
	}
}
