package kds

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// relay forwards TCP between zones and global and can freeze: it keeps every connection
// open but stops moving bytes (and closes) in both directions, as a black-holed link or a
// SIGSTOPped peer would look.
type relay struct {
	lis    net.Listener
	target string

	mu     sync.Mutex
	frozen bool
	thaw   chan struct{}
	closed bool
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startRelay(t testing.TB, target string) *relay {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{lis: lis, target: target, thaw: make(chan struct{})}
	close(r.thaw)
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *relay) addr() string { return r.lis.Addr().String() }

func (r *relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.lis.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.target)
		if err != nil {
			c.Close()
			continue
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			c.Close()
			up.Close()
			return
		}
		r.conns = append(r.conns, c, up)
		r.wg.Add(2)
		r.mu.Unlock()
		go r.pipe(c, up)
		go r.pipe(up, c)
	}
}

// pipe copies src to dst, holding data (and the close) while frozen.
func (r *relay) pipe(src, dst net.Conn) {
	defer r.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		r.waitThawed()
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				src.Close()
			}
			dst.Close()
			return
		}
	}
}

func (r *relay) waitThawed() {
	r.mu.Lock()
	ch := r.thaw
	r.mu.Unlock()
	<-ch
}

func (r *relay) freeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.frozen && !r.closed {
		r.frozen, r.thaw = true, make(chan struct{})
	}
}

func (r *relay) unfreeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen {
		r.frozen = false
		close(r.thaw)
	}
}

func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	if r.frozen {
		r.frozen = false
		close(r.thaw)
	}
	for _, c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.lis.Close()
	r.wg.Wait()
}
