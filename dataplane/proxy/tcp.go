package proxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/internal/defect"
)

const handshakeTimeout = 10 * time.Second

// serveTCP handles one connection of a tcp_proxy listener: optional TLS termination and network
// RBAC, then a byte pipe to an endpoint of the cluster.
func (p *Proxy) serveTCP(name string, c net.Conn) {
	defer c.Close()
	rt := p.rt.Load()
	lr := rt.listeners[name]
	if lr == nil {
		return
	}
	down := end{c: c}
	peer := ""
	if lr.cfg.TLS != nil {
		bc := &batchConn{Conn: c}
		tc := tls.Server(bc, p.downstreamTLS(name))
		c.SetDeadline(time.Now().Add(handshakeTimeout))
		if err := tc.Handshake(); err != nil {
			return
		}
		c.SetDeadline(time.Time{})
		if cs := tc.ConnectionState(); len(cs.PeerCertificates) > 0 && len(cs.PeerCertificates[0].URIs) > 0 {
			peer = cs.PeerCertificates[0].URIs[0].String()
		}
		down = end{c: tc, batch: bc}
	}
	if lr.cfg.NetRBAC != nil {
		if ok, _ := lr.cfg.NetRBAC.Allowed(peer); !ok {
			return
		}
	}
	up := p.dialCluster(rt, lr.cfg.Cluster)
	if up.c == nil {
		return
	}
	defer up.c.Close()
	pipe(down, up)
}

// dialCluster connects to one endpoint of a cluster (with its upstream TLS, if any).
func (p *Proxy) dialCluster(rt *runtime, name string) end {
	cl := rt.clusters[name]
	if cl == nil {
		return end{}
	}
	cl.stats.rq.Add(1)
	h := cl.pick()
	if h == nil {
		cl.stats.noHost.Add(1)
		return end{}
	}
	up, err := cl.dial(context.Background(), h.addr)
	if err != nil {
		cl.stats.connFail.Add(1)
		cl.result(h, 0)
		return end{}
	}
	cl.result(h, 200) // a connection that opens counts as a success for outlier detection
	return up
}

type closeWriter interface{ CloseWrite() error }

// conns may carry the batchConn under a TLS connection so copies into it are batched.
type end struct {
	c     net.Conn
	batch *batchConn
}

var copyPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// pipe copies both ways until both directions end, propagating half-closes. Between two
// *net.TCPConn, io.Copy uses splice(2) on Linux, so plain TCP never passes through user space;
// with TLS on a side, a large buffer and batched records keep syscalls per byte low.
func pipe(a, b end) {
	var wg sync.WaitGroup
	wg.Add(2)
	one := func(dst, src end) {
		defer wg.Done()
		var err error
		_, dstTCP := dst.c.(*net.TCPConn)
		_, srcTCP := src.c.(*net.TCPConn)
		if dstTCP && srcTCP {
			_, err = io.Copy(dst.c, src.c)
		} else {
			var w io.Writer = struct{ io.Writer }{dst.c}
			if dst.batch != nil {
				w = batchedWriter{w: dst.c, bc: dst.batch}
			}
			bp := copyPool.Get().(*[]byte)
			_, err = io.CopyBuffer(w, struct{ io.Reader }{src.c}, *bp)
			copyPool.Put(bp)
		}
		if cw, ok := dst.c.(closeWriter); ok && err == nil {
			cw.CloseWrite()
		} else {
			// An error (reset, closed) ends both directions.
			dst.c.Close()
			src.c.Close()
		}
	}
	go one(a, b)
	go one(b, a)
	wg.Wait()
}

// serveIngress handles one connection of the zone ingress: it peeks at the ClientHello, picks
// the filter chain by SNI and passes the untouched TLS bytes to an endpoint of that chain's
// cluster. Non-TLS bytes and unknown names are closed.
func (p *Proxy) serveIngress(name string, c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(handshakeTimeout))
	var src io.Reader = c
	var seen bytes.Buffer
	if defect.Active(defect.IngressPlaintext) {
		src = io.TeeReader(c, &seen)
	}
	hello, sni, err := readClientHello(src)
	if err != nil {
		if errors.Is(err, ErrNotTLS) {
			p.nonTLS.Add(1)
			if defect.Active(defect.IngressPlaintext) {
				p.servePlaintextDefect(name, c, io.MultiReader(&seen, c))
			}
		}
		return
	}
	c.SetReadDeadline(time.Time{})
	rt := p.rt.Load()
	lr := rt.listeners[name]
	if lr == nil {
		return
	}
	cluster, ok := lr.cfg.SNI[sni]
	if !ok {
		p.unknownSNI.Add(1)
		return
	}
	p.passIngress(rt, cluster, c, hello)
}

// passIngress connects to an endpoint of cluster, replays first (the bytes read to route the
// connection) and pipes the rest both ways.
func (p *Proxy) passIngress(rt *runtime, cluster string, c net.Conn, first []byte) {
	up := p.dialCluster(rt, cluster)
	if up.c == nil {
		return
	}
	defer up.c.Close()
	if _, err := up.c.Write(first); err != nil {
		return
	}
	pipe(end{c: c}, up)
}

// servePlaintextDefect is the seeded defect ingress-plaintext: a plaintext HTTP request is
// routed by its Host header (<service>.mesh) to the chain of that service, so bytes without an
// identity enter the zone. Reachable only in a zonemesh_defects build.
func (p *Proxy) servePlaintextDefect(name string, c net.Conn, r io.Reader) {
	req, err := http.ReadRequest(bufio.NewReader(r))
	if err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	rt := p.rt.Load()
	lr := rt.listeners[name]
	if lr == nil {
		return
	}
	svc, _, _ := strings.Cut(req.Host, ".")
	for sni, cluster := range lr.cfg.SNI {
		if !strings.HasPrefix(sni, svc+".") {
			continue
		}
		var first bytes.Buffer
		if err := req.Write(&first); err != nil {
			return
		}
		p.passIngress(rt, cluster, c, first.Bytes())
		return
	}
}
