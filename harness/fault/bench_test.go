package fault

import (
	"io"
	"net"
	"testing"
)

// echoServer echoes every connection until the listener closes.
func echoServer(b *testing.B) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	b.Cleanup(func() { ln.Close() })
	return ln
}

func roundTrips(b *testing.B, addr string, size int) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := make([]byte, size)
	buf := make([]byte, size)
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRoundTrip compares one request/response exchange over a direct loopback connection
// (the baseline) with the same exchange through a link that has no fault: the difference is
// what routing every cross-zone connection through a link costs.
func BenchmarkRoundTrip(b *testing.B) {
	for _, size := range []int{64, 16 << 10} {
		name := map[int]string{64: "64B", 16 << 10: "16KiB"}[size]
		b.Run("direct/"+name, func(b *testing.B) {
			ln := echoServer(b)
			roundTrips(b, ln.Addr().String(), size)
		})
		b.Run("link/"+name, func(b *testing.B) {
			ln := echoServer(b)
			inj := NewInjector()
			defer inj.Close()
			addr, err := inj.AddLink("bench", "127.0.0.1:0", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			roundTrips(b, addr, size)
		})
	}
}
