package proxy

import (
	"net"
	"sync"
)

// batchConn sits under a tls.Conn and, while a copy is writing, gathers the records that one
// tls.Conn.Write produces (one per 16 KiB) into a single write(2). Without it a bulk transfer
// costs a syscall per record on every TLS hop.
type batchConn struct {
	net.Conn
	mu  sync.Mutex
	on  bool
	buf []byte
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	if b.on {
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	b.mu.Unlock()
	return b.Conn.Write(p)
}

// begin starts gathering; flush writes what was gathered and stops.
func (b *batchConn) begin() {
	b.mu.Lock()
	b.on = true
	b.mu.Unlock()
}

func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.on = false
	if len(b.buf) == 0 {
		return nil
	}
	_, err := b.Conn.Write(b.buf)
	b.buf = b.buf[:0]
	return err
}

// batchedWriter writes through w (a tls.Conn over bc) with one syscall per Write.
type batchedWriter struct {
	w  interface{ Write([]byte) (int, error) }
	bc *batchConn
}

func (b batchedWriter) Write(p []byte) (int, error) {
	b.bc.begin()
	n, err := b.w.Write(p)
	if ferr := b.bc.flush(); err == nil {
		err = ferr
	}
	return n, err
}
